#!/usr/bin/env bash
# How many reservation scripts one Redis core runs for one sale: the ceiling of the hottest sale,
# whose keys share one hash tag and so one Redis (one master of a cluster).
#   bench/redis-scripts.sh            (a running instance: bench/app.sh; BASE_URL, ADMIN_KEY as for run.sh)
# It creates a sale of 10,000,000 units (more than a run takes) through the API (the instance installs its
# Redis state), then drives reserve.lua on that sale's keys with redis-benchmark (50 clients,
# 300,000 calls, EVALSHA) straight at the Redis that holds them, three times each:
#   reserved   a new buyer every call (a random id among 100 million): a unit is taken
#   refused    one buyer again and again: ALREADY_PURCHASED
# REDIS_PORT (6379) names the Redis; on a cluster, the master of the sale's slot (the script says
# which port holds it when REDIS_CLUSTER_PORTS lists the masters' ports).
set -euo pipefail
cd "$(dirname "$0")/.."
BASE_URL=${BASE_URL:-http://127.0.0.1:8080}
ADMIN_KEY=${ADMIN_KEY:-bench-admin-key-0123456789}
port=${REDIS_PORT:-6379}

product=$(curl -sf -X POST "$BASE_URL/api/v1/admin/products" -H "X-Admin-Key: $ADMIN_KEY" -H 'Content-Type: application/json' \
    -d '{"name":"redis scripts","price":1,"totalQuantity":10000000,"perUserLimit":1}' \
    | sed -E 's/.*"id":"([0-9a-f-]{36})".*/\1/')
curl -sf -o /dev/null "$BASE_URL/api/v1/sale/status/$product" # the sale's state is in Redis from here on
p="fs:{$product}:"
if [ -n "${REDIS_CLUSTER_PORTS:-}" ]; then
    for candidate in $REDIS_CLUSTER_PORTS; do
        if [ "$(redis-cli -h 127.0.0.1 -p "$candidate" exists "${p}sale" 2>/dev/null)" = 1 ]; then port=$candidate; fi
    done
fi
sha=$(redis-cli -h 127.0.0.1 -p "$port" script load "$(cat src/main/resources/scripts/reserve.lua)")
keys="5 ${p}sale ${p}stock ${p}buyers ${p}pending ${p}free"
echo "sale $product on 127.0.0.1:$port"
for run in 1 2 3; do
    printf 'reserved run %s: ' "$run"
    redis-benchmark -h 127.0.0.1 -p "$port" -q -n 300000 -c 50 -r 100000000 \
        evalsha "$sha" $keys "buyer-__rand_int__" 1 "" | grep -o '[0-9.]* requests per second'
done
for run in 1 2 3; do
    printf 'refused run %s: ' "$run"
    redis-benchmark -h 127.0.0.1 -p "$port" -q -n 300000 -c 50 \
        evalsha "$sha" $keys "buyer-0" 1 "" | grep -o '[0-9.]* requests per second'
done
