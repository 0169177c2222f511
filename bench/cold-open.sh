#!/usr/bin/env bash
# Cold open: a sale opens to the crowd on an instance that has only just become ready.
#   bench/cold-open.sh [rounds]
# Each round starts the packaged jar (bench/app.sh; JAR and JAVA_OPTS as there), times it from
# launch to ready (/actuator/health/readiness answers 200), then at once creates a 1,000-unit
# sale and runs scenario A's crowd on it: the first second and the rest of the run are two wrk
# runs back to back, their latency histograms merged for the whole run. The same is then done on
# a second sale on the same, now warm, instance. Every sale is audited (check.sh). Prints, per
# round: ready time, and for cold and warm: first second's requests/s and p99, the whole run's
# requests/s, p50, p99 and max. The instance is stopped at the end of each round.
# Settings: THREADS (2), CONNECTIONS (200), REST (14: seconds after the first one), PORT (8080).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
rounds=${1:-1}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-200}
REST=${REST:-14}
PORT=${PORT:-8080}
BASE_URL=http://127.0.0.1:$PORT
ADMIN_KEY=bench-admin-key-0123456789
work=$(mktemp -d)
. "$here/lib.sh"
app=

stop_app() {
    if [ -n "$app" ] && kill -0 "$app" 2>/dev/null; then
        kill "$app"
        wait "$app" 2>/dev/null || true
    fi
    app=
}
trap 'stop_app; rm -rf "$work"' EXIT

millis() { date +%s%3N; }

# crowd <tag> <product>: the first second, then the rest; writes $work/<tag>-{first,rest}.{hist,out}
crowd() {
    local tag=$1 product=$2 part duration
    for part in first rest; do
        duration=$([ "$part" = first ] && echo 1s || echo "${REST}s")
        PRODUCT_ID=$product SCENARIO=purchase MODE=new RUN="$tag-$part-$(date +%s)" HISTOGRAM="$work/$tag-$part.hist" \
            wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" -s "$here/wrk/flashsale.lua" "$BASE_URL" \
            > "$work/$tag-$part.out"
    done
    BASE_URL=$BASE_URL ADMIN_KEY=$ADMIN_KEY "$here/check.sh" "$product" > "$work/$tag-audit.out" \
        || { cat "$work/$tag-audit.out"; echo "AUDIT: invariants broken ($tag)"; failed=1; }
}

# summary <tag>: first second and whole run, from the wrk outputs and the merged histograms
summary() {
    python3 - "$work" "$1" "$REST" <<'EOF'
import re, sys
work, tag, rest = sys.argv[1], sys.argv[2], float(sys.argv[3])
def hist(part):
    h = {}
    for line in open(f"{work}/{tag}-{part}.hist"):
        micros, count = map(int, line.split())
        h[micros] = h.get(micros, 0) + count
    return h
def pct(h, p):
    total = sum(h.values()); seen = 0
    for micros in sorted(h):
        seen += h[micros]
        if seen >= total * p / 100:
            return micros / 1000
def rate(part):
    return float(re.search(r"req/s=(\d+)", open(f"{work}/{tag}-{part}.out").read()).group(1))
first, whole = hist("first"), hist("first")
for micros, count in hist("rest").items():
    whole[micros] = whole.get(micros, 0) + count
whole_rate = (rate("first") * 1 + rate("rest") * rest) / (1 + rest)
statuses = re.search(r"-- statuses:(.*)", open(f"{work}/{tag}-rest.out").read()).group(1).strip()
print(f"{tag:5} first second: {rate('first'):8.0f} req/s  p99 {pct(first, 99):7.1f} ms | "
      f"whole run: {whole_rate:8.0f} req/s  p50 {pct(whole, 50):6.2f} ms  p99 {pct(whole, 99):7.1f} ms  "
      f"max {max(whole) / 1000:7.1f} ms | rest's answers: {statuses}")
EOF
}

for round in $(seq 1 "$rounds"); do
    log=target/cold-open-$round.log
    mkdir -p target
    launched=$(millis)
    "$here/app.sh" --server.port="$PORT" > "$log" 2>&1 &
    app=$!
    until curl -sf -o /dev/null "$BASE_URL/actuator/health/readiness"; do
        kill -0 "$app" 2>/dev/null || { tail -20 "$log"; echo "the instance did not start" >&2; exit 1; }
        sleep 0.05
    done
    ready=$(( $(millis) - launched ))
    crowd cold "$(create_sale "cold open" 1000)"
    crowd warm "$(create_sale "cold open" 1000)"
    echo "== round $round: launch to ready ${ready} ms ($(grep -o 'Started FlashSaleApplication in [0-9.]* seconds' "$log" || true))"
    summary cold
    summary warm
    stop_app
done
exit "${failed:-0}"
