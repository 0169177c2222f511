#!/usr/bin/env bash
# A Redis Cluster of three masters and three replicas on loopback, made of the machine's own
# redis-server (Debian's redis-server package; nothing is downloaded): for the test suite's cluster
# drills and for trying the service on a cluster (docs/OPERATIONS.md, "Running on a Redis Cluster").
#
#   ops/redis-cluster.sh start            start the six nodes and, the first time, create the cluster
#   ops/redis-cluster.sh nodes            print the nodes for SPRING_DATA_REDIS_CLUSTER_NODES
#   ops/redis-cluster.sh status           the nodes as the cluster sees them (CLUSTER NODES)
#   ops/redis-cluster.sh start-node PORT  start one node again (after it was killed): it rejoins
#   ops/redis-cluster.sh halt             stop every node, keeping its files (nodes.conf, snapshot)
#   ops/redis-cluster.sh stop             stop every node and delete the cluster's files
#
# Settings (environment):
#   REDIS_CLUSTER_BASE_PORT     first port (7001); the nodes listen on 127.0.0.1, BASE to BASE+5
#   REDIS_CLUSTER_DIR           each node's configuration, nodes.conf, snapshot and log
#                               (default ${TMPDIR:-/tmp}/flashsale-redis-cluster-BASE)
#   REDIS_CLUSTER_NODE_TIMEOUT  cluster-node-timeout in ms (2000): how long a master may not answer
#                               before its replica takes over
#   REDIS_SERVER, REDIS_CLI     the binaries (redis-server, redis-cli)
#
# The nodes keep serving their own slots while another master's fail over
# (cluster-require-full-coverage no). A failover takes about node-timeout plus one to three
# seconds (the replica's election); docs/decisions/0024-redis-cluster.md says what the client
# does meanwhile.
set -euo pipefail

base=${REDIS_CLUSTER_BASE_PORT:-7001}
dir=${REDIS_CLUSTER_DIR:-${TMPDIR:-/tmp}/flashsale-redis-cluster-$base}
node_timeout=${REDIS_CLUSTER_NODE_TIMEOUT:-2000}
server=${REDIS_SERVER:-redis-server}
cli=${REDIS_CLI:-redis-cli}

ports() { seq "$base" $((base + 5)); }

answers() { "$cli" -h 127.0.0.1 -p "$1" ping >/dev/null 2>&1; }

start_node() {
    local port=$1 node="$dir/$1"
    answers "$port" && return 0
    mkdir -p "$node"
    if [ ! -f "$node/redis.conf" ]; then
        cat > "$node/redis.conf" <<EOF
port $port
bind 127.0.0.1
daemonize yes
pidfile $node/redis.pid
logfile $node/redis.log
dir $node
cluster-enabled yes
cluster-config-file nodes.conf
cluster-node-timeout $node_timeout
save ""
appendonly no
repl-diskless-sync-delay 0
cluster-require-full-coverage no
EOF
    fi
    "$server" "$node/redis.conf"
}

await_answer() {
    local port
    for port in $(ports); do
        for _ in $(seq 1 100); do
            answers "$port" && break
            sleep 0.1
        done
        answers "$port" || { echo "redis-cluster: node $port does not answer (log: $dir/$port/redis.log)" >&2; exit 1; }
    done
}

await_ok() {
    local port ok
    for _ in $(seq 1 300); do
        ok=1
        for port in $(ports); do
            "$cli" -h 127.0.0.1 -p "$port" cluster info 2>/dev/null | grep -q '^cluster_state:ok' || { ok=0; break; }
            # every node sees three replicas, each replica is in sync with its master
            [ "$("$cli" -h 127.0.0.1 -p "$port" cluster nodes 2>/dev/null | grep -cE '[ ,]slave ')" = 3 ] || { ok=0; break; }
            if "$cli" -h 127.0.0.1 -p "$port" info replication 2>/dev/null | grep -q '^role:slave'; then
                "$cli" -h 127.0.0.1 -p "$port" info replication | grep -q '^master_link_status:up' || { ok=0; break; }
            fi
        done
        [ "$ok" = 1 ] && return 0
        sleep 0.1
    done
    echo "redis-cluster: the cluster is not ok (or its replicas not in sync) after 30 s:" >&2
    "$cli" -h 127.0.0.1 -p "$base" cluster nodes >&2 || true
    exit 1
}

# a node of this cluster already running is fine; anything else on its ports is not ours
check_ports() {
    local port
    for port in $(ports); do
        if answers "$port" && [ ! -f "$dir/$port/redis.conf" ]; then
            echo "redis-cluster: port $port is taken by a server this script did not start (set REDIS_CLUSTER_BASE_PORT)" >&2
            exit 1
        fi
    done
}

nodes() {
    local list="" port
    for port in $(ports); do list="$list${list:+,}127.0.0.1:$port"; done
    echo "$list"
}

stop_nodes() {
    local port pid
    # only the nodes this script started (their files are in $dir): never a server of someone else's
    [ -d "$dir" ] || return 0
    for port in $(ports); do
        [ -f "$dir/$port/redis.conf" ] || continue
        # NOW: a master does not wait for its replicas; NOSAVE: nothing is written on the way out
        "$cli" -h 127.0.0.1 -p "$port" shutdown nosave now >/dev/null 2>&1 || true
    done
    for port in $(ports); do
        [ -f "$dir/$port/redis.conf" ] || continue
        pid=$(cat "$dir/$port/redis.pid" 2>/dev/null || true)
        for _ in $(seq 1 50); do
            answers "$port" || break
            sleep 0.1
        done
        if answers "$port" && [ -n "$pid" ]; then
            kill -9 "$pid" 2>/dev/null || true
        fi
    done
}

case "${1:-}" in
    start)
        command -v "$server" >/dev/null || { echo "redis-cluster: no $server (apt-get install redis-server)" >&2; exit 1; }
        check_ports
        for port in $(ports); do start_node "$port"; done
        await_answer
        assigned=$("$cli" -h 127.0.0.1 -p "$base" cluster info | tr -d '\r' | sed -n 's/^cluster_slots_assigned://p')
        if [ "$assigned" = 0 ]; then
            args=()
            for port in $(ports); do args+=("127.0.0.1:$port"); done
            "$cli" --cluster create "${args[@]}" --cluster-replicas 1 --cluster-yes >"$dir/create.log" 2>&1 \
                || { cat "$dir/create.log" >&2; exit 1; }
        fi
        await_ok
        nodes
        ;;
    start-node)
        port=${2:?usage: $0 start-node PORT}
        [ -f "$dir/$port/redis.conf" ] || { echo "redis-cluster: no node $port in $dir" >&2; exit 1; }
        start_node "$port"
        for _ in $(seq 1 100); do answers "$port" && break; sleep 0.1; done
        answers "$port" || { echo "redis-cluster: node $port does not answer" >&2; exit 1; }
        ;;
    nodes)
        nodes
        ;;
    status)
        "$cli" -h 127.0.0.1 -p "$base" cluster nodes
        ;;
    halt)
        stop_nodes
        ;;
    stop)
        stop_nodes
        rm -rf "$dir"
        ;;
    *)
        awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
        exit 2
        ;;
esac
