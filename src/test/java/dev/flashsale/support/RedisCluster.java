package dev.flashsale.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A Redis Cluster of three masters and three replicas on loopback, started by
 * {@code ops/redis-cluster.sh} from the machine's {@code redis-server} (Debian's package), once per
 * test run, and torn down when the run ends. Its ports start at {@code REDIS_CLUSTER_BASE_PORT}
 * (7001), its files are under {@code target/}. Without {@code redis-server} and {@code redis-cli}
 * the cluster tests are skipped, and reported as skipped, except where
 * {@code FLASHSALE_CLUSTER_TESTS=required} (as in .ci/run): there they fail.
 *
 * <p>The drills act on the nodes as an operator (or a crash) would: {@code redis-cli}, signals,
 * the script's {@code halt}, {@code start} and {@code start-node}.
 */
public final class RedisCluster implements AutoCloseable {

    /** The system property that {@code application-cluster.yaml} reads the nodes from. */
    static final String NODES_PROPERTY = "flashsale.test.redis-cluster-nodes";
    private static final Path SCRIPT = Path.of("ops", "redis-cluster.sh");

    private static volatile RedisCluster current;

    private final int basePort;
    private final Path dir;

    private RedisCluster(int basePort, Path dir) {
        this.basePort = basePort;
        this.dir = dir;
    }

    /** Starts the run's cluster before a cluster test class, or skips the class if it cannot. */
    public static final class Extension implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            RedisCluster cluster = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                    .computeIfAbsent(RedisCluster.class, k -> RedisCluster.start(), RedisCluster.class);
            System.setProperty(NODES_PROPERTY, cluster.nodes());
            current = cluster;
        }
    }

    /** The run's cluster, once a class marked {@link OnRedisCluster} has started it. */
    public static RedisCluster current() {
        if (current == null) {
            throw new IllegalStateException("no Redis Cluster: only a test class marked @OnRedisCluster has one");
        }
        return current;
    }

    private static RedisCluster start() {
        String missing = missingTools();
        if (missing != null) {
            String why = "no " + missing + " (apt-get install redis-server)";
            if ("required".equals(System.getenv("FLASHSALE_CLUSTER_TESTS"))) {
                throw new IllegalStateException("Redis Cluster tests are required here, but " + why);
            }
            Assumptions.abort("Redis Cluster tests skipped: " + why);
        }
        int base = Integer.parseInt(System.getenv().getOrDefault("REDIS_CLUSTER_BASE_PORT", "7001"));
        RedisCluster cluster = new RedisCluster(base, Path.of("target", "redis-cluster-" + base).toAbsolutePath());
        cluster.script("start");
        return cluster;
    }

    private static String missingTools() {
        for (String tool : List.of("redis-server", "redis-cli")) {
            boolean found = List.of(System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)).stream()
                    .anyMatch(d -> Files.isExecutable(Path.of(d, tool)));
            if (!found) {
                return tool;
            }
        }
        return null;
    }

    /** The nodes, as {@code spring.data.redis.cluster.nodes} takes them. */
    public String nodes() {
        return String.join(",", ports().mapToObj(p -> "127.0.0.1:" + p).toList());
    }

    private IntStream ports() {
        return IntStream.rangeClosed(basePort, basePort + 5);
    }

    /** The port of the master that holds the key's slot ({@code CLUSTER KEYSLOT}, {@code CLUSTER NODES}). */
    public int masterOf(String key) {
        int slot = Integer.parseInt(cli(basePort, "cluster", "keyslot", key).trim());
        for (String[] node : clusterNodes()) {
            if (node[2].contains("master") && !node[2].contains("fail")) {
                for (int i = 8; i < node.length; i++) {
                    String[] range = node[i].split("-");
                    if (!range[0].startsWith("[") && slot >= Integer.parseInt(range[0])
                            && slot <= Integer.parseInt(range[range.length - 1])) {
                        return port(node[1]);
                    }
                }
            }
        }
        throw new IllegalStateException("no master holds slot " + slot + ":\n" + cli(basePort, "cluster", "nodes"));
    }

    /** The port of a replica of the master on {@code masterPort}. */
    public int replicaOf(int masterPort) {
        String masterId = cli(masterPort, "cluster", "myid").trim();
        return clusterNodes().stream().filter(n -> n[3].equals(masterId)).mapToInt(n -> port(n[1])).findFirst()
                .orElseThrow(() -> new IllegalStateException("no replica of " + masterPort));
    }

    /** Whether the node on this port is a master, as it says itself ({@code ROLE}). */
    public boolean isMaster(int port) {
        return cli(port, "role").startsWith("master");
    }

    /** The pid of the node on this port ({@code INFO server}'s process_id). */
    public long pid(int port) {
        for (String line : cli(port, "info", "server").split("\r?\n")) {
            if (line.startsWith("process_id:")) {
                return Long.parseLong(line.substring("process_id:".length()).trim());
            }
        }
        throw new IllegalStateException("no process_id from node " + port);
    }

    /** SIGKILL to the node on this port: no shutdown, no last write to its replicas. */
    public void kill(int port) {
        long pid = pid(port);
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroyForcibly();
            p.onExit().join();
        });
    }

    /** Starts a node again after it was killed: it rejoins the cluster (a replica if it was failed over). */
    public void startNode(int port) {
        script("start-node", Integer.toString(port));
    }

    /** Waits until every node says the cluster is ok and every replica is in sync (the script's start). */
    public void awaitHealthy() {
        script("start");
    }

    /** Every node writes its snapshot now ({@code SAVE}). */
    public void snapshot() {
        ports().forEach(p -> cli(p, "save"));
    }

    /** Stops every node without saving, keeping its files: an outage of the whole cluster. */
    public void halt() {
        script("halt");
    }

    /** Starts every node again (from its last snapshot, if it has one) and waits until the cluster is ok. */
    public void resume() {
        script("start");
    }

    /** Forgets every node's snapshot, so the next start is empty. */
    public void deleteSnapshots() {
        ports().forEach(p -> {
            try {
                Files.deleteIfExists(dir.resolve(Integer.toString(p)).resolve("dump.rdb"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Runs a redis-cli command against one node and returns its answer. */
    public String cli(int port, String... args) {
        List<String> command = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        command.addAll(List.of(args));
        return run(command, Map.of());
    }

    /** The cluster's own tear-down, at the end of the test run. */
    @Override
    public void close() {
        current = null;
        script("stop");
    }

    private List<String[]> clusterNodes() {
        // any node that answers will do (one of them may have just been killed)
        for (int port : ports().toArray()) {
            try {
                return cli(port, "cluster", "nodes").lines().map(l -> l.trim().split(" ")).toList();
            } catch (IllegalStateException notAnswering) {
                // the next one
            }
        }
        throw new IllegalStateException("no node of the cluster answers");
    }

    private static int port(String address) {
        // 127.0.0.1:7001@17001
        return Integer.parseInt(address.substring(address.indexOf(':') + 1, address.indexOf('@')));
    }

    private void script(String... args) {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(args));
        run(command, Map.of("REDIS_CLUSTER_BASE_PORT", Integer.toString(basePort), "REDIS_CLUSTER_DIR", dir.toString()));
    }

    private static String run(List<String> command, Map<String, String> environment) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " did not finish");
            }
            String output = new String(out, StandardCharsets.UTF_8);
            if (process.exitValue() != 0 || output.startsWith("Could not connect") || output.startsWith("ERR")) {
                throw new IllegalStateException(command + " failed: " + output);
            }
            return output;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
