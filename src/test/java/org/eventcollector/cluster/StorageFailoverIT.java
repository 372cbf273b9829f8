package org.eventcollector.cluster;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two storage nodes on one SQLite file (the first owns it, the second stands by), an ingest node,
 * and this JVM publishing on {@code events.ingest} while the owner is killed with SIGKILL. Once the
 * storage nodes also own the rate limit (both owners die together), once with the rate limit on the
 * ingest node (only the storage owner dies), as a front node with {@code ingest,stream,ratelimit} runs.
 */
class StorageFailoverIT {

  private ClusterFixture cluster;
  private ClusterFixture.Node owner;
  private ClusterFixture.Node standby;
  private ClusterFixture.Node ingest;
  private Vertx publisher;

  void startCluster(String storageRoles, String frontRoles) throws Exception {
    cluster = new ClusterFixture("failover");
    owner = cluster.start("owner", storageRoles);
    owner.await(Pattern.compile("Owner of " + Pattern.quote("event-collector.storage.owner")), 30);
    standby = cluster.start("standby", storageRoles);
    standby.await(Pattern.compile("Standby for " + Pattern.quote("event-collector.storage.owner")), 30);
    ingest = cluster.start("ingest", frontRoles, Map.of());
    publisher = cluster.joinCluster();
  }

  @AfterEach
  void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @ParameterizedTest(name = "storage nodes {0}, front {1}")
  @CsvSource(delimiter = '|', value = {"storage,ratelimit,analysis|ingest", "storage|ingest,stream,ratelimit,analysis"})
  @DisplayName("killing the storage owner: the standby takes over within 10 s, every request is answered within 10 s, "
    + "no acknowledged event is lost, the rest got 503")
  void standbyTakesOverWithoutLosingAcknowledgedEvents(String storageRoles, String frontRoles) throws Exception {
    startCluster(storageRoles, frontRoles);
    Set<String> acked = ConcurrentHashMap.newKeySet();
    Map<String, Throwable> failed = new ConcurrentHashMap<>();
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger sequence = new AtomicInteger();
    AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
    AtomicLong firstAckAfterKill = new AtomicLong(Long.MAX_VALUE);
    AtomicInteger acksAfterTakeover = new AtomicInteger();
    Promise<Void> warm = Promise.promise();
    Promise<Void> recovered = Promise.promise();
    AtomicLong longestAfterKill = new AtomicLong();
    // Longer than ingest's own 30 s storage timeout: a request stuck on the dead owner shows as such.
    DeliveryOptions timeout = new DeliveryOptions().setSendTimeout(60_000);

    long timer = publisher.setPeriodic(5, id -> {
      if (inFlight.get() >= 200) {
        return;
      }
      String eventId = "failover-" + sequence.incrementAndGet();
      long sentAt = System.nanoTime();
      inFlight.incrementAndGet();
      JsonObject event = new JsonObject().put("event_id", eventId).put("source_system", "crackerjack")
        .put("event_type", "test.passed").put("source_component", "failover");
      publisher.eventBus().<JsonObject>request("events.ingest", event, timeout).onComplete(ar -> {
        inFlight.decrementAndGet();
        long answeredAt = System.nanoTime();
        if (answeredAt > killedAt.get()) {
          longestAfterKill.accumulateAndGet(answeredAt - Math.max(sentAt, killedAt.get()), Math::max);
        }
        if (ar.failed()) {
          failed.put(eventId, ar.cause());
          return;
        }
        acked.add(eventId);
        if (acked.size() >= 200) {
          warm.tryComplete();
        }
        if (sentAt > killedAt.get()) {
          long now = System.nanoTime();
          firstAckAfterKill.compareAndSet(Long.MAX_VALUE, now);
          if (acksAfterTakeover.incrementAndGet() >= 200) {
            recovered.tryComplete();
          }
        }
      });
    });

    warm.future().await(60, TimeUnit.SECONDS);
    owner.kill();
    killedAt.set(System.nanoTime());
    recovered.future().await(60, TimeUnit.SECONDS);
    publisher.cancelTimer(timer);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(0, inFlight.get(), "requests still unanswered after their timeout");

    long takeoverMs = TimeUnit.NANOSECONDS.toMillis(firstAckAfterKill.get() - killedAt.get());
    assertTrue(takeoverMs <= 10_000, "took " + takeoverMs + " ms to take over");
    long longestMs = TimeUnit.NANOSECONDS.toMillis(longestAfterKill.get());
    assertTrue(longestMs <= 10_000, "a request waited " + longestMs + " ms after the kill for its answer");
    assertTrue(standby.logText().contains("Owner of event-collector.storage.owner"), "the standby never took over");
    String metrics = cluster.web().get(standby.port, "127.0.0.1", "/metrics").send().await(30, TimeUnit.SECONDS).bodyAsString();
    assertTrue(Pattern.compile("event_collector_cluster_owner\\{role=\"storage\",?} 1").matcher(metrics).find(),
      "the standby's metrics do not show it as the owner");

    for (Map.Entry<String, Throwable> failure : failed.entrySet()) {
      Throwable cause = failure.getValue();
      boolean unavailable = cause instanceof ReplyException reply
        && (reply.failureType() == ReplyFailure.TIMEOUT || reply.failureType() == ReplyFailure.NO_HANDLERS
        || reply.failureType() == ReplyFailure.RECIPIENT_FAILURE && reply.failureCode() == 503);
      assertTrue(unavailable, failure.getKey() + " failed with " + cause);
    }

    Set<String> stored = storedIds(cluster.web());
    Set<String> lost = new HashSet<>(acked);
    lost.removeAll(stored);
    assertTrue(lost.isEmpty(), lost.size() + " acknowledged events are missing, e.g. " + lost.stream().limit(5).toList());
    System.out.printf("failover (storage nodes %s): %d acknowledged, %d refused, takeover after %d ms, longest wait after the kill %d ms%n",
      storageRoles, acked.size(), failed.size(), takeoverMs, longestMs);
  }

  private Set<String> storedIds(WebClient web) throws Exception {
    Set<String> ids = new HashSet<>();
    for (int offset = 0; ; offset += 1000) {
      JsonObject page = web.get(ingest.port, "127.0.0.1", "/events?source_component=failover&limit=1000&sort_order=asc&offset=" + offset)
        .send().await(30, TimeUnit.SECONDS).bodyAsJsonObject();
      JsonArray events = page.getJsonArray("events");
      events.forEach(e -> ids.add(((JsonObject) e).getString("event_id")));
      if (events.size() < 1000) {
        return ids;
      }
    }
  }
}
