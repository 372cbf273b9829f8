package org.eventcollector.ingest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;
import org.eventcollector.TestCollector.Response;
import org.eventcollector.config.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A drained bucket hands a batch no more than what refilled since the last take. */
class DrainedBucketTest {

  private static final double PER_SECOND = 50;

  @TempDir
  Path dir;
  TestCollector collector;

  @BeforeEach
  void start() {
    JsonObject config = TestCollector.config(dir, "memory");
    Config.set(config, "rate_limit.systems.crackerjack.per_second", PER_SECOND);
    Config.set(config, "rate_limit.systems.crackerjack.burst", 100);
    collector = TestCollector.start(config);
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  private static JsonObject event() {
    return new JsonObject().put("source_system", "crackerjack").put("event_type", "drain");
  }

  @Test
  void aBatchAfterSinglesTookEveryRefilledTokenGetsOnlyWhatRefilledSince() throws Exception {
    JsonArray burst = new JsonArray();
    for (int i = 0; i < 100; i++) {
      burst.add(event());
    }
    assertEquals(100, collector.post("/events/batch", burst).json().getInteger("collected"), "the burst drains the bucket");
    AtomicLong lastTake = new AtomicLong(System.nanoTime());
    AtomicInteger singles = new AtomicInteger();
    AtomicInteger accepted = new AtomicInteger();
    // Eight senders of single events for a second, far faster than the refill: each token is taken as soon as it refills.
    long until = System.nanoTime() + 1_000_000_000L;
    ExecutorService senders = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        running.add(senders.submit(() -> {
          while (System.nanoTime() < until && singles.incrementAndGet() < 20_000) {
            Response single = collector.post("/events", event());
            if (single.status() == 201) {
              accepted.incrementAndGet();
              lastTake.accumulateAndGet(System.nanoTime(), Math::max);
            } else if (single.status() != 429) {
              throw new AssertionError(single.toString());
            }
          }
        }));
      }
      for (Future<?> sender : running) {
        sender.get(60, TimeUnit.SECONDS);
      }
    } finally {
      senders.shutdownNow();
    }
    JsonArray batch = new JsonArray();
    for (int i = 0; i < 50; i++) {
      batch.add(event());
    }
    Response answer = collector.post("/events/batch", batch);
    long answered = System.nanoTime();
    int refilled = (int) Math.floor((answered - lastTake.get()) / 1e9 * PER_SECOND);
    int collected = answer.status() == 201 ? answer.json().getInteger("collected") : 0;
    assertTrue(answer.status() == 201 || answer.status() == 429, answer.toString());
    assertTrue(collected <= refilled + 1, "batch collected " + collected + " with " + refilled
      + " tokens refilled since the last take (" + accepted + " of " + singles + " singles accepted)");
  }
}
