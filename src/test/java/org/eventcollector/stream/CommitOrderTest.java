package org.eventcollector.stream;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;
import org.eventcollector.metrics.CollectorMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ordering stage of the stream hubs: publications sent out of order on a real event bus with
 * {@code seq} headers, holes read from a real SQLite store through {@code events.storage.range}.
 */
@io.vertx.junit5.Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class CommitOrderTest {

  private static final String ADDRESS = "test.commit-order";

  @TempDir
  Path dir;
  private TestCollector node;
  private Vertx vertx;
  /** What the stage delivered, as {@code seq:event_id}; written on the stage's event loop only. */
  private final List<String> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final AtomicInteger mostHeld = new AtomicInteger();
  private CommitOrder order;
  private MessageConsumer<JsonObject> consumer;
  private volatile int expected;
  private volatile CompletableFuture<List<String>> done;
  private long start;

  @BeforeEach
  void startStorage() {
    node = TestCollector.start(TestCollector.config(dir, "sqlite"));
    vertx = node.vertx();
    // Positions 1..12 in this order.
    JsonArray batch = new JsonArray();
    for (int i = 1; i <= 12; i++) {
      batch.add(new JsonObject().put("event_id", "e" + i).put("source_system", "akosha").put("event_type", "t"));
    }
    assertEquals(201, node.post("/events/batch", batch).status());
  }

  @AfterEach
  void stop() {
    node.close();
  }

  /** A stage on one event loop fed by a consumer of the test address, as a hub is fed by events.stream. */
  private void stage(long waitMs, int maxHeld, boolean wanted) {
    CompletableFuture<Void> ready = new CompletableFuture<>();
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> {
      order = new CommitOrder(vertx, waitMs, maxHeld, () -> wanted, (seq, event) -> {
        assertFalse(event.toJson().containsKey("_seq"), "positions are not part of the event");
        delivered.add(seq + ":" + event.eventId());
        if (delivered.size() >= expected) {
          done.complete(new ArrayList<>(delivered));
        }
      });
      consumer = vertx.eventBus().consumer(ADDRESS, m -> {
        order.accept(Long.parseLong(m.headers().get("seq")), org.eventcollector.event.Event.fromJson(m.body()));
        mostHeld.accumulateAndGet(order.held(), Math::max);
      });
      consumer.completion().onComplete(ar -> ready.complete(null));
    });
    await(ready);
  }

  /** The next {@link #delivered()} answers once {@code count} deliveries have been made in all. */
  private void expect(int count) {
    done = new CompletableFuture<>();
    expected = count;
    start = System.nanoTime();
    if (delivered.size() >= count) {
      done.complete(new ArrayList<>(delivered));
    }
  }

  private void publish(long... positions) {
    for (long seq : positions) {
      vertx.eventBus().publish(ADDRESS, new JsonObject().put("event_id", "e" + seq).put("source_system", "akosha")
        .put("event_type", "t").put("timestamp", "2026-01-01T00:00:00Z"), new DeliveryOptions().addHeader("seq", Long.toString(seq)));
    }
  }

  private List<String> delivered() {
    return await(done);
  }

  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("not completed: " + e, e);
    }
  }

  private static double gaps(String outcome) {
    Counter counter = CollectorMetrics.get().registry().find("event_collector_stream_gaps").tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void publicationsArrivingOutOfOrderAreDeliveredInPositionOrderWithoutReadingStorage() {
    stage(400, 100, true);
    double filled = gaps("filled");
    expect(5);
    // The first one to arrive is not the lowest: the start waits for the window.
    publish(3, 1, 5, 2, 4);
    assertEquals(List.of("1:e1", "2:e2", "3:e3", "4:e4", "5:e5"), delivered());
    assertEquals(filled, gaps("filled"));
  }

  @Test
  void aHoleIsReadFromStorageAfterTheWaitAndDeliveredInItsPlace() {
    stage(300, 100, true);
    double filled = gaps("filled");
    expect(5);
    publish(1, 2, 4, 5);
    List<String> got = delivered();
    long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertEquals(List.of("1:e1", "2:e2", "3:e3", "4:e4", "5:e5"), got);
    assertTrue(waited >= 300, "position 3 was read only after the wait, not after " + waited + " ms");
    assertEquals(filled + 1, gaps("filled"));
  }

  @Test
  void positionsStorageDoesNotHaveAreSkippedAndCounted() {
    stage(100, 100, true);
    double skipped = gaps("skipped");
    double filled = gaps("filled");
    expect(8);
    // Positions 13 to 15 were never stored; 16 is published (by a store this test stands in for).
    publish(1, 4, 12, 16);
    assertEquals(List.of("1:e1", "2:e2", "3:e3", "4:e4", "5:e5", "6:e6", "7:e7", "8:e8"), delivered());
    expect(13);
    assertEquals(List.of("9:e9", "10:e10", "11:e11", "12:e12", "16:e16"), delivered().subList(8, 13));
    assertEquals(filled + 9, gaps("filled"));
    assertEquals(skipped + 3, gaps("skipped"));
  }

  @Test
  void publicationsOfPositionsAlreadyDeliveredOrReadAreDropped() {
    stage(100, 100, true);
    expect(6);
    publish(1, 2, 4);
    // Position 3 is read from storage after 100 ms; its own publication comes late, then 2 and 4 again.
    vertx.setTimer(600, t -> publish(3, 4, 2, 5));
    vertx.setTimer(900, t -> publish(6));
    List<String> got = delivered();
    assertEquals(List.of("1:e1", "2:e2", "3:e3", "4:e4", "5:e5", "6:e6"), got);
  }

  @Test
  void aFullBufferReadsTheHoleAtOnceInsteadOfWaiting() {
    // The wait is far longer than the test may take: only the bound can trigger the reads.
    stage(600_000, 3, true);
    expect(5);
    publish(1, 3, 4, 5);
    assertEquals(List.of("1:e1", "2:e2", "3:e3", "4:e4", "5:e5"), delivered());
    // Past the bound a publication is not kept; its position is read from storage like a hole.
    expect(12);
    publish(7, 8, 9, 10, 11, 12);
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 12; i++) {
      expected.add(i + ":e" + i);
    }
    assertEquals(expected, delivered());
    assertTrue(mostHeld.get() <= 3, "held " + mostHeld.get());
  }

  @Test
  void withNobodyListeningHolesArePassedOverWithoutAStorageRead() {
    stage(100, 100, false);
    double filled = gaps("filled");
    double skipped = gaps("skipped");
    expect(3);
    publish(1, 4, 5);
    assertEquals(List.of("1:e1", "4:e4", "5:e5"), delivered());
    assertEquals(filled, gaps("filled"));
    assertEquals(skipped, gaps("skipped"));
  }

  @Test
  void aStoreThatStartsOverIsFollowedFromPositionOneAgain() {
    stage(100, 100, true);
    expect(5);
    publish(1, 2, 3);
    // A memory store on a new owner numbers from 1 again.
    vertx.setTimer(1_000, t -> publish(1, 2));
    assertEquals(List.of("1:e1", "2:e2", "3:e3", "1:e1", "2:e2"), delivered());
  }
}
