package org.eventcollector.ingest;

import com.hazelcast.config.Config;
import com.hazelcast.config.FileSystemXmlConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.eventcollector.bus.Addresses;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventBatch;
import org.eventcollector.event.EventCodecs;
import org.eventcollector.event.Severity;
import org.eventcollector.event.StoreResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three clustered Vert.x instances in this JVM on a Hazelcast cluster of their own: an ingest side,
 * a storage node that takes a write and dies (its Hazelcast instance terminated, as on SIGKILL),
 * and a storage node that answers.
 */
class StorageWritesTest {

  private final List<Vertx> nodes = new ArrayList<>();
  private final int port = 20_000 + ThreadLocalRandom.current().nextInt(1000) * 10;

  @AfterEach
  void closeNodes() {
    for (Vertx node : nodes) {
      try {
        node.close().await(20, TimeUnit.SECONDS);
      } catch (Exception e) {
        // the terminated node has no cluster left to leave
      }
    }
  }

  @Test
  @Timeout(120)
  @DisplayName("a write in flight to a storage node that dies is sent once more and answered by the survivor long before the timeout")
  void writeLostWithAStorageNodeIsAnsweredByAnother() throws Exception {
    Vertx ingest = join();
    Vertx lost = join();
    Vertx survivor = join();

    Promise<Void> taken = Promise.promise();
    lost.eventBus().<EventBatch>consumer(Addresses.STORAGE_INSERT, m -> taken.tryComplete()).completion()
      .await(30, TimeUnit.SECONDS);
    StorageWrites writes = new StorageWrites(ingest, true);
    List<Event> events = List.of(event("lost-1"));
    Promise<StoreResult> answer = Promise.promise();
    ingest.getOrCreateContext().runOnContext(v -> writes.insert(events).onComplete(answer));
    taken.future().await(30, TimeUnit.SECONDS);

    AtomicInteger received = new AtomicInteger();
    survivor.eventBus().<EventBatch>consumer(Addresses.STORAGE_INSERT, m -> answer(m, received))
      .completion().await(30, TimeUnit.SECONDS);
    long killedAt = System.nanoTime();
    ((HazelcastClusterManager) ((VertxInternal) lost).clusterManager()).getHazelcastInstance()
      .getLifecycleService().terminate();

    StoreResult results = answer.future().await(25, TimeUnit.SECONDS);
    long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    assertEquals("collected", results.status(0));
    assertEquals(1, received.get(), "the write reached the survivor once");
    assertTrue(waitedMs < StorageWrites.TIMEOUT_MS / 3, "answered " + waitedMs + " ms after the kill");
  }

  @Test
  @Timeout(120)
  @DisplayName("without a member leaving, a write is sent once")
  void writeIsSentOnceWhileTheClusterStays() throws Exception {
    Vertx ingest = join();
    Vertx storage = join();
    AtomicInteger received = new AtomicInteger();
    storage.eventBus().<EventBatch>consumer(Addresses.STORAGE_INSERT, m -> storage.setTimer(3 * StorageWrites.CHECK_MS,
      t -> answer(m, received))).completion().await(30, TimeUnit.SECONDS);
    StorageWrites writes = new StorageWrites(ingest, true);
    Promise<StoreResult> answer = Promise.promise();
    ingest.getOrCreateContext().runOnContext(v -> writes.insert(List.of(event("kept-1"))).onComplete(answer));
    assertEquals("collected", answer.future().await(30, TimeUnit.SECONDS).status(0));
    assertEquals(1, received.get());
  }

  private static void answer(Message<EventBatch> message, AtomicInteger received) {
    received.incrementAndGet();
    long[] seqs = new long[message.body().size()];
    java.util.Arrays.fill(seqs, 1);
    message.reply(new StoreResult(seqs));
  }

  private static Event event(String id) {
    return new Event(id, 0, "akosha", "t", Severity.INFO, "", "", null, null, null, new JsonObject(), List.of(),
      new JsonObject());
  }

  /** A clustered Vert.x on this test's own cluster name and ports. */
  private Vertx join() throws Exception {
    Config config = new FileSystemXmlConfig(Path.of("cluster.xml").toFile());
    config.setClusterName("ec-writes-" + port);
    config.getNetworkConfig().setPort(port).setPortCount(10);
    Future<Vertx> started = Vertx.builder().withClusterManager(new HazelcastClusterManager(config)).buildClustered()
      .onSuccess(v -> EventCodecs.register(v.eventBus()));
    Vertx vertx = started.await(60, TimeUnit.SECONDS);
    nodes.add(vertx);
    return vertx;
  }
}
