#!/usr/bin/env bash
# Checks the invariants for one product straight in the stores (psql, redis-cli), after waiting
# for the outbox to drain. Until the audit endpoint exists (issue #3) this is the verdict.
#   check.sh <product-id>     (DB_URL=postgresql://postgres@127.0.0.1:5432/flashsale_bench)
set -euo pipefail
P=$1
DB=${DB_URL:-postgresql://postgres@127.0.0.1:5432/flashsale_bench}
q() { psql "$DB" -Atc "$1"; }

waited=0
for _ in $(seq 1 600); do
    pending=$(q "SELECT count(*) FROM event_publication WHERE completion_date IS NULL")
    [ "$pending" = 0 ] && break
    sleep 1
    waited=$((waited + 1))
done
echo "outbox drained after ${waited}s (pending now: $pending)"
total=$(q "SELECT total_quantity FROM products WHERE id='$P'")
sold=$(q "SELECT sold_quantity FROM products WHERE id='$P'")
limit=$(q "SELECT per_user_limit FROM products WHERE id='$P'")
orders=$(q "SELECT count(*) FROM orders WHERE product_id='$P' AND status='completed'")
qty=$(q "SELECT coalesce(sum(quantity),0) FROM orders WHERE product_id='$P' AND status='completed'")
users=$(q "SELECT count(DISTINCT user_id) FROM orders WHERE product_id='$P' AND status='completed'")
units=$(q "SELECT count(DISTINCT unit_no) FROM order_units WHERE product_id='$P' AND unit_no BETWEEN 1 AND $total")
over=$(q "SELECT count(*) FROM orders WHERE product_id='$P' AND quantity > $limit")
stock=$(redis-cli -h "${REDIS_HOST:-127.0.0.1}" GET "fs:{$P}:stock")
pend=$(redis-cli -h "${REDIS_HOST:-127.0.0.1}" HLEN "fs:{$P}:pending")

verdict() { if [ "$2" = true ]; then echo "$1 holds"; else echo "$1 BROKEN"; fail=1; fi; }
fail=0
echo "total=$total orders=$orders quantity=$qty users=$users units=$units sold_quantity=$sold redis_stock=$stock redis_pending=$pend outbox_pending=$pending"
verdict "I1 (no oversell)" "$([ "$qty" -le "$total" ] && [ "$units" -eq "$qty" ] && echo true || echo false)"
verdict "I2 (one order per user, within limit)" "$([ "$users" -eq "$orders" ] && [ "$over" -eq 0 ] && echo true || echo false)"
verdict "I4 (nothing pending)" "$([ "$pend" -eq 0 ] && echo true || echo false)"
verdict "I5 (converged)" "$([ "$sold" -eq "$qty" ] && [ "$stock" -eq $((total - qty)) ] && [ "$pending" -eq 0 ] && echo true || echo false)"
exit $fail
