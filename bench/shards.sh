#!/usr/bin/env bash
# One sale split into K shards (decision 0030): how many reservations a second its scripts take on a
# Redis Cluster of three masters, for K = 1, 2 and 3, and for K = 1 and 3 on a single Redis for
# reference. No service, no HTTP: the load generator dev.flashsale.load.ReservationLoad (test
# sources) drives reserve.lua, lend.lua and release.lua through Lettuce straight at Redis, as
# Inventory calls them, on a new sale of 10,000,000 units per round (no shard runs short within a
# round), a new user per attempt, 256 attempts in flight over 4 connections.
#   bench/shards.sh
# The cluster: ops/redis-cluster.sh on REDIS_CLUSTER_BASE_PORT (7201, away from the test suite's
# 7001), in its own directory; reused if it runs, started (and stopped at the end) if not. On it the
# configurations take turns round by round: K=1, K=2, K=3, and K=3 with its first shard sold out
# (the third of the buyers whose home it is claim there and borrow from another shard: two scripts
# for each of their reservations).
# Then the single Redis (REDIS, 127.0.0.1:6379; the keys are under fs-bench:, never a real sale's,
# and deleted after each round), K=1 and K=3 (all shards on the one Redis).
# Prints each round, the load average before and after, and a table of the medians, with the CPU each
# part used: the masters, the replicas, the generator, and whatever else ran on the machine meanwhile.
# Settings (environment): ROUNDS (3), DURATION (20 s a round), WARMUP (3 s before each round),
# CONNECTIONS (4), INFLIGHT (256), CONFIGS (1,2,3,3:1: K, or K:n with the first n shards sold out),
# SINGLE_CONFIGS (1,3; empty: no single-Redis run), REDIS (127.0.0.1:6379),
# REDIS_CLUSTER_BASE_PORT (7201), REDIS_CLUSTER_DIR (${TMPDIR:-/tmp}/flashsale-shards-cluster-BASE).
# Takes about 8 minutes with the defaults.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
if [ -z "${JAVA_HOME:-}" ] && [ -d /usr/lib/jvm/temurin-25-jdk-amd64 ]; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-4}
INFLIGHT=${INFLIGHT:-256}
CONFIGS=${CONFIGS:-1,2,3,3:1}
SINGLE_CONFIGS=${SINGLE_CONFIGS-1,3}
REDIS=${REDIS:-127.0.0.1:6379}
export REDIS_CLUSTER_BASE_PORT=${REDIS_CLUSTER_BASE_PORT:-7201}
export REDIS_CLUSTER_DIR=${REDIS_CLUSTER_DIR:-${TMPDIR:-/tmp}/flashsale-shards-cluster-$REDIS_CLUSTER_BASE_PORT}
work=$(mktemp -d)
started=

cleanup() {
    # whatever a killed run left on the single Redis: only the bench's own prefix
    redis-cli -h "${REDIS%:*}" -p "${REDIS##*:}" --scan --pattern 'fs-bench:*' 2>/dev/null \
        | xargs -r -n 500 redis-cli -h "${REDIS%:*}" -p "${REDIS##*:}" unlink >/dev/null 2>&1 || true
    if [ -n "$started" ]; then
        ops/redis-cluster.sh stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

./mvnw -B -o -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$work/cp.txt"
classpath="target/test-classes:target/classes:$(cat "$work/cp.txt")"

if ! redis-cli -p "$REDIS_CLUSTER_BASE_PORT" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; then
    started=1
fi
nodes=$(ops/redis-cluster.sh start)

load() { # load <output file> <target property> <configurations>
    "$java" --enable-native-access=ALL-UNNAMED -cp "$classpath" "$2" -Dshards="$3" -Drounds="$ROUNDS" \
        -Dduration="$DURATION" -Dwarmup="$WARMUP" -Dconnections="$CONNECTIONS" -Dinflight="$INFLIGHT" \
        dev.flashsale.load.ReservationLoad | tee "$1"
}

echo "== load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
load "$work/cluster.txt" -Dcluster="$nodes" "$CONFIGS"
if [ -n "$SINGLE_CONFIGS" ]; then
    load "$work/single.txt" -Dredis="$REDIS" "$SINGLE_CONFIGS"
fi
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "Medians of $ROUNDS rounds of ${DURATION} s (CPU: seconds per second, the Redis main threads by INFO cpu)"
printf '%-8s %-16s %7s %14s %10s %7s %7s %12s %8s %9s %9s %13s %8s\n' redis config masters reservations/s scripts/s \
    'p50 ms' 'p99 ms' 'masters CPU' replicas generator elsewhere scripts/CPU-s per-read
for file in "$work/cluster.txt" "$work/single.txt"; do
    [ -f "$file" ] || continue
    where=cluster
    [ "$file" = "$work/single.txt" ] && where=single
    grep '^RESULT ' "$file" | sed 's/^RESULT //' | while read -r line; do
        declare -A f=()
        for pair in $line; do f[${pair%%=*}]=${pair#*=}; done
        printf '%-8s %-16s %7s %14s %10s %7s %7s %12s %8s %9s %9s %13s %8s\n' "$where" "${f[label]}" "${f[masters]}" \
            "${f[reservations]}" "${f[scripts]}" "${f[p50]}" "${f[p99]}" "${f[masterCpu]} (${f[busiestMaster]})" \
            "${f[otherCpu]}" "${f[generatorCpu]}" "${f[elsewhereCpu]}" "${f[perMasterCpuSecond]}" "${f[scriptsPerRead]}"
    done
done
echo "masters CPU: the main threads of the masters that hold a shard (the busiest one); replicas: the other nodes'"
echo "main threads (and a master's that holds none); elsewhere: the machine's busy CPU less the generator and Redis"
echo "(other work on a shared machine); scripts/CPU-s: scripts/s over masters CPU; per-read: scripts per socket read"
