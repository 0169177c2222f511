#!/usr/bin/env bash
# Redis loses a sale's state while its crowd buys (a Redis restart without persistence, an
# eviction): how long the crowd waits while the instance installs the state again from PostgreSQL.
#   bench/state-loss.sh [runs]
# Per run: a sale of 10,000,000 units, one per user; SOLD (10s) of scenario D's load (every
# attempt buys) to put its orders in PostgreSQL; then the same load for DURATION (10s), the sale's
# Redis keys deleted LOSS_AT seconds (3) into it. Prints that second run's latencies (its max is
# the stall) and the warm-ups the instance counted (flashsale_inventory_warmups), then the audit.
# Settings (environment): BASE_URL, ADMIN_KEY, THREADS (2), CONNECTIONS (200), SOLD, DURATION,
# LOSS_AT, REDIS_CLI (redis-cli -h 127.0.0.1 -p 6379: the instance's Redis, not a cluster). The
# instance must run in trusted-header mode (bench/app.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=${1:-1}
BASE_URL=${BASE_URL:-http://127.0.0.1:8080}
ADMIN_KEY=${ADMIN_KEY:-bench-admin-key-0123456789}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-200}
SOLD=${SOLD:-10s}
DURATION=${DURATION:-10s}
LOSS_AT=${LOSS_AT:-3}
REDIS_CLI=${REDIS_CLI:-redis-cli -h 127.0.0.1 -p 6379}
. "$here/lib.sh"

warmups() {
    curl -sS -H "X-Admin-Key: $ADMIN_KEY" "$BASE_URL/actuator/prometheus" \
        | awk '/^flashsale_inventory_warmups_seconds_count/ { sub(/.*outcome="/, ""); sub(/".*} /, "="); printf "%s ", $0 }'
}

for run in $(seq 1 "$runs"); do
    product=$(create_sale "bench state loss" 10000000 ',"perUserLimit":1')
    echo "== state loss run $run product=$product threads=$THREADS connections=$CONNECTIONS sold=$SOLD duration=$DURATION loss at ${LOSS_AT}s"
    PRODUCT_ID=$product SCENARIO=purchase MODE=new USERS=500 RUN="loss$run-sold-$(date +%s)" \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$SOLD" -s "$here/wrk/flashsale.lua" "$BASE_URL" \
        | grep -E '^-- (statuses|p50)' | sed 's/^--/-- before the loss:/'
    orders=$(curl -sS -H "X-Admin-Key: $ADMIN_KEY" "$BASE_URL/api/v1/admin/audit/$product" \
        | python3 -c "import json, sys; print(json.load(sys.stdin)['data']['database']['completedOrders'])")
    echo "-- orders in PostgreSQL: ${orders:-?}; warm-ups so far: $(warmups)"
    (
        sleep "$LOSS_AT"
        # the sale's keys only (its hash tag), as a restart would lose them
        $REDIS_CLI --scan --pattern "fs:{$product}*" | xargs -r $REDIS_CLI del >/dev/null
        echo "-- state deleted at ${LOSS_AT}s"
    ) &
    PRODUCT_ID=$product SCENARIO=purchase MODE=new USERS=500 RUN="loss$run-$(date +%s)" \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$here/wrk/flashsale.lua" "$BASE_URL" \
        | grep -E '^--|Requests/sec|99%'
    wait
    echo "-- warm-ups now: $(warmups)"
    BASE_URL=$BASE_URL ADMIN_KEY=$ADMIN_KEY "$here/check.sh" "$product" | grep -E 'holds|broken|total=' \
        || { echo "AUDIT: invariants broken"; failed=1; }
done
exit "${failed:-0}"
