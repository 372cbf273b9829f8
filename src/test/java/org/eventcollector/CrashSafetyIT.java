package org.eventcollector;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A 201 survives a crash: several clients ingest concurrently, the collector is killed with
 * SIGKILL at a random moment, restarted on the same file, and every acknowledged id is there.
 */
class CrashSafetyIT {

  private static final int CLIENTS = 4;
  private static final int BATCH = 20;
  private static final int ROUNDS = 2;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @ParameterizedTest(name = "durability {0}")
  @ValueSource(strings = {"normal", "full"})
  void everyAcknowledgedEventSurvivesAKill(String durability, @TempDir Path dir) throws Exception {
    long seed = System.nanoTime();
    Random random = new Random(seed);
    Map<String, String> env = Map.of(
      "EC_HTTP_PORT", "0",
      "EC_DB_PATH", dir.resolve("events.db").toString(),
      "EC_STORAGE_DURABILITY", durability,
      "EC_RATE_LIMIT_PER_SECOND", "1000000",
      "EC_RATE_LIMIT_BURST", "1000000");
    Set<String> acked = ConcurrentHashMap.newKeySet();
    // Several crashes on one file: each restart must recover the last one and go on from there.
    for (int round = 0; round < ROUNDS; round++) {
      crashWhileIngesting(dir, env, round, random, acked, false);
    }

    try (ChildCollector second = ChildCollector.start(dir, env)) {
      int port = second.awaitPort();
      Set<String> found = storedIds(port);
      Set<String> missing = new HashSet<>(acked);
      missing.removeAll(found);
      String report = String.format("crash-safety durability=%s seed=%d kills=%d acked=%d found=%d stored=%d missing=%d",
        durability, seed, ROUNDS, acked.size(), acked.size() - missing.size(), found.size(), missing.size());
      System.out.println(report);
      Path target = Path.of(System.getProperty("collector.jar", "target/event-collector.jar")).toAbsolutePath().getParent();
      if (target != null && Files.isDirectory(target)) {
        Files.writeString(target.resolve("crash-safety-report.txt"), report + "\n", StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      }
      assertEquals(Set.of(), missing.size() > 20 ? Set.of(missing.size() + " ids") : missing, report);
      assertTrue(found.size() >= acked.size(), report);
    }
  }

  @org.junit.jupiter.api.Test
  void everyAcknowledgedEventSurvivesAStopWithSigtermWithinTenSeconds(@TempDir Path dir) throws Exception {
    Map<String, String> env = Map.of(
      "EC_HTTP_PORT", "0",
      "EC_DB_PATH", dir.resolve("events.db").toString(),
      "EC_RATE_LIMIT_PER_SECOND", "1000000",
      "EC_RATE_LIMIT_BURST", "1000000");
    Set<String> acked = ConcurrentHashMap.newKeySet();
    crashWhileIngesting(dir, env, 0, new Random(), acked, true);
    try (ChildCollector second = ChildCollector.start(dir, env)) {
      Set<String> found = storedIds(second.awaitPort());
      Set<String> missing = new HashSet<>(acked);
      missing.removeAll(found);
      System.out.printf("graceful-stop acked=%d found=%d missing=%d%n", acked.size(), found.size(), missing.size());
      assertEquals(0, missing.size(), "acknowledged ids lost by a graceful stop: " + missing.size());
    }
  }

  /** Starts the jar, lets the clients ingest, ends it at a random moment: SIGKILL, or SIGTERM when graceful. */
  private void crashWhileIngesting(Path dir, Map<String, String> env, int round, Random random, Set<String> acked,
      boolean graceful) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> clients = new ArrayList<>();
    int before = acked.size();
    ChildCollector collector = ChildCollector.start(dir, env);
    try {
      int port = collector.awaitPort();
      for (int c = 0; c < CLIENTS; c++) {
        int client = round * CLIENTS + c;
        Thread thread = new Thread(() -> ingest(port, client, acked, stop), "crash-client-" + client);
        thread.start();
        clients.add(thread);
      }
      for (int i = 0; i < 600 && acked.size() - before < 100; i++) {
        Thread.sleep(50); // polling the clients' progress: there is no event to await across the process
      }
      assertTrue(acked.size() - before >= 100, "clients could not ingest before the kill:\n" + collector.output());
      Thread.sleep(200 + random.nextInt(1500)); // the random moment of the crash
      if (graceful) {
        long took = collector.terminate();
        assertTrue(took <= 10_500, "a SIGTERM shutdown took " + took + " ms (at most 10 s)");
      } else {
        collector.kill();
      }
    } finally {
      stop.set(true);
      for (Thread thread : clients) {
        thread.join(30_000);
      }
      collector.kill();
    }
  }

  /** Posts single events and batches with known ids until stopped or the server is gone; records each 201/200. */
  private void ingest(int port, int client, Set<String> acked, AtomicBoolean stop) {
    Random random = new Random(client);
    for (long n = 0; !stop.get(); n++) {
      try {
        if (random.nextBoolean()) {
          JsonObject event = event(client, n, random);
          HttpResponse<String> response = post(port, "/events", event.encode());
          if (response.statusCode() == 201 || response.statusCode() == 200) {
            acked.add(event.getString("event_id"));
          }
        } else {
          JsonArray batch = new JsonArray();
          for (int i = 0; i < BATCH; i++) {
            batch.add(event(client, n * 1000 + i, random));
          }
          HttpResponse<String> response = post(port, "/events/batch", batch.encode());
          if (response.statusCode() == 201) {
            Set<Integer> failed = new HashSet<>();
            new JsonObject(response.body()).getJsonArray("errors").forEach(e -> failed.add(((JsonObject) e).getInteger("index")));
            for (int i = 0; i < batch.size(); i++) {
              if (!failed.contains(i)) {
                acked.add(batch.getJsonObject(i).getString("event_id"));
              }
            }
          }
        }
      } catch (IOException e) {
        return; // the collector is gone: what was not answered was never promised
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static JsonObject event(int client, long n, Random random) {
    return new JsonObject()
      .put("event_id", "c" + client + "-" + n + "-" + Long.toHexString(random.nextLong()))
      .put("source_system", List.of("mahavishnu", "crackerjack", "akosha").get(random.nextInt(3)))
      .put("event_type", "crash.test")
      .put("title", "client " + client + " event " + n)
      .put("tags", new JsonArray().add("crash").add("c" + client));
  }

  private HttpResponse<String> post(int port, String path, String body) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
      .timeout(Duration.ofSeconds(10))
      .header("Content-Type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Every stored event id, page by page in a stable order. */
  private Set<String> storedIds(int port) throws Exception {
    long total = new JsonObject(get(port, "/events/count")).getLong("count");
    Set<String> ids = new HashSet<>();
    for (long offset = 0; offset < total; offset += 1000) {
      JsonObject page = new JsonObject(get(port, "/events?limit=1000&offset=" + offset
        + "&sort_by=timestamp&sort_order=asc"));
      page.getJsonArray("events").forEach(e -> ids.add(((JsonObject) e).getString("event_id")));
    }
    assertEquals(total, ids.size(), "paging returns every stored event once");
    return ids;
  }

  private String get(int port, String path) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
      .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), path + ": " + response.body());
    return response.body();
  }
}
