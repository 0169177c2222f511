#!/usr/bin/env bash
# Runs one load scenario against a running instance and checks the invariants afterwards.
#   bench/run.sh <scenario> [runs]
# scenario: burst (A: 1,000 units, a new user per request), storm (B: 500 users reused, stock
# never runs out), status (C: status reads), commit (D: every attempt succeeds), noop (the
# ceiling: a purchase-shaped request to an endpoint that does nothing), gated (A on a gated sale:
# every new user fetches a purchase token, then buys with it).
# Settings (environment): BASE_URL (http://127.0.0.1:8080), ADMIN_KEY, THREADS (2),
# CONNECTIONS (200), DURATION (20s). The instance must run in trusted-header mode (bench/app.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scenario=${1:?scenario: burst|storm|status|commit|noop|gated}
runs=${2:-1}
BASE_URL=${BASE_URL:-http://127.0.0.1:8080}
ADMIN_KEY=${ADMIN_KEY:-bench-admin-key-0123456789}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-200}
DURATION=${DURATION:-20s}
. "$here/lib.sh"

for run in $(seq 1 "$runs"); do
    case $scenario in
        burst)  product=$(create_sale "bench $scenario" 1000 ',"perUserLimit":1'); kind=purchase; mode=new ;;
        storm)  product=$(create_sale "bench $scenario" 10000000 ',"perUserLimit":1'); kind=purchase; mode=pool ;;
        status) product=$(create_sale "bench $scenario" 1000 ',"perUserLimit":1'); kind=status; mode=new ;;
        commit) product=$(create_sale "bench $scenario" 10000000 ',"perUserLimit":1'); kind=purchase; mode=new ;;
        noop)   product=$(create_sale "bench $scenario" 1 ',"perUserLimit":1'); kind=noop; mode=new ;;
        gated)  product=$(create_sale "bench $scenario" 1000 ',"perUserLimit":1,"gated":true'); kind=gated; mode=new ;;
        *) echo "unknown scenario $scenario" >&2; exit 2 ;;
    esac
    echo "== $scenario run $run product=$product threads=$THREADS connections=$CONNECTIONS duration=$DURATION"
    PRODUCT_ID=$product SCENARIO=$kind MODE=$mode USERS=500 RUN="$scenario$run-$(date +%s)" \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$here/wrk/flashsale.lua" "$BASE_URL" \
        | grep -E '^--|Requests/sec|Latency|99%'
    BASE_URL=$BASE_URL ADMIN_KEY=$ADMIN_KEY "$here/check.sh" "$product" || { echo "AUDIT: invariants broken"; failed=1; }
done
exit "${failed:-0}"
