#!/usr/bin/env bash
# Scenario E from a C client (bench/rate.c): purchase attempts at a fixed rate, each from a new user,
# after a warm-up of the same purchases on a sold-out sale, with no pause between the two; then
# the audit of both sales. The client costs a fraction of Gatling's CPU (bench/gatling.sh rate),
# which matters where the load generator shares the instance's cores.
#   bench/rate.sh      (a running instance, bench/app.sh)
# Settings: RATE (5000/s), DURATION (30 s), STOCK (1,000 units), WARMUP (15 s), CONNECTIONS (512
# opened before the warm-up), BASE_URL (http://127.0.0.1:8080), ADMIN_KEY. Needs a C compiler (cc).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BASE_URL=${BASE_URL:-http://127.0.0.1:8080}
ADMIN_KEY=${ADMIN_KEY:-bench-admin-key-0123456789}
. "$here/lib.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/rate" "$here/rate.c"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
product=$(create_sale "rate" "${STOCK:-1000}")
warmup_product=$(create_sale "rate warm-up" 1)
address=${BASE_URL#http://}
echo "== ${RATE:-5000}/s for ${DURATION:-30} s on product $product (warm-up: $warmup_product, ${WARMUP:-15} s)"
status=0
"$work/rate" "${RATE:-5000}" "${DURATION:-30}" "$product" "$warmup_product" "${WARMUP:-15}" \
    "${address%:*}" "${address##*:}" "${CONNECTIONS:-512}" || status=$?
for checked in $product $warmup_product; do
    BASE_URL=$BASE_URL ADMIN_KEY=$ADMIN_KEY "$here/check.sh" "$checked" > "$work/audit" \
        || { cat "$work/audit"; echo "AUDIT: invariants broken"; status=1; }
done
exit $status
