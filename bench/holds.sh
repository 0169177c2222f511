#!/usr/bin/env bash
# Expiry lateness of payment holds (decision 0029): HOLDS buyers (10,000) win a sale with a payment
# window of WINDOW (60 s) within a few seconds, nobody pays, and every hold expires in the same
# minute. Reports, over all of them, how late PostgreSQL expired each order (its updated_at against
# its pay_by) and how late its units were back on sale (the service's own histogram,
# flashsale.holds.expiry.lateness, from its Prometheus scrape before and after), then checks the
# invariants. Nothing else should expire holds on the instance meanwhile.
#   bench/holds.sh        (an instance from bench/app.sh; BASE_URL, ADMIN_KEY as for run.sh;
#                          DATABASE: the instance's PostgreSQL database, flashsale_bench)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BASE_URL=${BASE_URL:-http://127.0.0.1:8080}
ADMIN_KEY=${ADMIN_KEY:-bench-admin-key-0123456789}
DATABASE=${DATABASE:-flashsale_bench}
HOLDS=${HOLDS:-10000}
WINDOW=${WINDOW:-60}
. "$here/lib.sh"
sql() { psql -h 127.0.0.1 -U postgres -d "$DATABASE" -tAc "$1"; }
scrape() { curl -sf "$BASE_URL/actuator/prometheus" -H "X-Admin-Key: $ADMIN_KEY" | grep '^flashsale_holds_expiry_lateness_seconds_bucket'; }
# the expiries between two scrapes of the service's histogram: how many, and the bucket bounds of p50 and p99
lateness() {
    python3 - "$1" "$2" <<'PY'
import sys
def read(path):
    counts = {}
    for line in open(path):
        le = line.split('le="')[1].split('"')[0]
        counts[float("inf") if le == "+Inf" else float(le)] = float(line.rsplit(" ", 1)[1])
    return counts
before, after = read(sys.argv[1]), read(sys.argv[2])
buckets = sorted((le, after[le] - before.get(le, 0)) for le in after)
count = buckets[-1][1]
def q(p):
    return next(le for le, c in buckets if c >= p * count)
print("%d expiries; p50 <= %.0f ms, p99 <= %.0f ms (bucket bounds)" % (count, q(0.5) * 1000, q(0.99) * 1000))
PY
}

product=$(create_sale "bench holds" "$HOLDS" ",\"perUserLimit\":1,\"holdFor\":\"PT${WINDOW}S\"")
echo "== holds: $HOLDS units, payment window ${WINDOW}s, product=$product"
scrape > /tmp/holds-lateness-before
PRODUCT_ID=$product SCENARIO=purchase MODE=new RUN="holds-$(date +%s)" \
    wrk -t2 -c100 -d"${FILL:-8s}" -s "$here/wrk/flashsale.lua" "$BASE_URL" | grep -E '^-- (statuses|p50)'
# the planner's statistics after the fill, as autovacuum's analyze gives them (these machines run
# without it; ANALYZE=0 leaves them as they are)
[ "${ANALYZE:-1}" = 1 ] && sql "ANALYZE orders" >/dev/null
held=$(sql "SELECT count(*) FROM orders WHERE product_id = '$product' AND status = 'awaiting_payment'")
spread=$(sql "SELECT round(extract(epoch FROM max(pay_by) - min(pay_by))::numeric, 1) FROM orders WHERE product_id = '$product'")
echo "-- $held holds, their deadlines spread over ${spread}s; waiting for them to expire"
for _ in $(seq 1 $((WINDOW + 120))); do
    left=$(sql "SELECT count(*) FROM orders WHERE product_id = '$product' AND status = 'awaiting_payment'")
    [ "$left" = 0 ] && break
    sleep 1
done
echo "-- PostgreSQL: $(sql "SELECT count(*) || ' expired; late p50 ' || round(1000 * percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - pay_by)))::text
    || ' ms, p99 ' || round(1000 * percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM updated_at - pay_by)))::text
    || ' ms, max ' || round(1000 * max(extract(epoch FROM updated_at - pay_by)))::text || ' ms'
    FROM orders WHERE product_id = '$product' AND status = 'expired'")"
scrape > /tmp/holds-lateness-after
echo "-- units back on sale (the service's histogram): $(lateness /tmp/holds-lateness-before /tmp/holds-lateness-after)"
BASE_URL=$BASE_URL ADMIN_KEY=$ADMIN_KEY "$here/check.sh" "$product" | tail -8
stock=$(curl -sf "$BASE_URL/api/v1/sale/status/$product" | sed -E 's/.*"availableQuantity":([0-9]+).*/\1/')
echo "-- stock on sale again: $stock of $HOLDS"
