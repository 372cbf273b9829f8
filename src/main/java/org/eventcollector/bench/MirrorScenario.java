package org.eventcollector.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.eventcollector.Main;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The {@code mirror} benchmark: a collector with {@code session_buddy} storage in this JVM, mirroring
 * into the Session-Buddy stand-in ({@link StandInMcpServer}, not a real Session-Buddy) on its own
 * Vert.x instance. {@link #run} ingests events over HTTP and measures how fast the outbox drains
 * and how long an event waits between its commit and its entity in the graph; {@link #ingestRate}
 * measures ingest speed with a given backend, to compare {@code session_buddy} with {@code sqlite}.
 */
public final class MirrorScenario {

  /** The seed's figure for its Session-Buddy backend, events per second. */
  public static final int SEED_EVENTS_PER_SECOND = 5_000;
  /** Entities per {@code batch_create_entities} call, as configured by default. */
  public static final int BATCH_SIZE = 50;
  private static final int BATCH = 500;
  private static final int IN_FLIGHT = 4;
  private static final String[] SYSTEMS = {"mahavishnu", "crackerjack", "session_buddy", "akosha", "oneiric"};

  private MirrorScenario() {
  }

  /** As {@link #run(Path, int, int)} with entities made {@link #BATCH_SIZE} per call. */
  public static JsonObject run(Path dir, int events) throws Exception {
    return run(dir, events, BATCH_SIZE);
  }

  /**
   * Ingests {@code events} events (one correlation per 10 events) into a fresh collector in
   * {@code dir} and waits until all are mirrored; a smaller warm-up round runs first.
   *
   * @param batchSize entities per {@code batch_create_entities} call; 1 makes each with its own
   *   {@code create_entity} call
   * @return {@code {"scenario": "mirror", "events", "batch_size", "events_per_second",
   *   "limit_per_second", "limit_source", "ratio", "p50_ms", "p99_ms", "ingest_events_per_second",
   *   "calls_per_event"}}; the lag percentiles are from an event's acknowledgement (its commit) to
   *   its entity's creation in the stand-in
   */
  public static JsonObject run(Path dir, int events, int batchSize) throws Exception {
    // A first, smaller round lets the JIT compile the paths, as a long-running collector would have.
    measure(dir, Math.min(events, 2_000), batchSize);
    return measure(dir, events, batchSize);
  }

  private static JsonObject measure(Path dir, int events, int batchSize) throws Exception {
    Vertx serverVertx = Vertx.vertx();
    StandInMcpServer standIn = new StandInMcpServer(serverVertx);
    await(standIn.start(0));
    JsonObject config = config(dir, "session_buddy", standIn.url());
    Config.set(config, ConfigKeys.Storage.SESSION_BUDDY_BATCH_SIZE, batchSize);
    Main.Node node = Main.Node.start(config).get(60, TimeUnit.SECONDS);
    WebClient web = WebClient.create(node.vertx());
    try {
      List<JsonObject> all = events(events);
      long start = System.nanoTime();
      long[] acked = ingest(web, node.main().httpPort(), all);
      double ingestSeconds = (Arrays.stream(acked).max().orElse(start) - start) / 1e9;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(120, events / 200));
      while (standIn.count("event") < events) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("only " + standIn.count("event") + " of " + events + " events mirrored in time");
        }
        Thread.sleep(10);
      }
      long[] lags = new long[events];
      long last = start;
      for (int i = 0; i < events; i++) {
        long created = standIn.createdNanos(all.get(i).getString("event_id"));
        last = Math.max(last, created);
        lags[i] = created - acked[i];
      }
      Arrays.sort(lags);
      double seconds = (last - start) / 1e9;
      double rate = events / seconds;
      return new JsonObject()
        .put("scenario", "mirror")
        .put("events", events)
        .put("batch_size", batchSize)
        .put("events_per_second", Math.round(rate))
        .put("limit_per_second", SEED_EVENTS_PER_SECOND)
        .put("limit_source", "seed: Session-Buddy storage ~5,000 events/s")
        .put("ratio", Math.round(rate / SEED_EVENTS_PER_SECOND * 1000) / 1000.0)
        .put("p50_ms", millis(lags[nearestRank(events, 50)]))
        .put("p99_ms", millis(lags[nearestRank(events, 99)]))
        .put("ingest_events_per_second", Math.round(events / Math.max(ingestSeconds, 1e-9)))
        .put("calls_per_event", Math.round(standIn.calls().size() * 100.0 / events) / 100.0);
    } finally {
      web.close();
      node.close(10_000);
      await(standIn.stop());
      await(serverVertx.close());
    }
  }

  /**
   * Ingest speed (events acknowledged per second) of a fresh collector in {@code dir} with the given
   * backend; with {@code session_buddy} the stand-in runs and the mirror drains at the same time.
   */
  public static double ingestRate(Path dir, String backend, int events) throws Exception {
    return ingestRate(dir, backend, events, true);
  }

  /**
   * As {@link #ingestRate(Path, String, int)}; with {@code standInUp} false the stand-in is down,
   * so the mirror only waits and the figure isolates the cost of the outbox on the write path.
   */
  public static double ingestRate(Path dir, String backend, int events, boolean standInUp) throws Exception {
    Vertx serverVertx = Vertx.vertx();
    StandInMcpServer standIn = new StandInMcpServer(serverVertx);
    await(standIn.start(0));
    if (!standInUp) {
      await(standIn.stop());
    }
    Main.Node node = Main.Node.start(config(dir, backend, standIn.url())).get(60, TimeUnit.SECONDS);
    WebClient web = WebClient.create(node.vertx());
    try {
      List<JsonObject> all = events(events);
      long start = System.nanoTime();
      long[] acked = ingest(web, node.main().httpPort(), all);
      return events / ((Arrays.stream(acked).max().orElse(start) - start) / 1e9);
    } finally {
      web.close();
      node.close(10_000);
      await(standIn.stop());
      await(serverVertx.close());
    }
  }

  private static JsonObject config(Path dir, String backend, String url) {
    JsonObject config = Defaults.config();
    Config.set(config, ConfigKeys.Http.PORT, 0);
    Config.set(config, ConfigKeys.Storage.BACKEND, backend);
    Config.set(config, ConfigKeys.Storage.SQLITE_PATH, dir.resolve("bench-" + UUID.randomUUID() + ".db").toString());
    Config.set(config, ConfigKeys.Storage.SESSION_BUDDY_URL, url);
    Config.set(config, ConfigKeys.RateLimit.PER_SECOND, 100_000_000);
    Config.set(config, ConfigKeys.RateLimit.BURST, 100_000_000);
    return config;
  }

  private static List<JsonObject> events(int n) {
    List<JsonObject> events = new ArrayList<>(n);
    String run = UUID.randomUUID().toString().substring(0, 8);
    for (int i = 0; i < n; i++) {
      events.add(new JsonObject()
        .put("event_id", "bench-" + run + "-" + i)
        .put("source_system", SYSTEMS[i % SYSTEMS.length])
        .put("event_type", "workflow.step")
        .put("severity", "info")
        .put("title", "Step " + i)
        .put("description", "Benchmark event " + i + " of " + n)
        .put("correlation_id", "bench-" + run + "-wf-" + (i / 10))
        .put("duration_ms", i % 1000)
        .put("data", new JsonObject().put("step", i))
        .put("tags", new JsonArray().add("bench")));
    }
    return events;
  }

  /** Posts the events in batches, a few in flight; the answer is each event's acknowledgement time (nanoTime). */
  private static long[] ingest(WebClient web, int port, List<JsonObject> events) throws Exception {
    long[] acked = new long[events.size()];
    List<Future<?>> inFlight = new ArrayList<>();
    for (int from = 0; from < events.size(); from += BATCH) {
      int start = from;
      int end = Math.min(events.size(), from + BATCH);
      JsonArray batch = new JsonArray(new ArrayList<>(events.subList(start, end)));
      if (inFlight.size() >= IN_FLIGHT) {
        await(inFlight.remove(0));
      }
      Future<HttpResponse<Buffer>> sent = web.post(port, "127.0.0.1", "/events/batch").sendJson(batch);
      inFlight.add(sent.map(response -> {
        long now = System.nanoTime();
        if (response.statusCode() != 201 || response.bodyAsJsonObject().getInteger("collected") != end - start) {
          throw new IllegalStateException("batch refused: " + response.statusCode() + " " + response.bodyAsString());
        }
        Arrays.fill(acked, start, end, now);
        return null;
      }));
    }
    for (Future<?> f : inFlight) {
      await(f);
    }
    return acked;
  }

  private static int nearestRank(int n, int percentile) {
    return Math.max(0, Math.min(n - 1, (int) Math.ceil(percentile / 100.0 * n) - 1));
  }

  private static double millis(long nanos) {
    return Math.round(nanos / 10_000.0) / 100.0;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }

  /** By hand: {@code java -cp target/event-collector.jar org.eventcollector.bench.MirrorScenario [events] [rounds]}. */
  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path dir = Files.createTempDirectory("mirror-bench");
    System.out.println(run(dir, events).encode());
    System.out.println(run(dir, events, 1).encode());
    ingestRate(dir, "sqlite", Math.min(events, 2_000));
    for (int round = 0; round < rounds; round++) {
      double sqlite = ingestRate(dir, "sqlite", events);
      double idle = ingestRate(dir, "session_buddy", events, false);
      double mirrored = ingestRate(dir, "session_buddy", events, true);
      System.out.printf("ingest round %d: sqlite %.0f events/s; session_buddy, stand-in down %.0f (%+.1f %%),"
          + " stand-in up and draining %.0f (%+.1f %%)%n", round + 1, sqlite, idle, (idle / sqlite - 1) * 100,
        mirrored, (mirrored / sqlite - 1) * 100);
    }
    System.exit(0);
  }
}
