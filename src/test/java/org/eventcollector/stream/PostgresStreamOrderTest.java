package org.eventcollector.stream;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;
import org.eventcollector.bus.Addresses;
import org.eventcollector.metrics.CollectorMetrics;
import org.eventcollector.storage.PostgresServer;
import org.eventcollector.storage.StorageVerticle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two storage writers on one PostgreSQL database publish to one stream node while they commit
 * concurrently; a WebSocket client that keeps disconnecting and resuming with {@code after=<last id
 * it received>} must see every event once, in commit order.
 */
@ExtendWith(PostgresServer.class)
class PostgresStreamOrderTest {

  private static final int WRITERS = 4;
  private static final int BATCHES = 40;
  private static final int BATCH = 10;

  @TempDir
  Path dir;
  private TestCollector node;
  private String secondWriter;
  private Vertx clientVertx;
  private WebSocketClient client;
  private ExecutorService threads;

  @BeforeEach
  void startTwoWritersOnOneDatabase() {
    JsonObject config = PostgresServer.get().configure(TestCollector.config(dir, "postgres"));
    // One node with the HTTP, ingest and stream roles and a storage writer, plus a second writer
    // on the same bus and database: events.storage.insert alternates between them.
    node = TestCollector.start(config);
    secondWriter = TestCollector.await(node.vertx().deployVerticle(StorageVerticle.class,
      new DeploymentOptions().setConfig(config.copy())));
    clientVertx = Vertx.vertx();
    client = clientVertx.createWebSocketClient();
    threads = Executors.newFixedThreadPool(WRITERS);
  }

  @AfterEach
  void stop() throws InterruptedException {
    threads.shutdownNow();
    assertTrue(threads.awaitTermination(30, TimeUnit.SECONDS));
    TestCollector.await(clientVertx.close());
    node.close();
  }

  @Test
  void aResumingClientSeesEveryEventOnceInCommitOrderWhileTwoWritersCommit() throws Exception {
    List<String> followed = followWhileWriting();
    assertSameSequence(storedAfterOrigin(), followed, "the client's frames are the stored events in position order");
  }

  @Test
  void publicationsOfOneWriterArrivingLateAreReadFromStorageAndTheStreamStaysInOrder() throws Exception {
    // Every publication of the second writer reaches the bus 600 ms late: far past the reorder
    // window, so the stream node reads those positions from storage and drops the late originals.
    Vertx vertx = node.vertx();
    AtomicInteger delayed = new AtomicInteger();
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      String address = delivery.message().address();
      io.vertx.core.Context sender = Vertx.currentContext();
      if (Addresses.STORAGE_COMMITTED.equals(address) && sender != null
        && secondWriter.equals(sender.deploymentID())) {
        delayed.incrementAndGet();
        vertx.setTimer(600, t -> delivery.next());
      } else {
        delivery.next();
      }
    });
    double filled = gaps("filled");
    double skipped = gaps("skipped");
    List<String> followed = followWhileWriting();
    assertSameSequence(storedAfterOrigin(), followed, "the client's frames are the stored events in position order");
    assertTrue(delayed.get() > 0, "the second writer published nothing");
    assertTrue(gaps("filled") > filled, "no position was read from storage");
    assertEquals(skipped, gaps("skipped"), "positions were skipped");
  }

  /** Two lists compared with the first difference named. */
  private static void assertSameSequence(List<String> expected, List<String> actual, String what) {
    int same = 0;
    while (same < Math.min(expected.size(), actual.size()) && expected.get(same).equals(actual.get(same))) {
      same++;
    }
    assertEquals(expected.size(), same, what + ": " + actual.size() + " frames for "
      + expected.size() + " events, first difference at " + same
      + (same < actual.size() ? " (" + actual.get(same) + ")" : "")
      + (same < expected.size() ? " where " + expected.get(same) + " was due" : ""));
    assertEquals(expected.size(), actual.size(), what);
  }

  /**
   * Stores an origin, then ingests {@value #WRITERS} x {@value #BATCHES} batches from as many
   * threads while a client follows the stream from the origin, closing its WebSocket every 150
   * frames or so and resuming after the last event it received. Answers every event id received.
   */
  private List<String> followWhileWriting() throws Exception {
    node.ingest(event("origin"));
    List<String> received = new CopyOnWriteArrayList<>();
    AtomicInteger sent = new AtomicInteger();
    List<CompletableFuture<Void>> writers = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      int writer = w;
      writers.add(CompletableFuture.runAsync(() -> {
        for (int b = 0; b < BATCHES; b++) {
          // Writing keeps at most 200 events ahead of the client, so that it resumes many times
          // while writes go on, however fast the machine.
          long wait = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
          while (sent.get() - received.size() > 200 && System.nanoTime() < wait) {
            try {
              Thread.sleep(5);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
          }
          JsonArray batch = new JsonArray();
          for (int i = 0; i < BATCH; i++) {
            batch.add(event("w" + writer + "-" + (b * BATCH + i)));
          }
          TestCollector.Response response = node.post("/events/batch", batch);
          if (response.status() != 201) {
            throw new AssertionError("batch refused: " + response);
          }
          sent.addAndGet(BATCH);
        }
      }, threads));
    }
    CompletableFuture<Void> written = CompletableFuture.allOf(writers.toArray(CompletableFuture[]::new));
    // Completes only when a writer fails, so that a refused batch ends the wait at once.
    CompletableFuture<Void> writerFailed = new CompletableFuture<>();
    written.whenComplete((v, e) -> {
      if (e != null) {
        writerFailed.completeExceptionally(e);
      }
    });
    int total = WRITERS * BATCHES * BATCH;
    String last = "origin";
    int sessions = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
    while (received.size() < total) {
      assertTrue(System.nanoTime() < deadline, "the client received " + received.size() + " of " + total);
      int target = Math.min(total, received.size() + 150);
      CompletableFuture<Void> enough = new CompletableFuture<>();
      io.vertx.core.http.ClientWebSocket connecting = client.webSocket();
      connecting.textMessageHandler(text -> {
        received.add(new JsonObject(text).getString("event_id"));
        if (received.size() >= target) {
          enough.complete(null);
        }
      });
      WebSocket socket = TestCollector.await(connecting.connect(new WebSocketConnectOptions().setHost("127.0.0.1")
        .setPort(node.port()).setURI("/events/stream?after=" + last)));
      if (received.size() >= target) {
        enough.complete(null);
      }
      CompletableFuture.anyOf(enough, writerFailed).get(60, TimeUnit.SECONDS);
      TestCollector.await(socket.close());
      sessions++;
      if (!received.isEmpty()) {
        last = received.get(received.size() - 1);
      }
    }
    written.get(60, TimeUnit.SECONDS);
    assertTrue(sessions > 3, "the client resumed only " + (sessions - 1) + " times");
    return received;
  }

  /** The stored events after the origin, in position order (the replay storage answers with). */
  private List<String> storedAfterOrigin() {
    JsonObject replay = TestCollector.await(node.vertx().eventBus().<JsonObject>request(Addresses.STORAGE_REPLAY,
      new JsonObject().put("after", "origin").put("query", new JsonObject()).put("max", 100_000))).body();
    List<String> ids = new ArrayList<>();
    long lastSeq = 0;
    for (Object item : replay.getJsonArray("events")) {
      JsonObject event = (JsonObject) item;
      long seq = event.getLong("_seq");
      assertTrue(seq > lastSeq, "positions increase");
      lastSeq = seq;
      ids.add(event.getString("event_id"));
    }
    assertEquals(WRITERS * BATCHES * BATCH, ids.size());
    return ids;
  }

  private static JsonObject event(String id) {
    return new JsonObject().put("event_id", id).put("source_system", "akosha").put("event_type", "load.tick");
  }

  private static double gaps(String outcome) {
    Counter counter = CollectorMetrics.get().registry().find("event_collector_stream_gaps").tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }
}
