package dev.flashsale.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.flashsale.inventory.SaleShards;
import dev.flashsale.inventory.SaleShards.SaleShard;
import dev.flashsale.inventory.internal.SaleKeys;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * How many reservations one sale takes a second when its stock is split into K shards (decision
 * 0030), measured on the reservation scripts alone: no HTTP, no service, no PostgreSQL; a Lettuce
 * client drives {@code reserve.lua}, {@code lend.lua} and {@code release.lua} straight at Redis
 * (EVALSHA, the texts from the classpath's {@code scripts/}), as {@code Inventory} calls them.
 * {@code bench/shards.sh} runs it; docs/PERFORMANCE.md ("One sale across shards") has the results.
 *
 * <p>Each round installs a new sale with {@code prime.lua}, as the warm-up of a sale with no orders
 * does (empty staging keys): shard i of K gets the units {@code (base(i), end(i)]} of
 * {@link SaleShards} and the hash tag of {@link SaleKeys}, so on a cluster whose three masters split
 * the slots evenly, K = 3 puts each shard on its own master. Only the key prefix differs
 * ({@code fs-bench:} instead of {@code fs:}; the slot is the hash tag's), so a run cannot touch a
 * real sale; the round's keys are deleted after it. Each attempt is a new user, who reserves one
 * unit on the user's home shard ({@link SaleShards#home}): for K = 1 with the arguments of
 * {@code Inventory.runReserve}, for K &gt; 1 with the split ones; when the home shard answers
 * {@code CLAIMED}, the other shards are asked in turn, from a random one, to lend the unit
 * ({@code lend.lua}), and the claim is released ({@code release.lua}, {@code RESTORE}) if none
 * does: {@code Inventory.reserveSplit} and {@code borrow}, without the service around them. At
 * most {@code inflight} attempts are under way at once (a closed loop), spread over
 * {@code connections} connections (cluster connections: a socket per node each), whose commands
 * are written {@code batch} at a time (Lettuce's manual flushing: pipelining).
 *
 * <p>A round warms up for {@code warmup} seconds, then measures {@code duration} seconds:
 * reservations ({@code RESERVED} and {@code LENT}) and script calls completed in the window, each
 * attempt's latency from its first call to its last answer, and the CPU time each Redis node's main
 * thread spent in the window ({@code INFO cpu}), from which the scripts a master runs per second of
 * its own CPU, this process's CPU time, and the rest of the machine's (its busy time in
 * {@code /proc/stat} less both: other work on a shared machine makes a round incomparable). With
 * the default stock (10 million units) no shard runs short during a round, so the borrow path is
 * taken only by a configuration with sold-out shards: {@code K:n} installs the first n shards with
 * their whole range issued and no units left, and their users claim at home and borrow.
 *
 * <p>Settings (system properties): {@code cluster} (nodes, {@code host:port,host:port}) or
 * {@code redis} ({@code host:port} of a single Redis, default 127.0.0.1:6379); {@code shards} (the
 * configurations, {@code K} or {@code K:n}, comma-separated, default 1: they take turns round by
 * round); {@code rounds} (3); {@code duration} (20 s); {@code warmup} (3 s); {@code jvmWarmup}
 * (10 s of load, not measured, before the first round); {@code connections} (4); {@code inflight}
 * (256); {@code batch} (16; 1: every command written at once); {@code stock} (10,000,000);
 * {@code prefix} ({@code fs-bench:}). Prints a line per round, each configuration's medians, and
 * per configuration a {@code RESULT} line of the medians, {@code key=value} separated by spaces.
 */
public final class ReservationLoad {

    private static final String PREFIX = System.getProperty("prefix", "fs-bench:");
    private static final String CLUSTER = System.getProperty("cluster", "");
    private static final String REDIS = System.getProperty("redis", "127.0.0.1:6379");
    private static final List<Config> CONFIGS = Config.parse(System.getProperty("shards", "1"));
    private static final int ROUNDS = Integer.getInteger("rounds", 3);
    private static final int DURATION = Integer.getInteger("duration", 20);
    private static final int WARMUP = Integer.getInteger("warmup", 3);
    private static final int JVM_WARMUP = Integer.getInteger("jvmWarmup", 10);
    private static final int CONNECTIONS = Integer.getInteger("connections", 4);
    private static final int INFLIGHT = Integer.getInteger("inflight", 256);
    private static final int BATCH = Integer.getInteger("batch", 16);
    private static final int STOCK = Integer.getInteger("stock", 10_000_000);

    private final Scripts scripts = new Scripts();
    private final Target target;
    private final List<Connection> connections;

    private ReservationLoad(Target target) {
        this.target = target;
        this.connections = target.connections(CONNECTIONS);
    }

    public static void main(String[] args) throws Exception {
        if (ROUNDS < 1 || DURATION < 1) {
            throw new IllegalArgumentException("rounds and duration at least 1");
        }
        ClientResources resources = DefaultClientResources.create();
        Target target = CLUSTER.isBlank() ? new Single(resources, REDIS) : new Cluster(resources, CLUSTER);
        try {
            new ReservationLoad(target).run();
        } finally {
            target.close();
            resources.shutdown(0, 2, TimeUnit.SECONDS).get();
        }
    }

    /**
     * The configurations take turns, round by round (so that whatever else loads the machine meets
     * them alike), after a round of {@code jvmWarmup} seconds that is not measured.
     */
    private void run() throws InterruptedException {
        target.load(scripts);
        String where = CLUSTER.isBlank() ? "redis " + REDIS : "cluster " + CLUSTER;
        System.out.printf(Locale.ROOT, "== %s on %s: %d rounds of %d s each (after %d s of warm-up), %d connections, "
                        + "%d attempts in flight, flushed every %d per connection, %,d units, load average %s%n",
                CONFIGS.stream().map(Config::label).toList(), where, ROUNDS, DURATION, WARMUP, CONNECTIONS, INFLIGHT,
                BATCH, STOCK, loadAverage());
        if (JVM_WARMUP > 0) {
            round(CONFIGS.getLast(), 0, JVM_WARMUP - WARMUP);
        }
        Map<Config, List<Result>> results = new LinkedHashMap<>();
        for (int round = 1; round <= ROUNDS; round++) {
            for (Config config : CONFIGS) {
                Result result = round(config, round, DURATION);
                results.computeIfAbsent(config, c -> new ArrayList<>()).add(result);
                System.out.println(config.label() + " round " + round + " (" + result.placement() + "): "
                        + result.describe());
            }
        }
        results.forEach((config, rounds) ->
                System.out.println(config.label() + " median: " + median(rounds).describe()));
        results.forEach((config, rounds) -> System.out.println("RESULT label=" + config.label()
                + " shards=" + config.shards() + " soldOut=" + config.soldOut() + " " + median(rounds).fields()));
    }

    /**
     * A sale split {@code shards} ways, the first {@code soldOut} shards with no units left.
     * Written {@code K} or {@code K:soldOut}.
     */
    private record Config(int shards, int soldOut) {

        Config {
            if (shards < 1 || soldOut < 0 || soldOut > 0 && soldOut >= shards) {
                throw new IllegalArgumentException("a configuration: K or K:soldOut, with K >= 1 and soldOut < K");
            }
        }

        static List<Config> parse(String list) {
            return Arrays.stream(list.split(",")).map(String::trim).map(c -> c.split(":"))
                    .map(p -> new Config(Integer.parseInt(p[0]), p.length > 1 ? Integer.parseInt(p[1]) : 0)).toList();
        }

        String label() {
            return "K=" + shards + (soldOut > 0 ? "/" + soldOut + "-sold-out" : "");
        }
    }

    /** One round on a new sale: install, warm up, measure, drain, delete. */
    private Result round(Config config, int round, int seconds) throws InterruptedException {
        Sale sale = new Sale(config);
        try {
            sale.install();
            Driver driver = new Driver(sale, round);
            Thread thread = Thread.ofPlatform().name("reservation-load").start(driver);
            Thread.sleep(Duration.ofSeconds(WARMUP));
            Snapshot before = snapshot(driver);
            driver.latencies.reset();
            Thread.sleep(Duration.ofSeconds(Math.max(1, seconds)));
            Snapshot after = snapshot(driver);
            Histogram latencies = driver.latencies.getIntervalHistogram();
            driver.stop = true;
            thread.join();
            if (!driver.permits.tryAcquire(INFLIGHT, 30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("attempts still in flight 30 s after the round");
            }
            if (driver.failure.get() != null) {
                throw new IllegalStateException("a script call failed", driver.failure.get());
            }
            return Result.of(before, after, latencies, sale, target);
        } finally {
            sale.delete();
        }
    }

    private Snapshot snapshot(Driver driver) {
        return new Snapshot(System.nanoTime(), driver.reserved.sum(), driver.lent.sum(), driver.refused.sum(),
                driver.scripts.sum(), target.sample(), processCpu(), machineCpu(), loadAverage());
    }

    private static double processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** CPU seconds the machine's CPUs spent busy so far (/proc/stat: all but idle and iowait), NaN if unknown. */
    private static double machineCpu() {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst().trim().split("\\s+");
            long busy = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) { // user nice system irq softirq steal
                busy += Long.parseLong(cpu[i]);
            }
            return busy / 100.0; // USER_HZ
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    /** The keys of one shard of the bench's sale: the service's hash tag, the bench's prefix. */
    private record Keys(String sale, String stock, String buyers, String pending, String free, String addresses,
                        String holds, String staging) {

        static Keys of(SaleShard shard) {
            String real = SaleKeys.of(shard).sale();
            String p = PREFIX + real.substring("fs:".length(), real.length() - "sale".length());
            return new Keys(p + "sale", p + "stock", p + "buyers", p + "pending", p + "free", p + "addresses",
                    p + "holds", p + "warm:" + UUID.randomUUID() + ":");
        }

        String[] reserve() {
            return new String[] {sale, stock, buyers, pending, free};
        }

        String[] lend() {
            return new String[] {sale, stock, pending, free};
        }

        String[] release() {
            return new String[] {stock, buyers, pending, free, addresses};
        }

        String[] prime() {
            return new String[] {sale, stock, buyers, pending, free, staging + "buyers", staging + "free", addresses,
                    staging + "addresses", holds, staging + "holds"};
        }

        String[] all() {
            return new String[] {sale, stock, buyers, pending, free, addresses, holds};
        }
    }

    /** A round's sale: its shards' ranges and keys. */
    private final class Sale {

        final Config config;
        final SaleShards shards;
        final Keys[] keys;

        Sale(Config config) {
            this.config = config;
            this.shards = new SaleShards(UUID.randomUUID(), config.shards(), STOCK);
            this.keys = shards.all().stream().map(Keys::of).toArray(Keys[]::new);
        }

        /** prime.lua with WarmUp's arguments for a sale with no orders (a sold-out shard: its range all issued). */
        void install() {
            long now = System.currentTimeMillis();
            for (int i = 0; i < shards.count(); i++) {
                boolean soldOut = i < config.soldOut();
                Object installed = await(target.admin().evalsha(scripts.prime, ScriptOutputType.INTEGER,
                        keys[i].prime(), Long.toString(now - 3_600_000), Long.toString(now + 86_400_000), "1",
                        Integer.toString(shards.end(i)), Integer.toString(soldOut ? shards.end(i) : shards.base(i)),
                        Integer.toString(soldOut ? 0 : shards.size(i)), "", "", "0"));
                if (!Long.valueOf(1).equals(installed)) {
                    throw new IllegalStateException("prime.lua did not install shard " + i + ": " + installed);
                }
            }
        }

        /**
         * UNLINK (a shared Redis is not blocked while a round's million buyers are freed), then waits
         * until they are freed, so that the next round does not pay for it.
         */
        void delete() {
            for (Keys k : keys) {
                await(target.unlink(k.all()));
            }
            target.awaitFreed();
        }
    }

    /**
     * Starts attempts as long as fewer than {@code inflight} are under way; each goes on in Lettuce's
     * callbacks (reserve, then lends, then the release of a claim nobody lent to).
     */
    private final class Driver implements Runnable {

        final Sale sale;
        final String users;
        final Semaphore permits = new Semaphore(INFLIGHT);
        final LongAdder reserved = new LongAdder();
        final LongAdder lent = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder scripts = new LongAdder();
        final Recorder latencies = new Recorder(TimeUnit.SECONDS.toMicros(60), 3);
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final AtomicLong next = new AtomicLong();
        volatile boolean stop;

        Driver(Sale sale, int round) {
            this.sale = sale;
            this.users = "user-" + Long.toString(sale.shards.productId().getMostSignificantBits() & Long.MAX_VALUE, 36)
                    + "-" + round + "-";
        }

        @Override
        public void run() {
            try {
                int unflushed = 0;
                while (!stop && failure.get() == null) {
                    if (!permits.tryAcquire()) {
                        // all in flight: send what waits before waiting for an answer
                        flush();
                        unflushed = 0;
                        permits.acquire();
                    }
                    long n = next.getAndIncrement();
                    new Attempt(this, users + n, connections.get((int) (n % connections.size()))).start();
                    if (++unflushed >= BATCH * connections.size()) {
                        flush();
                        unflushed = 0;
                    }
                }
                flush();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void flush() {
        if (BATCH > 1) {
            connections.forEach(c -> c.stateful().flushCommands());
        }
    }

    /**
     * A connection the load goes over. With {@code batch} &gt; 1 its commands are written when the
     * driver flushes them (every {@code batch} attempts per connection, or when all permits are
     * taken), a follow-up call of an attempt (lend, release) at once: Lettuce's pipelining by hand.
     */
    private record Connection(RedisScriptingAsyncCommands<String, String> redis,
                              StatefulConnection<String, String> stateful) {

        Connection {
            stateful.setAutoFlushCommands(BATCH <= 1);
        }

        void sent() {
            if (BATCH > 1) {
                stateful.flushCommands();
            }
        }
    }

    /** One user's reservation of one unit: Inventory.reserveSplit (or the unsplit reserve) and borrow. */
    private final class Attempt {

        final Driver driver;
        final String user;
        final Connection connection;
        final RedisScriptingAsyncCommands<String, String> redis;
        final long started = System.nanoTime();
        final int count;
        final int home;
        String claim;
        int first;
        int asked;

        Attempt(Driver driver, String user, Connection connection) {
            this.driver = driver;
            this.user = user;
            this.connection = connection;
            this.redis = connection.redis();
            this.count = driver.sale.shards.count();
            this.home = SaleShards.home(user, count);
        }

        void start() {
            String[] keys = driver.sale.keys[home].reserve();
            RedisFuture<List<Object>> reply = count == 1
                    ? redis.evalsha(scripts.reserve, ScriptOutputType.MULTI, keys, user, "1", "")
                    : redis.evalsha(scripts.reserve, ScriptOutputType.MULTI, keys, user, "1", "", "", "1");
            reply.whenComplete((r, e) -> answered(e, () -> reserved(r)));
        }

        private void reserved(List<Object> reply) {
            switch ((String) reply.getFirst()) {
                case "RESERVED" -> done(driver.reserved);
                case "CLAIMED" -> {
                    claim = (String) reply.get(2);
                    first = ThreadLocalRandom.current().nextInt(count - 1);
                    lend();
                }
                case "MISSING" -> fail(new IllegalStateException("the sale's state vanished (shard " + home + ")"));
                default -> done(driver.refused);
            }
        }

        /** The next shard in turn, from a random one, as Inventory.borrow asks them. */
        private void lend() {
            int others = count - 1;
            if (asked == others) {
                giveBack();
                return;
            }
            int donor = (home + 1 + (first + asked) % others) % count;
            asked++;
            RedisFuture<List<Object>> reply = redis.evalsha(scripts.lend, ScriptOutputType.MULTI,
                    driver.sale.keys[donor].lend(), user, "1", "");
            connection.sent();
            reply.whenComplete((r, e) -> answered(e, () -> {
                if ("LENT".equals(r.getFirst())) {
                    done(driver.lent);
                } else if ("MISSING".equals(r.getFirst())) {
                    fail(new IllegalStateException("the sale's state vanished (shard " + donor + ")"));
                } else {
                    lend();
                }
            }));
        }

        private void giveBack() {
            RedisFuture<Long> released = redis.evalsha(scripts.release, ScriptOutputType.INTEGER,
                    driver.sale.keys[home].release(), user, claim, "RESTORE");
            connection.sent();
            released.whenComplete((r, e) -> answered(e, () -> done(driver.refused)));
        }

        private void answered(Throwable error, Runnable next) {
            if (error != null) {
                fail(error);
                return;
            }
            driver.scripts.increment();
            try {
                next.run();
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        private void done(LongAdder outcome) {
            outcome.increment();
            long micros = (System.nanoTime() - started) / 1_000;
            driver.latencies.recordValue(Math.min(micros, TimeUnit.SECONDS.toMicros(60)));
            driver.permits.release();
        }

        private void fail(Throwable e) {
            driver.failure.compareAndSet(null, e);
            driver.permits.release();
        }
    }

    /** The script texts from the classpath and their SHA-1s once loaded. */
    private static final class Scripts {

        final String reserveText = text("reserve.lua");
        final String lendText = text("lend.lua");
        final String releaseText = text("release.lua");
        final String primeText = text("prime.lua");
        String reserve;
        String lend;
        String release;
        String prime;

        private static String text(String name) {
            try (var in = ReservationLoad.class.getClassLoader().getResourceAsStream("scripts/" + name)) {
                if (in == null) {
                    throw new IllegalStateException("no scripts/" + name + " on the classpath");
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Loads every script into one Redis (each master of a cluster: EVALSHA goes to the slot's). */
        void loadInto(RedisCommands<String, String> redis) {
            reserve = redis.scriptLoad(reserveText);
            lend = redis.scriptLoad(lendText);
            release = redis.scriptLoad(releaseText);
            prime = redis.scriptLoad(primeText);
        }
    }

    /** Where the load goes: a single Redis or a cluster. */
    private interface Target {

        /** New connections for the load. */
        List<Connection> connections(int count);

        /** A connection of its own for installing and deleting sales (written at once). */
        RedisScriptingAsyncCommands<String, String> admin();

        void load(Scripts scripts);

        RedisFuture<Long> unlink(String[] keys);

        /** The node that serves the key's slot (host:port). */
        String nodeOf(String key);

        /** Whether the node (host:port) is a master. */
        boolean master(String node);

        /** Each node's counters so far, by host:port. */
        default Map<String, Node> sample() {
            Map<String, Node> result = new LinkedHashMap<>();
            nodes().forEach((node, redis) -> result.put(node, Node.of(master(node), redis)));
            return result;
        }

        /** A connection to each node (host:port), masters first. */
        Map<String, RedisCommands<String, String>> nodes();

        /** Waits until no node frees unlinked keys in the background any more (30 s at most). */
        default void awaitFreed() {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            for (RedisCommands<String, String> node : nodes().values()) {
                while (!node.info("memory").contains("lazyfree_pending_objects:0\r") && System.nanoTime() < until) {
                    try {
                        Thread.sleep(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        void close();
    }

    /**
     * A node's counters: the CPU seconds (user + system) of its main thread and of all its threads,
     * the EVALSHA calls it ran and the microseconds they took (INFO commandstats: wall time inside
     * the scripts), the reads from its clients' sockets.
     */
    record Node(boolean master, double cpu, double processCpu, long scripts, long scriptMicros, long reads) {

        static Node of(boolean master, RedisCommands<String, String> redis) {
            String stats = redis.info("stats");
            String commands = redis.info("commandstats");
            String cpu = redis.info("cpu");
            return new Node(master, field(cpu, "used_cpu_user_main_thread") + field(cpu, "used_cpu_sys_main_thread"),
                    field(cpu, "used_cpu_user") + field(cpu, "used_cpu_sys"),
                    (long) field(commands, "cmdstat_evalsha:calls"),
                    (long) field(commands, "cmdstat_evalsha:calls=[0-9]*,usec"),
                    (long) field(stats, "total_reads_processed"));
        }

        /** The number after {@code name} and ':' or '=' in an INFO answer, 0 if absent. */
        private static double field(String info, String name) {
            Matcher m = Pattern.compile("(?m)^" + name + "[:=]([0-9.]+)").matcher(info);
            return m.find() ? Double.parseDouble(m.group(1)) : 0;
        }
    }

    private static final class Single implements Target {

        private final RedisClient client;
        private final String hostPort;
        private final List<StatefulRedisConnection<String, String>> opened = new ArrayList<>();
        private final RedisCommands<String, String> admin;

        Single(ClientResources resources, String hostPort) {
            this.hostPort = hostPort;
            this.client = RedisClient.create(resources, uri(hostPort));
            StatefulRedisConnection<String, String> connection = client.connect();
            opened.add(connection);
            this.admin = connection.sync();
        }

        @Override
        public List<Connection> connections(int count) {
            List<Connection> result = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                StatefulRedisConnection<String, String> connection = client.connect();
                opened.add(connection);
                result.add(new Connection(connection.async(), connection));
            }
            return result;
        }

        @Override
        public RedisScriptingAsyncCommands<String, String> admin() {
            return opened.getFirst().async();
        }

        @Override
        public void load(Scripts scripts) {
            scripts.loadInto(admin);
        }

        @Override
        public RedisFuture<Long> unlink(String[] keys) {
            return opened.getFirst().async().unlink(keys);
        }

        @Override
        public String nodeOf(String key) {
            return hostPort;
        }

        @Override
        public Map<String, RedisCommands<String, String>> nodes() {
            return Map.of(hostPort, admin);
        }

        @Override
        public boolean master(String node) {
            return true;
        }

        @Override
        public void close() {
            opened.forEach(StatefulRedisConnection::close);
            client.shutdown();
        }
    }

    private static final class Cluster implements Target {

        private final RedisClusterClient client;
        private final List<StatefulRedisClusterConnection<String, String>> opened = new ArrayList<>();
        /** A plain connection to each node, for INFO and SCRIPT LOAD. */
        private final RedisClient direct;
        private final Map<String, StatefulRedisConnection<String, String>> nodes = new LinkedHashMap<>();
        private final Map<String, Boolean> masters = new LinkedHashMap<>();

        Cluster(ClientResources resources, String list) {
            this.client = RedisClusterClient.create(resources,
                    Arrays.stream(list.split(",")).map(ReservationLoad::uri).toList());
            this.direct = RedisClient.create(resources);
            StatefulRedisClusterConnection<String, String> first = client.connect();
            opened.add(first);
            List<RedisClusterNode> all = new ArrayList<>(client.getPartitions().getPartitions());
            all.sort((a, b) -> Boolean.compare(!isMaster(a), !isMaster(b)));
            for (RedisClusterNode node : all) {
                String hostPort = node.getUri().getHost() + ":" + node.getUri().getPort();
                nodes.put(hostPort, direct.connect(node.getUri()));
                masters.put(hostPort, isMaster(node));
            }
        }

        private static boolean isMaster(RedisClusterNode node) {
            return node.is(RedisClusterNode.NodeFlag.UPSTREAM);
        }

        @Override
        public List<Connection> connections(int count) {
            List<Connection> result = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                StatefulRedisClusterConnection<String, String> connection = client.connect();
                opened.add(connection);
                result.add(new Connection(connection.async(), connection));
            }
            return result;
        }

        @Override
        public RedisScriptingAsyncCommands<String, String> admin() {
            return opened.getFirst().async();
        }

        @Override
        public void load(Scripts scripts) {
            nodes.forEach((hostPort, connection) -> {
                if (masters.get(hostPort)) {
                    scripts.loadInto(connection.sync());
                }
            });
        }

        @Override
        public RedisFuture<Long> unlink(String[] keys) {
            return opened.getFirst().async().unlink(keys);
        }

        @Override
        public Map<String, RedisCommands<String, String>> nodes() {
            Map<String, RedisCommands<String, String>> result = new LinkedHashMap<>();
            nodes.forEach((hostPort, connection) -> result.put(hostPort, connection.sync()));
            return result;
        }

        @Override
        public String nodeOf(String key) {
            RedisURI uri = client.getPartitions().getPartitionBySlot(SlotHash.getSlot(key)).getUri();
            return uri.getHost() + ":" + uri.getPort();
        }

        @Override
        public boolean master(String node) {
            return masters.get(node);
        }

        @Override
        public void close() {
            opened.forEach(StatefulRedisClusterConnection::close);
            nodes.values().forEach(StatefulRedisConnection::close);
            client.shutdown();
            direct.shutdown();
        }
    }

    private static RedisURI uri(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return RedisURI.create(hostPort.substring(0, colon).trim(),
                Integer.parseInt(hostPort.substring(colon + 1).trim()));
    }

    private static <T> T await(RedisFuture<T> future) {
        try {
            return future.get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private record Snapshot(long nanos, long reserved, long lent, long refused, long scripts, Map<String, Node> nodes,
                            double processCpu, double machineCpu, String load) {
    }

    /**
     * A round's numbers, per second of the window: reservations (reserved at home + lent), attempts
     * refused, script calls; the attempts' latency; CPU seconds a second of the active masters' main
     * threads (those that hold a shard), of the other nodes (replicas, idle masters) and of this
     * process, and of everything else on the machine (its busy CPU time less this process's and the
     * Redis nodes'); the scripts an active master runs per second of its own CPU; on the active masters,
     * the microseconds inside a script (commandstats: wall time, so it includes the time the
     * thread was preempted on a crowded machine) and the scripts per read from a socket (how
     * much the pipelining batches); how many masters hold the shards (with K below the master count,
     * two shards may share one); where each shard was.
     */
    private record Result(String placement, double masters, double reservations, double lent, double refused,
                          double scripts, double p50Ms, double p99Ms, double p999Ms, double masterCpu,
                          double maxMasterCpu, double otherCpu, double generatorCpu, double elsewhereCpu,
                          double scriptsPerMasterCpuSecond,
                          double scriptMicros, double scriptsPerRead, String load) {

        static Result of(Snapshot a, Snapshot b, Histogram latencies, Sale sale, Target target) {
            double seconds = (b.nanos - a.nanos) / 1e9;
            List<String> active = new ArrayList<>();
            List<String> placement = new ArrayList<>();
            for (int i = 0; i < sale.keys.length; i++) {
                String node = target.nodeOf(sale.keys[i].sale);
                if (!active.contains(node)) {
                    active.add(node);
                }
                placement.add("shard " + i + " slot " + SlotHash.getSlot(sale.keys[i].sale) + " on " + node
                        + (i < sale.config.soldOut() ? " sold out" : ""));
            }
            double master = 0;
            double other = 0;
            double most = 0;
            long calls = 0;
            long micros = 0;
            long reads = 0;
            double redis = 0;
            for (var entry : b.nodes.entrySet()) {
                Node before = a.nodes.get(entry.getKey());
                Node after = entry.getValue();
                double used = (after.cpu() - before.cpu()) / seconds;
                redis += (after.processCpu() - before.processCpu()) / seconds;
                if (active.contains(entry.getKey())) {
                    master += used;
                    most = Math.max(most, used);
                    calls += after.scripts() - before.scripts();
                    micros += after.scriptMicros() - before.scriptMicros();
                    reads += after.reads() - before.reads();
                } else {
                    other += used;
                }
            }
            double scripts = (b.scripts - a.scripts) / seconds;
            double generator = (b.processCpu - a.processCpu) / seconds;
            double elsewhere = (b.machineCpu - a.machineCpu) / seconds - generator - redis;
            return new Result(String.join(", ", placement), active.size(),
                    (b.reserved - a.reserved + b.lent - a.lent) / seconds, (b.lent - a.lent) / seconds,
                    (b.refused - a.refused) / seconds, scripts, latencies.getValueAtPercentile(50) / 1e3,
                    latencies.getValueAtPercentile(99) / 1e3, latencies.getValueAtPercentile(99.9) / 1e3, master, most,
                    other, generator, elsewhere, master > 0 ? scripts / master : 0,
                    calls > 0 ? (double) micros / calls : 0, reads > 0 ? (double) calls / reads : 0,
                    a.load + "->" + b.load);
        }

        String describe() {
            return String.format(Locale.ROOT, "on %.0f master(s): %,.0f reservations/s (%,.0f lent), "
                            + "%,.0f refused/s, %,.0f scripts/s; latency p50 %.2f p99 %.2f p99.9 %.2f ms; CPU s/s: "
                            + "active masters %.2f (busiest %.2f), other nodes %.2f, generator %.2f, elsewhere %.2f; "
                            + "%,.0f scripts per "
                            + "master CPU-second, %.1f us inside a script (wall), %.1f scripts per read; load %s",
                    masters, reservations, lent, refused, scripts, p50Ms, p99Ms, p999Ms, masterCpu, maxMasterCpu,
                    otherCpu, generatorCpu, elsewhereCpu, scriptsPerMasterCpuSecond, scriptMicros, scriptsPerRead,
                    load);
        }

        String fields() {
            return String.format(Locale.ROOT, "masters=%.0f reservations=%.0f lent=%.0f refused=%.0f scripts=%.0f "
                            + "p50=%.2f p99=%.2f p999=%.2f masterCpu=%.2f busiestMaster=%.2f otherCpu=%.2f "
                            + "generatorCpu=%.2f elsewhereCpu=%.2f perMasterCpuSecond=%.0f scriptMicros=%.1f "
                            + "scriptsPerRead=%.1f",
                    masters, reservations, lent, refused, scripts, p50Ms, p99Ms, p999Ms, masterCpu, maxMasterCpu,
                    otherCpu, generatorCpu, elsewhereCpu, scriptsPerMasterCpuSecond, scriptMicros, scriptsPerRead);
        }
    }

    /** Each number the median of the rounds' (so the medians need not come from one round). */
    private static Result median(List<Result> results) {
        return new Result("", median(results, Result::masters), median(results, Result::reservations),
                median(results, Result::lent), median(results, Result::refused), median(results, Result::scripts),
                median(results, Result::p50Ms), median(results, Result::p99Ms), median(results, Result::p999Ms),
                median(results, Result::masterCpu), median(results, Result::maxMasterCpu),
                median(results, Result::otherCpu), median(results, Result::generatorCpu),
                median(results, Result::elsewhereCpu),
                median(results, Result::scriptsPerMasterCpuSecond), median(results, Result::scriptMicros),
                median(results, Result::scriptsPerRead),
                results.getFirst().load().split("->")[0] + "->" + results.getLast().load().split("->")[1]);
    }

    private static double median(List<Result> results, ToDoubleFunction<Result> metric) {
        double[] values = results.stream().mapToDouble(metric).sorted().toArray();
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }
}
