package org.eventcollector.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two storage nodes on one PostgreSQL database and two ingest nodes, with HTTP publishers sending
 * single events and batches with their own event ids to both ingest nodes while one storage node
 * is killed with SIGKILL. A publisher retries whatever is not acknowledged with the same ids.
 */
@ExtendWith(PostgresServer.class)
class PostgresFailoverIT {

  private static final Pattern STORED = Pattern.compile("(?m)^event_collector_events_stored_total\\{[^}]*} (\\S+)$");
  private static final String COMPONENT = "pg-failover";
  private static final int PUBLISHERS = 6;
  private static final int BATCH = 10;
  /** Longer than the collector's 30 s storage timeout would be cut short: a stall shows as a failure. */
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(20);

  @Test
  @DisplayName("killing one of two PostgreSQL storage nodes under load loses no acknowledged event, stores none twice, and ingest goes on at once")
  void killingAStorageNodeLosesNothingAndStoresNothingTwice() throws Exception {
    String url = PostgresServer.get().newDatabase();
    Map<String, String> env = Map.of("EC_STORAGE", "postgres", "EC_PG_URL", url, "EC_PG_PASSWORD", PostgresServer.PASSWORD,
      "EC_RATE_LIMIT_PER_SECOND", "1000000", "EC_RATE_LIMIT_BURST", "1000000");
    Vertx vertx = Vertx.vertx();
    try (ClusterFixture cluster = new ClusterFixture("pg-failover")) {
      ClusterFixture.Node victim = cluster.start("storage-1", "storage", env);
      ClusterFixture.Node survivor = cluster.start("storage-2", "storage", env);
      for (ClusterFixture.Node node : List.of(victim, survivor)) {
        node.await(Pattern.compile("PostgreSQL store open"), 60);
      }
      ClusterFixture.Node ingest1 = cluster.start("ingest-1", "ingest,ratelimit,stream", env);
      ClusterFixture.Node ingest2 = cluster.start("ingest-2", "ingest,ratelimit", env);

      // A live stream client on ingest-1 counts how often each event arrives.
      Map<String, Integer> streamed = new ConcurrentHashMap<>();
      WebSocketClient sockets = vertx.createWebSocketClient();
      ClientWebSocket socket = sockets.webSocket();
      socket.textMessageHandler(text -> {
        String id = new JsonObject(text).getString("event_id");
        if (id != null) {
          streamed.merge(id, 1, Integer::sum);
        }
      });
      socket.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(ingest1.port)
        .setURI("/events/stream?source_component=" + COMPONENT)).await(30, TimeUnit.SECONDS);

      Publishers publishers = new Publishers(List.of(ingest1.port, ingest2.port));
      publishers.start();
      try {
        // Steady load, served by both storage nodes.
        awaitTrue(() -> publishers.acked.size() >= 500 && stored(victim) > 0 && stored(survivor) > 0, 90,
          () -> "no steady load on both storage nodes: " + publishers.acked.size() + " acknowledged");
        System.out.printf("postgres failover: before the kill storage-1 stored %.0f events, storage-2 %.0f%n",
          stored(victim), stored(survivor));

        long killedAt = System.nanoTime();
        publishers.killedAt.set(killedAt);
        victim.kill();

        // Publishing goes on for a while after the kill.
        awaitTrue(() -> publishers.ackedAfterKill.get() >= 300
            && System.nanoTime() - killedAt >= TimeUnit.SECONDS.toNanos(5), 60,
          () -> "only " + publishers.ackedAfterKill.get() + " items acknowledged after the kill");
      } finally {
        publishers.stop();
      }
      assertTrue(publishers.refused.isEmpty(), "requests refused with 4xx: " + publishers.refused);
      assertTrue(publishers.unfinished.isEmpty(), "items never acknowledged: " + publishers.unfinished);

      Map<String, Integer> rows = storedRows(vertx, url);
      Set<String> twice = new HashSet<>();
      rows.forEach((id, n) -> {
        if (n > 1) {
          twice.add(id);
        }
      });
      Set<String> lost = new HashSet<>(publishers.acked);
      lost.removeAll(rows.keySet());
      long recoveryMs = TimeUnit.NANOSECONDS.toMillis(publishers.firstAckAfterKill.get() - publishers.killedAt.get());
      long longestWaitMs = TimeUnit.NANOSECONDS.toMillis(publishers.longestWaitAfterKill.get());
      System.out.printf("postgres failover: %d events acknowledged (%d rows), %d failed requests, first ack of a request"
          + " sent after the kill %d ms after it, longest wait of an item in flight at or after the kill %d ms,"
          + " %d answered duplicate, %d stored twice, %d lost%n", publishers.acked.size(), rows.size(),
        publishers.failures.get(), recoveryMs, longestWaitMs, publishers.duplicates.get(), twice.size(), lost.size());

      assertTrue(lost.isEmpty(), lost.size() + " acknowledged events are missing, e.g. " + lost.stream().limit(5).toList());
      assertTrue(twice.isEmpty(), twice.size() + " events are stored twice, e.g. " + twice.stream().limit(5).toList());
      assertEquals(publishers.acked.size(), rows.size(), "rows that no publisher sent or saw acknowledged");
      assertTrue(recoveryMs < 10_000, "first acknowledgement after the kill came after " + recoveryMs + " ms");
      assertEquals(0, publishers.failures.get(), "requests failed: the ingest nodes let the clients see the lost node, "
        + "longest wait " + longestWaitMs + " ms; first failures " + publishers.failureSamples);
      assertTrue(longestWaitMs < 15_000, "a request waited " + longestWaitMs + " ms after the kill");
      assertTrue(stored(survivor) > 0, "the survivor stored nothing");

      // The stream: what the survivor stored after the kill arrives, nothing arrives twice, and
      // only what the killed node committed without publishing it may be missing.
      awaitTrue(() -> streamed.keySet().containsAll(publishers.ackedSentAfterKill), 30,
        () -> "events stored after the kill never reached the stream");
      Set<String> streamedTwice = new HashSet<>();
      streamed.forEach((id, n) -> {
        if (n > 1) {
          streamedTwice.add(id);
        }
      });
      Set<String> notStreamed = new HashSet<>(rows.keySet());
      notStreamed.removeAll(streamed.keySet());
      Set<String> strangers = new HashSet<>(streamed.keySet());
      strangers.removeAll(rows.keySet());
      System.out.printf("postgres failover: stream got %d events, %d twice, %d stored events never streamed%n",
        streamed.size(), streamedTwice.size(), notStreamed.size());
      assertTrue(streamedTwice.isEmpty(), "streamed twice: " + streamedTwice.stream().limit(5).toList());
      assertTrue(strangers.isEmpty(), "streamed but not stored: " + strangers.stream().limit(5).toList());
      for (ClusterFixture.Node node : List.of(ingest1, ingest2)) {
        node.logText().lines().filter(line -> line.contains("pending storage writes again"))
          .forEach(line -> System.out.println("postgres failover: " + node.name + ": " + line));
      }
      socket.close().await(10, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  /** Publisher threads, half on each ingest node, each sending items (one event or a batch) until acknowledged. */
  private static final class Publishers {
    final Set<String> acked = ConcurrentHashMap.newKeySet();
    final Set<String> unfinished = ConcurrentHashMap.newKeySet();
    final Set<String> ackedSentAfterKill = ConcurrentHashMap.newKeySet();
    final AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
    final AtomicLong firstAckAfterKill = new AtomicLong(Long.MAX_VALUE);
    final AtomicLong longestWaitAfterKill = new AtomicLong();
    final AtomicInteger ackedAfterKill = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    final AtomicInteger duplicates = new AtomicInteger();
    final List<String> failureSamples = Collections.synchronizedList(new ArrayList<>());
    final List<String> refused = Collections.synchronizedList(new ArrayList<>());
    private final List<Integer> ports;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;

    Publishers(List<Integer> ports) {
      this.ports = ports;
    }

    void start() {
      for (int p = 0; p < PUBLISHERS; p++) {
        int publisher = p;
        Thread thread = new Thread(() -> publish(publisher), "publisher-" + p);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
      }
    }

    /** Lets each publisher finish the item it is on (retrying it), then waits for all of them. */
    void stop() throws InterruptedException {
      stopping = true;
      for (Thread thread : threads) {
        thread.join(TimeUnit.SECONDS.toMillis(90));
      }
    }

    private void publish(int publisher) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
      int port = ports.get(publisher % ports.size());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(240);
      for (int item = 0; !stopping && System.nanoTime() < deadline; item++) {
        boolean batch = item % 4 == 3;
        List<String> ids = new ArrayList<>();
        String body;
        if (batch) {
          JsonArray events = new JsonArray();
          for (int k = 0; k < BATCH; k++) {
            String id = "p" + publisher + "-" + item + "-" + k;
            ids.add(id);
            events.add(event(id));
          }
          body = events.encode();
        } else {
          String id = "p" + publisher + "-" + item;
          ids.add(id);
          body = event(id).encode();
        }
        URI uri = URI.create("http://127.0.0.1:" + port + (batch ? "/events/batch" : "/events"));
        long sentAt = System.nanoTime();
        unfinished.addAll(ids);
        // The same ids until acknowledged: a retry must never store an event twice.
        for (int attempt = 0; System.nanoTime() < deadline; attempt++) {
          String outcome = send(http, uri, body, batch, ids.size());
          if (outcome == null) {
            break;
          }
          failures.incrementAndGet();
          if (failureSamples.size() < 5) {
            failureSamples.add(outcome);
          }
          pause(100);
        }
        long now = System.nanoTime();
        if (!unfinished.containsAll(ids)) {
          continue;
        }
        ids.forEach(unfinished::remove);
        acked.addAll(ids);
        long kill = killedAt.get();
        if (now > kill) {
          if (sentAt > kill) {
            firstAckAfterKill.accumulateAndGet(now, Math::min);
            ackedAfterKill.incrementAndGet();
            ackedSentAfterKill.addAll(ids);
          }
          longestWaitAfterKill.accumulateAndGet(now - sentAt, Math::max);
        }
      }
    }

    /** Sends once; null when acknowledged, else what went wrong. */
    private String send(HttpClient http, URI uri, String body, boolean batch, int size) {
      HttpRequest request = HttpRequest.newBuilder(uri).timeout(CLIENT_TIMEOUT).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
      try {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        JsonObject answer = new JsonObject(response.body());
        if (batch && response.statusCode() == 201 && answer.getInteger("collected") == size
          && answer.getInteger("failed") == 0) {
          duplicates.addAndGet(answer.getInteger("duplicates"));
          return null;
        }
        if (!batch && (response.statusCode() == 201 || response.statusCode() == 200)) {
          if ("duplicate".equals(answer.getString("status"))) {
            duplicates.incrementAndGet();
          }
          return null;
        }
        if (response.statusCode() < 500) {
          refused.add(response.statusCode() + " " + response.body());
        }
        return response.statusCode() + " " + response.body();
      } catch (IOException e) {
        return e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return e.toString();
      }
    }
  }

  private static JsonObject event(String id) {
    return new JsonObject().put("event_id", id).put("source_system", "oneiric").put("event_type", "failover.write")
      .put("source_component", COMPONENT);
  }

  /** Stored rows per event id, straight from the database. */
  private static Map<String, Integer> storedRows(Vertx vertx, String url) throws Exception {
    Pool pool = PostgresServer.connect(vertx, url);
    try {
      Map<String, Integer> rows = new HashMap<>();
      for (Row row : pool.query("SELECT event_id, count(*) AS n FROM events GROUP BY event_id").execute()
        .await(60, TimeUnit.SECONDS)) {
        rows.put(row.getString("event_id"), row.getLong("n").intValue());
      }
      return rows;
    } finally {
      pool.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** Events this storage node committed, from its own {@code /metrics}; 0 once it is gone. */
  private static double stored(ClusterFixture.Node node) {
    if (!node.process.isAlive()) {
      return 0;
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    try {
      String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port + "/metrics"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
      double total = 0;
      Matcher matcher = STORED.matcher(metrics);
      while (matcher.find()) {
        total += Double.parseDouble(matcher.group(1));
      }
      return total;
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private static void awaitTrue(BooleanSupplier condition, int seconds, java.util.function.Supplier<String> message) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, message);
      pause(100);
    }
  }

  private static void pause(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
