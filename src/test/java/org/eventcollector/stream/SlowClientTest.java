package org.eventcollector.stream;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.metrics.CollectorMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class SlowClientTest {

  private static final int QUEUE = 200;
  private static final int EVENTS = 10_000;
  private static final int DESCRIPTION = 4_000;

  @TempDir
  Path dir;
  private TestNode node;

  @BeforeEach
  void start() throws Exception {
    node = TestNode.start(dir, config -> Config.set(config, ConfigKeys.Stream.CLIENT_QUEUE, QUEUE));
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private static double dropped() {
    Counter counter = CollectorMetrics.get().registry().find("event_collector_stream_dropped").counter();
    return counter == null ? 0 : counter.count();
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  @Test
  void clientThatNeverReadsIsBoundedGetsADroppedCountAndDoesNotSlowTheOthers(Vertx vertx) throws Exception {
    String filler = "d".repeat(DESCRIPTION);
    List<JsonArray> batches = new ArrayList<>();
    for (int b = 0; b < EVENTS / 500; b++) {
      JsonArray batch = new JsonArray();
      for (int i = 0; i < 500; i++) {
        batch.add(TestNode.event("s-" + (b * 500 + i), "crackerjack", "build").put("description", filler));
      }
      batches.add(batch);
    }
    double droppedBefore = dropped();

    // The slow client stops reading at once; a small receive buffer keeps the kernel from absorbing the stream.
    WebSocket slow = await(node.connect(vertx, "/events/stream", new WebSocketClientOptions().setReceiveBufferSize(4096), null));
    slow.pause();
    List<JsonObject> slowFrames = new ArrayList<>();
    slow.textMessageHandler(text -> slowFrames.add(new JsonObject(text)));

    AtomicInteger fastCount = new AtomicInteger();
    CompletableFuture<Void> fastDone = new CompletableFuture<>();
    WebSocket fast = await(node.connect(vertx, "/events/stream"));
    fast.textMessageHandler(text -> {
      if (fastCount.incrementAndGet() == EVENTS) {
        fastDone.complete(null);
      }
    });

    long heapBefore = heapAfterGc();
    long t0 = System.nanoTime();
    node.ingestAll(batches).toCompletionStage().toCompletableFuture().get(180, TimeUnit.SECONDS);
    long ingested = System.nanoTime();
    fastDone.get(60, TimeUnit.SECONDS);
    System.out.printf("ingest %d ms, fast client done %d ms later%n", (ingested - t0) / 1_000_000, (System.nanoTime() - ingested) / 1_000_000);
    long retained = heapAfterGc() - heapBefore;
    long streamBytes = (long) EVENTS * DESCRIPTION;
    assertTrue(retained < streamBytes / 2, "heap grew by " + retained + " bytes while "
      + streamBytes + " bytes were streamed to a client that does not read");
    assertTrue(dropped() - droppedBefore > 0, "drops are counted in event_collector_stream_dropped_total");

    // Now the client reads: events it had room for, then the dropped count, and together they are all.
    AtomicLong accounted = new AtomicLong();
    CompletableFuture<Void> caughtUp = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      slow.textMessageHandler(text -> {
        JsonObject frame = new JsonObject(text);
        slowFrames.add(frame);
        accounted.addAndGet(frame.containsKey("control") ? frame.getLong("count") : 1);
        if (accounted.get() >= EVENTS) {
          caughtUp.complete(null);
        }
      });
      slow.resume();
    });
    long t1 = System.nanoTime();
    caughtUp.get(60, TimeUnit.SECONDS);
    System.out.printf("slow client caught up in %d ms%n", (System.nanoTime() - t1) / 1_000_000);

    List<JsonObject> controls = slowFrames.stream().filter(f -> f.containsKey("control")).toList();
    assertTrue(!controls.isEmpty(), "a dropped frame arrives");
    controls.forEach(c -> assertEquals("dropped", c.getString("control")));
    long droppedForClient = controls.stream().mapToLong(c -> c.getLong("count")).sum();
    assertEquals(droppedForClient, (long) (dropped() - droppedBefore), "metric counts exactly this client's drops");
    long previous = -1;
    for (JsonObject frame : slowFrames) {
      if (!frame.containsKey("control")) {
        long n = Long.parseLong(frame.getString("event_id").substring(2));
        assertTrue(n > previous, "events stay in commit order");
        previous = n;
      }
    }
    assertEquals(EVENTS, accounted.get());

    // Caught up, the client is live again: a new event arrives as its next frame.
    CompletableFuture<JsonObject> live = new CompletableFuture<>();
    vertx.runOnContext(v -> slow.textMessageHandler(text -> live.complete(new JsonObject(text))));
    node.ingest(new JsonArray().add(TestNode.event("marker", "crackerjack", "build")))
      .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals("marker", live.get(30, TimeUnit.SECONDS).getString("event_id"));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
