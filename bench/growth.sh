#!/usr/bin/env bash
# How the costs that are not on the hot path grow with the size of a sale and of the orders table.
#   bench/growth.sh [orders ...]        (default: 100000 1000000 9999000)
# For each size N it starts the packaged jar (bench/app.sh: a fresh flashsale_bench database, this
# machine's Redis), creates a big sale and a small one through the API, writes N committed orders
# of the big sale and 1,000 of the small one directly in SQL (each buyer 'gI' has one unit, numbered
# I, so every invariant holds; the two sales share their first 1,000 buyers), deletes both sales'
# Redis keys (a Redis that lost them), and times, with curl, each call once unless stated:
#   warm-up    the first status read of each sale after the loss (it rebuilds the sale in Redis)
#   audit      GET /admin/audit/{id} of each sale
#   reconciler POST /admin/reconciler/run: one full pass over both sales
#   purchase   the median of 20 purchases of new buyers on the big sale
#   orders     the median of 20 reads of GET /sale/user/orders by buyer g1 (two orders)
# The small sale's figures show what a sale pays for the size of the whole table. A sale's stock is
# at most 10,000,000 units (the admin API's bound): the big sale's stock is N + 1,000 up to that.
# Output: one Markdown table row per size. Build first: ./mvnw -DskipTests package
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(100000 1000000 9999000)
BASE_URL=http://127.0.0.1:8080
ADMIN_KEY=bench-admin-key-0123456789
SMALL=1000
db() { psql -h 127.0.0.1 -U postgres -d flashsale_bench -q -At "$@"; }

create_product() {
    local total=$1
    local start end
    start=$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)
    end=$(date -u -d '+6 hours' +%Y-%m-%dT%H:%M:%SZ)
    curl -sf -X POST "$BASE_URL/api/v1/admin/products" -H "X-Admin-Key: $ADMIN_KEY" -H 'Content-Type: application/json' \
        -d "{\"name\":\"growth $total\",\"price\":9.99,\"totalQuantity\":$total,\"perUserLimit\":1,\"saleStartAt\":\"$start\",\"saleEndAt\":\"$end\"}" \
        | sed -E 's/.*"id":"([0-9a-f-]{36})".*/\1/'
}

# N orders of product $1, buyers g1..gN, unit I to buyer gI, ordered one millisecond apart
write_orders() {
    local product=$1 n=$2
    db <<SQL
SET session_replication_role = replica; -- generated rows that keep every invariant: no per-row triggers
INSERT INTO orders (id, user_id, product_id, quantity, unit_price, status, metadata, created_at, updated_at)
SELECT md5('$product' || i)::uuid, 'g' || i, '$product', 1, 9.99, 'completed', '{"ip":"127.0.0.1"}',
       now() - (($n - i) * interval '1 millisecond'), now()
FROM generate_series(1, $n) AS i;
INSERT INTO order_units (product_id, unit_no, order_id)
SELECT '$product', i, md5('$product' || i)::uuid FROM generate_series(1, $n) AS i;
UPDATE products SET sold_quantity = $n WHERE id = '$product';
SQL
}

seconds() { # one call's time, in seconds (3 decimals); fails on a non-2xx answer
    curl -sf -o /dev/null -w '%{time_total}' "$@"
}

median_of_20() {
    local fn=$1
    for i in $(seq 1 20); do "$fn" "$i"; echo; done | sort -n | sed -n 10p
}

buy() { seconds -X POST "$BASE_URL/api/v1/sale/purchase" -H 'Content-Type: application/json' \
        -H "X-User-Id: growth-new-$1" -d "{\"productId\":\"$big\"}"; }
read_orders() { seconds -H 'X-User-Id: g1' "$BASE_URL/api/v1/sale/user/orders"; }

echo "| orders in the big sale | table rows | write (s) | warm-up big / small (s) | audit big / small (s) | reconciler pass (s) | purchase median (ms) | user's orders median (ms) |"
echo "|---|---|---|---|---|---|---|---|"
app=
trap '[ -z "$app" ] || kill "$app" 2>/dev/null || true' EXIT
for n in "${sizes[@]}"; do
    log=$(mktemp)
    bench/app.sh >"$log" 2>&1 &
    app=$!
    for _ in $(seq 1 120); do curl -sf -o /dev/null "$BASE_URL/actuator/health/readiness" && break; sleep 1; done
    stock=$((n + 1000 > 10000000 ? 10000000 : n + 1000))
    big=$(create_product "$stock")
    small=$(create_product $((SMALL + 1000)))
    t0=$(date +%s.%N)
    write_orders "$big" "$n"
    write_orders "$small" "$SMALL"
    db -c "VACUUM ANALYZE orders" -c "VACUUM ANALYZE order_units"
    written=$(echo "$(date +%s.%N) - $t0" | bc)
    for p in "$big" "$small"; do
        redis-cli -h 127.0.0.1 --scan --pattern "*{$p}*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null
    done
    warm_big=$(seconds "$BASE_URL/api/v1/sale/status/$big")
    warm_small=$(seconds "$BASE_URL/api/v1/sale/status/$small")
    audit_big=$(seconds -H "X-Admin-Key: $ADMIN_KEY" "$BASE_URL/api/v1/admin/audit/$big")
    audit_small=$(seconds -H "X-Admin-Key: $ADMIN_KEY" "$BASE_URL/api/v1/admin/audit/$small")
    reconcile=$(seconds -X POST -H "X-Admin-Key: $ADMIN_KEY" "$BASE_URL/api/v1/admin/reconciler/run")
    purchase=$(median_of_20 buy)
    orders=$(median_of_20 read_orders)
    rows=$(db -c "SELECT count(*) FROM orders")
    printf '| %s | %s | %.0f | %.2f / %.2f | %.2f / %.2f | %.2f | %.0f | %.0f |\n' "$n" "$rows" "$written" \
        "$warm_big" "$warm_small" "$audit_big" "$audit_small" "$reconcile" \
        "$(echo "$purchase * 1000" | bc)" "$(echo "$orders * 1000" | bc)"
    kill "$app"; wait "$app" 2>/dev/null || true
    app=
    rm -f "$log"
done
