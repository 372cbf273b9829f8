package org.eventcollector.bench;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.eventcollector.MainVerticle;
import org.eventcollector.bus.Addresses;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/** The scenarios of one run, sharing the benchmark's Vert.x, its work directory and its child JVMs. */
final class Scenarios implements AutoCloseable {

  static final long RAISED_LIMIT = 1_000_000_000L;
  /** What Hazelcast asks for on Java 17 to use its fast paths (it warns without them). */
  static final List<String> HAZELCAST_JVM_OPTIONS = List.of("--add-modules", "java.se",
    "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
    "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
    "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");
  private static final DeliveryOptions BUS_TIMEOUT = new DeliveryOptions().setSendTimeout(60_000);

  final BenchCommand options;
  final Path dir;
  final List<Result> results;
  final Vertx vertx = Vertx.vertx();
  final List<AutoCloseable> children = new ArrayList<>();
  private PgScenarios postgres;
  private Target shared;
  private Target trivial;
  private long restRss = -1;
  private int runs;

  Scenarios(BenchCommand options, Path dir, List<Result> results) {
    this.options = options;
    this.dir = dir;
    this.results = results;
  }

  void run(String name) throws Exception {
    if ("postgres".equals(options.storage)) {
      if (postgres == null) {
        postgres = new PgScenarios(this);
      }
      postgres.run(name);
      return;
    }
    switch (name) {
      case "ingest-http" -> ingestHttp();
      case "ingest-batch" -> ingestBatch();
      case "ingest-bus" -> ingestBus();
      case "ingest-embedded" -> ingestEmbedded();
      case "query" -> query();
      case "stream" -> stream();
      case "footprint" -> footprint();
      case "mirror" -> mirror();
      default -> throw new IllegalArgumentException(name);
    }
  }

  String runId() {
    return "b" + Long.toString(System.currentTimeMillis(), 36) + "-" + (++runs);
  }

  void say(String text) {
    options.out.println("   " + text);
  }

  // ---- child JVMs

  /** Starts a collector JVM on {@code db} with port 0 and raised rate limits. */
  private Target startCollector(String name, Path db, List<String> args, List<String> jvmOptions) throws Exception {
    return startCollector(name, db, args, jvmOptions, Map.of());
  }

  /** Starts a collector JVM as above, with {@code extraEnv} over its environment. */
  Target startCollector(String name, Path db, List<String> args, List<String> jvmOptions, Map<String, String> extraEnv)
    throws Exception {
    ChildJvm jvmProcess = startChild(name, db, args, jvmOptions, extraEnv);
    int port = Integer.parseInt(jvmProcess.awaitReady(180));
    return new Target("127.0.0.1", port, jvmProcess, db);
  }

  /** Starts a collector JVM without waiting for it to listen. */
  ChildJvm startChild(String name, Path db, List<String> args, List<String> jvmOptions, Map<String, String> extraEnv)
    throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("EC_HTTP_HOST", "127.0.0.1");
    env.put("EC_HTTP_PORT", "0");
    env.put("EC_STORAGE", "sqlite");
    if (db != null) {
      env.put("EC_DB_PATH", db.toString());
    }
    env.put("EC_RATE_LIMIT_PER_SECOND", Long.toString(RAISED_LIMIT));
    env.put("EC_RATE_LIMIT_BURST", Long.toString(RAISED_LIMIT));
    List<String> jvm = new ArrayList<>(jvmOptions);
    if (options.jfr != null) {
      Files.createDirectories(options.jfr);
      jvm.add("-XX:StartFlightRecording=filename=" + options.jfr.toAbsolutePath().resolve(name + ".jfr") + ",settings=profile");
    }
    env.putAll(extraEnv);
    ChildJvm jvmProcess = ChildJvm.start(name, dir, jvm, args, env, ChildJvm.HTTP_LISTENING);
    children.add(jvmProcess);
    return jvmProcess;
  }

  void stop(Target target) {
    if (target != null && target.jvm() != null) {
      target.jvm().close();
      children.remove(target.jvm());
    }
  }

  /** The collector shared by ingest-http, ingest-batch and stream: the --url one, or a child JVM on a fresh file. */
  private Target collector() throws Exception {
    if (shared == null) {
      if (options.url != null) {
        shared = Target.of(options.url);
      } else {
        shared = startCollector("collector", dir.resolve("collector.db"), List.of(), List.of());
        HttpClient client = Load.client(vertx, shared, 1);
        Load.await(Load.send(client, HttpMethod.GET, "/health", null), 60);
        client.close();
        restRss = shared.jvm().rssBytes();
      }
    }
    return shared;
  }

  Target trivial() throws Exception {
    if (trivial == null) {
      ChildJvm jvm = ChildJvm.start("trivial", dir, List.of(), List.of("bench", "serve-trivial"), Map.of(),
        ChildJvm.HTTP_LISTENING);
      children.add(jvm);
      trivial = new Target("127.0.0.1", Integer.parseInt(jvm.awaitReady(120)), jvm, null);
    }
    return trivial;
  }

  // ---- ingest-http

  private void ingestHttp() throws Exception {
    Target target = collector();
    Target limit = trivial();
    for (int connections : options.connections) {
      Latencies limitLatency = new Latencies();
      Load.Outcome base = singlePosts(limit, connections, limitLatency);
      Latencies latency = new Latencies();
      Load.Outcome ours = singlePosts(target, connections, latency);
      results.add(Result.rate("ingest-http", "POST /events, " + connections + " connections", ours.perSecond(1),
        base.perSecond(1), latency, join("limit: trivial Vert.x server, p50/p99 " + BenchCommand.format(limitLatency.percentileMs(50))
          + "/" + BenchCommand.format(limitLatency.percentileMs(99)) + " ms; goal ≥ 50 %, p99 ≤ 10 ms", ours.errors(), base.errors())));
    }
  }

  Load.Outcome singlePosts(Target target, int connections, Latencies latencies) throws Exception {
    HttpClient client = Load.client(vertx, target, connections);
    try {
      String run = runId();
      LongFunction<Future<?>> post = i -> Load.send(client, HttpMethod.POST, "/events",
        Buffer.buffer(Events.event(run + "-" + i, i).encode()));
      long warm = Math.max(connections, Math.min(options.events / 10, 5_000));
      Load.run(vertx, connections, warm, Math.min(5, options.seconds), i -> post.apply(options.events + i), null);
      return Load.run(vertx, connections, options.events, options.seconds, post, latencies);
    } finally {
      client.close();
    }
  }

  // ---- ingest-batch

  private void ingestBatch() throws Exception {
    Target target = collector();
    for (int size : options.batchSizes) {
      double limit = PlainJdbc.batchedInsertRate(dir.resolve("jdbc-" + size + ".db"), size, options.events, options.seconds);
      double seed = PlainJdbc.seedSchemaRate(dir.resolve("seed-" + size + ".db"), size, options.events, options.seconds);
      Latencies latency = new Latencies();
      Load.Outcome ours = batches(target, size, options.batchConnections, Math.max(2, options.events / size), latency);
      String variant = "POST /events/batch of " + size + ", " + options.batchConnections + " connections";
      results.add(Result.rate("ingest-batch", variant, ours.perSecond(size), limit, latency,
        join("limit: plain JDBC batched inserts of " + size + ", same schema and pragmas; goal ≥ 80 %", ours.errors())));
      results.add(Result.rate("ingest-batch", variant + ", vs the seed's schema", ours.perSecond(size), seed, latency,
        "limit: plain JDBC into the seed's naive schema (UUID text keys, six single-column indexes), " + size
          + " rows per transaction, WAL, synchronous=NORMAL; goal ≥ 200 %"));
    }
  }

  Load.Outcome batches(Target target, int size, int connections, long calls, Latencies latencies) throws Exception {
    HttpClient client = Load.client(vertx, target, connections);
    try {
      String run = runId();
      return Load.run(vertx, connections, calls, options.seconds, i -> Load.send(client, HttpMethod.POST, "/events/batch",
        Buffer.buffer(Events.batch(run, i * size, size).encode())).map(Scenarios::checkBatch), latencies);
    } finally {
      client.close();
    }
  }

  private static JsonObject checkBatch(Object answer) {
    JsonObject json = answer instanceof Buffer buffer ? new JsonObject(buffer) : (JsonObject) answer;
    if (json.getInteger("failed", 0) > 0) {
      throw new IllegalStateException("batch answered failed=" + json.getInteger("failed") + " "
        + Load.abbreviate(String.valueOf(json.getValue("errors"))));
    }
    return json;
  }

  // ---- ingest-bus

  private void ingestBus() throws Exception {
    if (options.url != null) {
      results.add(Result.unavailable("ingest-bus", "-", "needs collectors started by the benchmark (no --url)"));
      return;
    }
    Path cluster = Servers.clusterConfig(dir);
    String previousConfig = System.getProperty("vertx.hazelcast.config");
    System.setProperty("vertx.hazelcast.config", cluster.toString());
    List<String> jvm = new ArrayList<>(HAZELCAST_JVM_OPTIONS);
    jvm.add("-Dvertx.hazelcast.config=" + cluster);
    ChildJvm echo = ChildJvm.start("echo", dir, jvm, List.of("bench", "serve-echo"), Map.of(),
      java.util.regex.Pattern.compile(Servers.ECHO_READY));
    children.add(echo);
    Target target = null;
    Vertx clustered = null;
    try {
      target = startCollector("collector-cluster", dir.resolve("cluster.db"), List.of("--cluster"), jvm);
      echo.awaitReady(180);
      clustered = Load.await(Vertx.builder().withClusterManager(new HazelcastClusterManager()).buildClustered(), 180);
      EventBus bus = clustered.eventBus();
      String run = runId();
      awaitConsumer(bus, Addresses.INGEST, Events.event(run + "-probe", 0));
      awaitConsumer(bus, Servers.ECHO, Events.event(run + "-probe", 0));
      Vertx v = clustered;
      LongFunction<Future<?>> echoCall = i -> bus.request(Servers.ECHO, Events.event(run + "-e" + i, i), BUS_TIMEOUT);
      LongFunction<Future<?>> ingestCall = i -> bus.request(Addresses.INGEST, Events.event(run + "-" + i, i), BUS_TIMEOUT);
      long warm = Math.min(options.events / 10, 5_000);
      Load.run(v, options.window, warm, 5, i -> echoCall.apply(options.events + i), null);
      Latencies echoLatency = new Latencies();
      Load.Outcome base = Load.run(v, options.window, options.events, options.seconds, echoCall, echoLatency);
      Load.run(v, options.window, warm, 5, i -> ingestCall.apply(options.events + i), null);
      Latencies latency = new Latencies();
      Load.Outcome ours = Load.run(v, options.window, options.events, options.seconds, ingestCall, latency);
      results.add(Result.rate("ingest-bus", "events.ingest one per request, " + options.window + " in flight",
        ours.perSecond(1), base.perSecond(1), latency, join("limit: clustered request/reply to an echo consumer in another JVM, p50/p99 "
          + BenchCommand.format(echoLatency.percentileMs(50)) + "/" + BenchCommand.format(echoLatency.percentileMs(99))
          + " ms; goal ≥ 50 %", ours.errors(), base.errors())));
    } finally {
      if (clustered != null) {
        Load.await(clustered.close(), 60);
      }
      stop(target);
      echo.close();
      children.remove(echo);
      if (previousConfig == null) {
        System.clearProperty("vertx.hazelcast.config");
      } else {
        System.setProperty("vertx.hazelcast.config", previousConfig);
      }
    }
  }

  private static void awaitConsumer(EventBus bus, String address, JsonObject body) throws Exception {
    long deadline = System.nanoTime() + 90_000_000_000L;
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        Load.await(bus.request(address, body, new DeliveryOptions().setSendTimeout(5_000)), 10);
        return;
      } catch (Exception e) {
        last = e;
        Thread.sleep(200);
      }
    }
    throw new IllegalStateException("no consumer on " + address + " joined the cluster: " + (last == null ? "" : last.getMessage()));
  }

  // ---- ingest-embedded

  private void ingestEmbedded() throws Exception {
    EventBus bus = vertx.eventBus();
    MessageConsumer<Object> echo = bus.consumer(Servers.ECHO, message -> {
      Object body = message.body();
      message.reply(body instanceof JsonArray array
        ? new JsonObject().put("collected", array.size()).put("status", "batch_completed")
        : new JsonObject().put("event_id", ((JsonObject) body).getString("event_id")).put("status", "collected"));
    });
    Load.await(echo.completion(), 30);
    long batches = Math.max(4, options.events / 1000);
    int batchWindow = Math.max(1, Math.min(8, options.window));
    String run = runId();
    Load.Outcome baseOne;
    Load.Outcome baseBatch;
    Latencies baseOneLatency = new Latencies();
    try {
      Load.run(vertx, options.window, Math.min(options.events / 10, 10_000), 5,
        i -> bus.request(Servers.ECHO, Events.event(run + "-w" + i, i)), null);
      baseOne = Load.run(vertx, options.window, options.events, options.seconds,
        i -> bus.request(Servers.ECHO, Events.event(run + "-e" + i, i)), baseOneLatency);
      baseBatch = Load.run(vertx, batchWindow, batches, options.seconds,
        i -> bus.request(Servers.ECHO, Events.batch(run + "-eb", i * 1000, 1000)), null);
    } finally {
      Load.await(echo.unregister(), 30);
    }
    for (String backend : List.of("memory", "sqlite")) {
      JsonObject config = Defaults.config();
      Config.set(config, ConfigKeys.Http.PORT, 0);
      Config.set(config, ConfigKeys.Storage.BACKEND, backend);
      Config.set(config, ConfigKeys.Storage.SQLITE_PATH, dir.resolve("embedded.db").toString());
      Config.set(config, ConfigKeys.Storage.MEMORY_MAX_EVENTS, (int) Math.min(2_000_000, Math.max(1_000_000, options.events * 3)));
      Config.set(config, ConfigKeys.RateLimit.PER_SECOND, RAISED_LIMIT);
      Config.set(config, ConfigKeys.RateLimit.BURST, RAISED_LIMIT);
      String id = Load.await(vertx.deployVerticle(new MainVerticle(), new DeploymentOptions().setConfig(config)), 120);
      try {
        String r = runId();
        Load.run(vertx, options.window, Math.min(options.events / 10, 10_000), 5,
          i -> bus.request(Addresses.INGEST, Events.event(r + "-w" + i, i), BUS_TIMEOUT), null);
        Latencies one = new Latencies();
        Load.Outcome single = Load.run(vertx, options.window, options.events, options.seconds,
          i -> bus.request(Addresses.INGEST, Events.event(r + "-" + i, i), BUS_TIMEOUT), one);
        results.add(Result.rate("ingest-embedded", backend + ", one per request, " + options.window + " in flight",
          single.perSecond(1), baseOne.perSecond(1), one, join("limit: local request/reply to an echo consumer, p50/p99 "
            + BenchCommand.format(baseOneLatency.percentileMs(50)) + "/" + BenchCommand.format(baseOneLatency.percentileMs(99))
            + " ms" + ("memory".equals(backend) ? "; goal ≥ 25 %" : ""), single.errors())));
        Latencies many = new Latencies();
        Load.Outcome batched = Load.run(vertx, batchWindow, batches, options.seconds,
          i -> bus.request(Addresses.INGEST, Events.batch(r + "-b", i * 1000, 1000), BUS_TIMEOUT)
            .map(m -> checkBatch(m.body())), many);
        results.add(Result.rate("ingest-embedded", backend + ", arrays of 1000, " + batchWindow + " in flight",
          batched.perSecond(1000), baseBatch.perSecond(1000), many, join("limit: local echo of the same arrays"
            + ("memory".equals(backend) ? "; goal ≥ 200,000 events/s; seed: > 100,000/s in memory" : "; seed: ~10,000/s into SQLite"),
            batched.errors(), baseBatch.errors())));
      } finally {
        Load.await(vertx.undeploy(id), 60);
      }
    }
  }

  // ---- query

  private record Shape(String name, String goal, LongFunction<String> uri) {
  }

  private void query() throws Exception {
    if (options.url != null) {
      Target target = Target.of(options.url);
      queryShapes(target, "stored events", Long.MAX_VALUE / 2, System.currentTimeMillis());
      return;
    }
    Path db = dir.resolve("query.db");
    long end = System.currentTimeMillis();
    long filled = 0;
    for (long size : options.querySizes) {
      long started = System.nanoTime();
      PlainJdbc.fill(db, filled, size, end);
      double secs = (System.nanoTime() - started) / 1e9;
      say(String.format(java.util.Locale.ROOT, "filled %,d events with plain JDBC in %.1f s (%,.0f events/s)",
        size - filled, secs, (size - filled) / secs));
      filled = size;
      Target target = startCollector("collector-query-" + size, db, List.of(), List.of());
      try {
        queryShapes(target, String.format(java.util.Locale.ROOT, "%,d events", size), size, end);
      } finally {
        stop(target);
      }
    }
  }

  void queryShapes(Target target, String label, long size, long end) throws Exception {
    Random random = new Random(42);
    long hour = 3_600_000L;
    long start = end - PlainJdbc.SPAN_MS;
    LongFunction<String> window = hours -> {
      long from = start + (long) (random.nextDouble() * (PlainJdbc.SPAN_MS - hours * hour));
      return "start_time=" + Instant.ofEpochMilli(from) + "&end_time=" + Instant.ofEpochMilli(from + hours * hour);
    };
    long correlations = Math.max(1, Math.min(size, 10_000_000) / Events.PER_CORRELATION);
    List<Shape> shapes = List.of(
      new Shape("by system, newest 100", "goal p99 ≤ 10 ms; seed: indexed < 10 ms",
        i -> "/events?source_system=" + Events.system(random.nextInt(5))),
      new Shape("system + severity, newest 100", "goal p99 ≤ 10 ms; seed: indexed < 10 ms",
        i -> "/events?source_system=" + Events.system(random.nextInt(5)) + "&severity=" + (random.nextBoolean() ? "error" : "warning") + "&limit=100"),
      new Shape("correlation", "goal p99 ≤ 50 ms; seed: correlation < 50 ms",
        i -> "/events/correlation/" + Events.correlation((long) (random.nextDouble() * correlations) * Events.PER_CORRELATION)),
      new Shape("tags", "goal p99 ≤ 10 ms; seed: indexed < 10 ms",
        i -> "/events?tags=" + Events.tag(random.nextInt(Events.TAGS))),
      new Shape("time range (1 h)", "goal p99 ≤ 10 ms; seed: indexed < 10 ms", i -> "/events?" + window.apply(1)),
      new Shape("search (2 words)", "seed: complex < 100 ms",
        i -> "/events?search=" + Events.WORDS[random.nextInt(16)] + "%20" + Events.WORDS[random.nextInt(16)]),
      new Shape("combined filters", "goal p99 ≤ 50 ms; seed: complex < 100 ms",
        i -> "/events?source_system=" + Events.system(random.nextInt(5)) + "&min_severity=warning&tags="
          + Events.tag(random.nextInt(Events.TAGS)) + "&" + window.apply(24)),
      new Shape("count by system", "seed: count < 20 ms",
        i -> "/events/count?source_system=" + Events.system(random.nextInt(5))),
      new Shape("/analysis/report?hours=24", "(analysis)", i -> "/analysis/report?hours=24"));
    HttpClient client = Load.client(vertx, target, 1);
    try {
      for (Shape shape : shapes) {
        boolean report = shape.name().startsWith("/analysis");
        if (report && size != options.querySizes.get(0) && options.url == null) {
          continue;
        }
        int count = report ? Math.max(3, Math.min(options.queries, 20)) : options.queries;
        Load.Outcome warm = Load.run(vertx, 1, Math.min(count, 5), 60, i -> Load.send(client, HttpMethod.GET, shape.uri().apply(i), null), null);
        if (warm.ok() == 0) {
          results.add(Result.unavailable("query", shape.name() + ", " + label, warm.firstError()));
          continue;
        }
        Latencies latency = new Latencies();
        Load.Outcome outcome = Load.run(vertx, 1, count, options.seconds,
          i -> Load.send(client, HttpMethod.GET, shape.uri().apply(i), null), latency);
        results.add(Result.latency("query", shape.name() + ", " + label, latency, join(shape.goal() + "; "
          + BenchCommand.format(outcome.perSecond(1)) + " queries/s on 1 connection", outcome.errors())));
      }
    } finally {
      client.close();
    }
  }

  // ---- stream

  private void stream() throws Exception {
    Target target = collector();
    WebSocketClient sockets = vertx.createWebSocketClient();
    HttpClient client = Load.client(vertx, target, 8);
    try {
      // A cold collector acknowledges the first seconds of batches slowly (JIT); warm it first so
      // that the first variant measures the stream, not the warm-up.
      batches(target, 100, 4, Math.max(2, Math.min(200, options.events / 100)), null);
      for (String spec : options.streamClients) {
        boolean idle = spec.startsWith("idle:");
        int clients = Integer.parseInt(idle ? spec.substring(5) : spec);
        if (!streamVariant(target, sockets, client, clients, idle)) {
          return;
        }
      }
    } finally {
      client.close();
      sockets.close();
    }
  }

  private boolean streamVariant(Target target, WebSocketClient sockets, HttpClient client, int clients, boolean idle)
    throws Exception {
    String variant = clients + (idle ? " idle" : "") + (clients == 1 ? " client" : " clients") + " at "
      + options.streamRate + " events/s";
    // Idle clients filter on a type no bench event has: the hub checks them for every event, writes nothing.
    String uri = idle ? "/events/stream?event_type=bench.never" : "/events/stream";
    long blockedBefore = target.jvm() == null ? 0 : target.jvm().count("has been blocked");
    Latencies latency = new Latencies();
    AtomicLong received = new AtomicLong();
    Latencies acks = new Latencies();
    AtomicLong dropped = new AtomicLong();
    String run = runId();
    List<WebSocket> open = new ArrayList<>();
    try {
      for (int c = 0; c < clients; c++) {
        WebSocket socket;
        try {
          socket = Load.await(sockets.connect(target.port(), target.host(), uri), 30);
        } catch (Exception e) {
          Throwable cause = e.getCause() != null ? e.getCause() : e;
          results.add(Result.unavailable("stream", variant, "WebSocket GET /events/stream refused: " + cause.getMessage()));
          return false;
        }
        open.add(socket);
        socket.textMessageHandler(text -> {
          JsonObject frame = new JsonObject(text);
          if (frame.containsKey("control")) {
            dropped.addAndGet(frame.getLong("count", 0L));
            return;
          }
          JsonObject data = frame.getJsonObject("data");
          Object sent = data == null ? null : data.getValue("bench_sent");
          if (sent instanceof Number n && frame.getString("event_id", "").startsWith(run)) {
            latency.add(System.nanoTime() - n.longValue());
            received.incrementAndGet();
          }
        });
      }
      AtomicLong sent = new AtomicLong();
      AtomicLong failed = new AtomicLong();
      long started = System.nanoTime();
      long total = (long) (options.streamRate * options.streamSeconds);
      long timer = vertx.setPeriodic(10, id -> {
        double elapsed = (System.nanoTime() - started) / 1e9;
        long due = Math.min(total, (long) (elapsed * options.streamRate)) - sent.get();
        while (due > 0) {
          int size = (int) Math.min(1000, due);
          long first = sent.getAndAdd(size);
          due -= size;
          JsonArray batch = Events.batch(run, first, size);
          long now = System.nanoTime();
          batch.forEach(e -> ((JsonObject) e).getJsonObject("data").put("bench_sent", now));
          Load.send(client, HttpMethod.POST, "/events/batch", batch.toBuffer())
            .onSuccess(answer -> acks.add(System.nanoTime() - now))
            .onFailure(e -> failed.addAndGet(size));
        }
      });
      long deadline = started + (long) ((options.streamSeconds + 15) * 1e9);
      int matching = idle ? 0 : clients;
      while (System.nanoTime() < deadline && (sent.get() < total || received.get() < (sent.get() - failed.get()) * matching)) {
        if (sent.get() >= total) {
          vertx.cancelTimer(timer);
        }
        Thread.sleep(20);
      }
      vertx.cancelTimer(timer);
      double seconds = (System.nanoTime() - started) / 1e9;
      long expected = (sent.get() - failed.get()) * matching;
      long blocked = target.jvm() == null ? 0 : target.jvm().count("has been blocked") - blockedBefore;
      results.add(Result.rate("stream", variant, sent.get() / Math.min(seconds, Math.max(options.streamSeconds, 1e-3)),
        Double.NaN, latency, join("ingest-to-WebSocket latency; batch ack p50/p99 " + BenchCommand.format(acks.percentileMs(50))
          + "/" + BenchCommand.format(acks.percentileMs(99)) + " ms; frames " + received.get() + "/" + expected
          + (dropped.get() > 0 ? ", dropped " + dropped.get() : "") + "; blocked-thread warnings " + blocked
          + "; goal p99 ≤ 2 ms above the ack p99", failed.get() > 0 ? failed.get() + " events failed to ingest" : null)));
      return true;
    } finally {
      for (WebSocket socket : open) {
        socket.close();
      }
    }
  }

  // ---- mirror

  /**
   * The Session-Buddy mirror ({@link MirrorScenario}) in this JVM: how fast the outbox drains into
   * the stand-in and the lag from commit to entity, then ingest with {@code session_buddy} beside
   * plain {@code sqlite}, alternated over two rounds, best of each.
   */
  private void mirror() throws Exception {
    if (options.url != null) {
      results.add(Result.unavailable("mirror", "-", "needs collectors started by the benchmark (no --url)"));
      return;
    }
    int events = (int) Math.max(100, Math.min(options.events, 1_000_000));
    Path mirrorDir = Files.createDirectories(dir.resolve("mirror"));
    // The same run measures entities made in batches and one call per entity, alternated.
    for (int batchSize : new int[] {MirrorScenario.BATCH_SIZE, 1}) {
      JsonObject row = MirrorScenario.run(mirrorDir, events, batchSize);
      results.add(new Result("mirror", String.format(java.util.Locale.ROOT,
        "outbox drain to the Session-Buddy stand-in, %,d events, %s", events, batchSize > 1
          ? "batch_create_entities of " + batchSize : "create_entity per entity"),
        row.getDouble("events_per_second"), row.getDouble("limit_per_second"), row.getDouble("p50_ms"),
        row.getDouble("p99_ms"), Double.NaN, null, row.getString("limit_source")
          + " (a figure, not measured here); p50/p99: lag from an event's commit to its entity in the stand-in;"
          + " " + row.getDouble("calls_per_event") + " calls per event; ingest during the drain "
          + BenchCommand.format(row.getDouble("ingest_events_per_second")) + " events/s"));
    }
    MirrorScenario.ingestRate(mirrorDir, "sqlite", Math.min(events, 2_000));
    double sqlite = 0;
    double mirrored = 0;
    for (int round = 0; round < 2; round++) {
      sqlite = Math.max(sqlite, MirrorScenario.ingestRate(mirrorDir, "sqlite", events));
      mirrored = Math.max(mirrored, MirrorScenario.ingestRate(mirrorDir, "session_buddy", events));
    }
    results.add(Result.rate("mirror", String.format(java.util.Locale.ROOT,
      "ingest with session_buddy, batches of 500, %,d events", events), mirrored, sqlite, null,
      "limit: the same ingest with storage.backend sqlite (best of 2 rounds each, alternated); goal ≥ 90 %"));
  }

  // ---- footprint

  private void footprint() throws Exception {
    if (options.url != null) {
      results.add(Result.unavailable("footprint", "-", "needs a collector started by the benchmark (no --url)"));
      return;
    }
    Target target = collector();
    HttpClient client = Load.client(vertx, target, 4);
    try {
      AtomicLong peak = new AtomicLong(target.jvm().rssBytes());
      long sampler = vertx.setPeriodic(100, id -> peak.accumulateAndGet(target.jvm().rssBytes(), Math::max));
      Load.Outcome load;
      try {
        load = batches(target, 1000, 4, Math.max(2, options.events / 1000), null);
      } finally {
        vertx.cancelTimer(sampler);
      }
      peak.accumulateAndGet(target.jvm().rssBytes(), Math::max);
      long stored = new JsonObject(Load.await(Load.send(client, HttpMethod.GET, "/events/count", null), 60)).getLong("count");
      long bytes = size(target.db()) + size(Path.of(target.db() + "-wal"));
      results.add(Result.measure("footprint", "DB bytes per event", stored == 0 ? Double.NaN : bytes / (double) stored, "B",
        String.format(java.util.Locale.ROOT, "%,d events, %,d bytes (file + WAL), indexes and FTS5 trigram index included",
          stored, bytes)));
      results.add(Result.measure("footprint", "server RSS at rest", restRss / 1048576.0, "MiB",
        "after start and one /health, before any event; JVM defaults"));
      results.add(Result.measure("footprint", "server RSS under load", peak.get() / 1048576.0, "MiB",
        "peak while ingesting batches of 1000 at " + BenchCommand.format(load.perSecond(1000)) + " events/s"));
    } finally {
      client.close();
    }
  }

  private static long size(Path file) throws java.io.IOException {
    return Files.exists(file) ? Files.size(file) : 0;
  }

  static String join(String... parts) {
    StringBuilder text = new StringBuilder();
    for (String part : parts) {
      if (part != null && !part.isEmpty()) {
        text.append(text.length() == 0 ? "" : "; ").append(part);
      }
    }
    return text.toString();
  }

  @Override
  public void close() throws Exception {
    if (postgres != null) {
      postgres.close();
    }
    for (AutoCloseable child : new ArrayList<>(children)) {
      try {
        child.close();
      } catch (Exception e) {
        options.out.println("   could not stop a child JVM: " + e.getMessage());
      }
    }
    Load.await(vertx.close(), 60);
  }
}
