#!/usr/bin/env bash
# After a load run: waits for the outbox to drain, then asks the service's own audit whether the
# invariants hold for the product (Redis and PostgreSQL compared, I1 I2 I4 I5). Exit 1 if not.
#   check.sh <product-id>        (BASE_URL, ADMIN_KEY as for run.sh; needs curl and python3)
set -euo pipefail
P=$1
BASE_URL=${BASE_URL:-http://127.0.0.1:8080}
ADMIN_KEY=${ADMIN_KEY:-bench-admin-key-0123456789}
get() { curl -sf "$BASE_URL$1" -H "X-Admin-Key: $ADMIN_KEY"; }
field() { python3 -c "import json,sys; d=json.load(sys.stdin)['data']; print($1)"; }

sleep 2   # requests wrk gave up on may still be finishing
waited=0
while [ "$waited" -lt 900 ]; do
    pending=$(get /api/v1/admin/outbox | field "d['pending']")
    [ "$pending" = 0 ] && break
    sleep 1
    waited=$((waited + 1))
done
echo "outbox drained after ${waited}s (pending now: $pending)"
# the invariants hold once quiet; a request still finishing can make one look broken for a moment
for _ in $(seq 1 30); do
    audit=$(get "/api/v1/admin/audit/$P")
    echo "$audit" | grep -q '"allHold":true' && break
    sleep 1
done
echo "$audit" | python3 -c "
import json, sys
a = json.load(sys.stdin)['data']
db, r = a['database'], a['redis']
print('total=%d orders=%d quantity=%d buyers=%d units=%d sold_quantity=%d redis_stock=%s redis_pending=%d' % (
    a['totalQuantity'], db['completedOrders'], db['completedQuantity'], db['distinctBuyers'], db['units'],
    db['soldQuantity'], r['stock'] if r['present'] else 'absent', len(r['pending'])))
for name, v in a['invariants'].items():
    print('%s %s: %s' % (name, 'holds' if v['holds'] else 'BROKEN', v['detail']))
sys.exit(0 if a['allHold'] else 1)
"
