#!/usr/bin/env bash
# Scenario A with its audience: the crowd buys a 1,000-unit sale while WATCHERS shoppers (5,000)
# hold its page open (live streams from bench/watchers.c, bound to 127.0.0.2 so that the crowd's
# address and theirs differ), against A alone on the same instance, in the same run.
#   bench/audience.sh [rounds]      (a running instance, bench/app.sh; BASE_URL, WATCHERS, DURATION)
# Each round: A alone on a new sale and A on another new sale with its audience, in turns first.
# Prints requests/s and p99 of both and their ratio, then the medians over the rounds; each sale is
# audited (check.sh) and the script fails if an audit does. The watchers' client shares the
# machine's cores with the instance and the crowd: it is C on one epoll loop (needs a C compiler, cc).
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
cc -O2 -o "$work/watchers" "$here/watchers.c"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

crowd() {   # crowd <tag> <product>: prints "req/s p99"
    PRODUCT_ID=$2 SCENARIO=purchase MODE=new RUN="$1-$(date +%s)" \
        wrk -t2 -c200 -d"${DURATION}s" -s "$here/wrk/flashsale.lua" "$BASE_URL" > "$work/$1.out"
    BASE_URL=$BASE_URL ADMIN_KEY=$ADMIN_KEY "$here/check.sh" "$2" > "$work/$1-audit.out" \
        || { cat "$work/$1-audit.out" >&2; echo "AUDIT: invariants broken ($1)" >&2; touch "$work/failed"; }
    sed -nE 's/.*p99=([0-9.]+)ms.*req\/s=([0-9]+).*/\2 \1/p' "$work/$1.out"
}
watched() {   # watched <product>: the crowd while the audience holds the sale's page open
    local host=${BASE_URL#*//} watchers
    "$work/watchers" "$WATCHERS" "$1" $((DURATION + 5)) "${host%:*}" "${host##*:}" 127.0.0.2 > "$work/watchers.out" 2>&1 &
    watchers=$!
    until grep -q "streams open" "$work/watchers.out"; do
        kill -0 "$watchers" 2>/dev/null || { cat "$work/watchers.out" >&2; touch "$work/no-audience"; return 1; }
        sleep 0.2
    done
    crowd watched "$1"
    wait "$watchers" || true
}
for round in $(seq 1 "$rounds"); do
    # which run goes first alternates, so that neither always meets the instance as the other left it
    if [ $((round % 2)) = 1 ]; then
        read -r alone_rate alone_p99 <<<"$(crowd alone "$(create_sale audience 1000)")"
        read -r watched_rate watched_p99 <<<"$(watched "$(create_sale audience 1000)")"
    else
        read -r watched_rate watched_p99 <<<"$(watched "$(create_sale audience 1000)")"
        sleep 10   # the instance notices the closed streams at its next probes
        read -r alone_rate alone_p99 <<<"$(crowd alone "$(create_sale audience 1000)")"
    fi
    [ ! -e "$work/no-audience" ] || { echo "the watchers' client failed" >&2; exit 1; }
    echo "$alone_rate $alone_p99 $watched_rate $watched_p99" >> "$work/rounds"
    echo "== round $round: A alone $alone_rate req/s p99 $alone_p99 ms | with $WATCHERS watchers $watched_rate req/s p99 $watched_p99 ms" \
        "| $(awk -v a="$alone_rate" -v w="$watched_rate" -v ap="$alone_p99" -v wp="$watched_p99" 'BEGIN { printf "%.0f%% of the rate, p99 x%.2f", 100 * w / a, wp / ap }')"
    grep -E "streams open|held" "$work/watchers.out"
    sleep 10
done
# medians over the rounds: of each run's figures, and of each round's ratios
awk '{ a[NR] = $1; ap[NR] = $2; w[NR] = $3; wp[NR] = $4; r[NR] = $3 / $1; p[NR] = $4 / $2 }
    function median(x, n,    i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
        return n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2 }
    END { printf "== median of %d rounds: A alone %.0f req/s p99 %.1f ms | with watchers %.0f req/s p99 %.1f ms | ratio of the rate %.0f%%, of p99 x%.2f\n",
        NR, median(a, NR), median(ap, NR), median(w, NR), median(wp, NR), 100 * median(r, NR), median(p, NR) }' "$work/rounds"
[ ! -e "$work/failed" ]
