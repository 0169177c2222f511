#!/usr/bin/env bash
# Gatling load tests against a running instance (bench/app.sh), then the audit.
#   bench/gatling.sh seed     the seed's k6 scenarios (status polling, purchases, user status),
#                             ramps and thresholds; on a fresh sale of 1,000 units
#   bench/gatling.sh rate     scenario E: purchase attempts at a fixed rate (RATE, default 5000/s,
#                             for DURATION seconds, default 60), open model; on a sale of STOCK
#                             units (default 1,000; STOCK=10000000 makes every attempt an order:
#                             D at a fixed rate); after WARMUP seconds (default 15) of the same
#                             purchases, ramping up to that rate, on a second sale of one unit
# Settings: BASE_URL (http://127.0.0.1:8080), ADMIN_KEY. HTML report: target/gatling/*/index.html
# CAPTURE=file also captures the instance's port with tcpdump (as root) during the simulation and
# prints the purchases' answer times as the wire saw them (bench/wire-latency.py), apart from Gatling's
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
BASE_URL=${BASE_URL:-http://127.0.0.1:8080}
ADMIN_KEY=${ADMIN_KEY:-bench-admin-key-0123456789}
. "$here/lib.sh"
case ${1:?seed or rate} in
    seed) simulation=dev.flashsale.load.SeedScenariosSimulation ;;
    rate) simulation=dev.flashsale.load.FixedRateSimulation ;;
    *) echo "unknown: $1" >&2; exit 2 ;;
esac
product=$(create_sale "gatling $1" "${STOCK:-1000}")
warmup_product=
if [ "$1" = rate ] && [ "${WARMUP:-15}" != 0 ]; then
    warmup_product=$(create_sale "gatling $1 warm-up" 1)
fi
echo "== $simulation on product $product${warmup_product:+ (warm-up: $warmup_product)}"
status=0
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true   # an open model opens a connection per request in flight
./mvnw -q test-compile
if [ -n "${CAPTURE:-}" ]; then
    tcpdump -i lo -s 160 -B 65536 -w "$CAPTURE" \
        "tcp port ${BASE_URL##*:} and (tcp[tcpflags] & (tcp-push|tcp-syn)) != 0" 2>/dev/null &
    capturing=$!
    sleep 1
fi
./mvnw -q gatling:test -Dgatling.simulationClass="$simulation" \
    -DbaseUrl="$BASE_URL" -DadminKey="$ADMIN_KEY" -DproductId="$product" -DwarmupProductId="$warmup_product" \
    -Drate="${RATE:-5000}" -Dduration="${DURATION:-60}" -Dwarmup="${WARMUP:-15}" || status=$?
if [ -n "${CAPTURE:-}" ]; then
    kill "$capturing"; wait "$capturing" || true
    python3 "$here/wire-latency.py" "$CAPTURE" "${DURATION:-60}" "${BASE_URL##*:}"
fi
for checked in $product $warmup_product; do
    BASE_URL=$BASE_URL ADMIN_KEY=$ADMIN_KEY "$here/check.sh" "$checked" || status=1
done
exit $status
