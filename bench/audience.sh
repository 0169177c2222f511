#!/usr/bin/env bash
# Scenario A with its audience: the crowd buys a 1,000-unit sale while WATCHERS shoppers (5,000)
# hold its page open (live streams from bench/watchers.py, bound to 127.0.0.2 so that the crowd's
# address and theirs differ), against A alone on the same instance, in the same run.
#   bench/audience.sh [rounds]      (a running instance, bench/app.sh; BASE_URL, WATCHERS, DURATION)
# Each round: A alone on a new sale, then A on another new sale with its audience. Prints requests/s
# and p99 of both and their ratio; each sale is audited (check.sh). The watchers' client shares the
# machine's cores with the instance and the crowd.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
rounds=${1:-1}
BASE_URL=${BASE_URL:-http://127.0.0.1:8080}
ADMIN_KEY=${ADMIN_KEY:-bench-admin-key-0123456789}
WATCHERS=${WATCHERS:-5000}
DURATION=${DURATION:-20}
work=$(mktemp -d)
. "$here/lib.sh"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

crowd() {   # crowd <tag> <product>: prints "req/s p99"
    PRODUCT_ID=$2 SCENARIO=purchase MODE=new RUN="$1-$(date +%s)" \
        wrk -t2 -c200 -d"${DURATION}s" -s "$here/wrk/flashsale.lua" "$BASE_URL" > "$work/$1.out"
    BASE_URL=$BASE_URL ADMIN_KEY=$ADMIN_KEY "$here/check.sh" "$2" > "$work/$1-audit.out" \
        || { cat "$work/$1-audit.out"; echo "AUDIT: invariants broken ($1)"; failed=1; }
    sed -nE 's/.*p99=([0-9.]+)ms.*req\/s=([0-9]+).*/\2 \1/p' "$work/$1.out"
}
for round in $(seq 1 "$rounds"); do
    read -r alone_rate alone_p99 <<<"$(crowd alone "$(create_sale audience 1000)")"
    product=$(create_sale audience 1000)
    LOCAL_ADDRESS=127.0.0.2 BASE_URL=$BASE_URL python3 "$here/watchers.py" hold "$WATCHERS" "$product" $((DURATION + 15)) \
        > "$work/watchers.out" 2>&1 &
    watchers=$!
    until grep -q "streams open" "$work/watchers.out"; do
        kill -0 "$watchers" 2>/dev/null || { cat "$work/watchers.out"; exit 1; }
        sleep 0.5
    done
    read -r watched_rate watched_p99 <<<"$(crowd watched "$product")"
    wait "$watchers" || true
    echo "== round $round: A alone $alone_rate req/s p99 $alone_p99 ms | with $WATCHERS watchers $watched_rate req/s p99 $watched_p99 ms" \
        "| $(python3 -c "print(f'{$watched_rate / $alone_rate:.0%} of the rate, p99 x{$watched_p99 / $alone_p99:.2f}')")"
    grep -E "streams open|held" "$work/watchers.out"
    sleep 10   # the instance notices the closed streams at its next probes
done
exit "${failed:-0}"
