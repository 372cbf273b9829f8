package org.eventcollector.cluster;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Three ingest nodes share one cluster-wide limit held by the ratelimit node. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterRateLimitIT {

  private static final String SYSTEM = "akosha";
  private static final int PER_SECOND = 200;
  private static final int BURST = 200;
  private static final int BATCH = 10;
  private static final int LOOPS_PER_NODE = 4;

  private static ClusterFixture cluster;
  private static final List<ClusterFixture.Node> ingest = new ArrayList<>();
  private static Vertx vertx;
  private static WebClient web;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new ClusterFixture("ratelimit");
    cluster.start("limits", "storage,ratelimit,analysis", Map.of(
      "EC_RATE_LIMIT_SYSTEMS_AKOSHA_PER_SECOND", Integer.toString(PER_SECOND),
      "EC_RATE_LIMIT_SYSTEMS_AKOSHA_BURST", Integer.toString(BURST)));
    for (int i = 1; i <= 3; i++) {
      ingest.add(cluster.start("ingest" + i, "ingest"));
    }
    vertx = Vertx.vertx();
    web = WebClient.create(vertx);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @Order(1)
  @DisplayName("three ingest nodes hammered for 10 s admit 2000 + burst events, within 5 %")
  void threeNodesTogetherAdmitTheConfiguredRate() throws Exception {
    warmUp();
    long admitted = hammer(10_000);
    long expected = PER_SECOND * 10L + BURST;
    assertTrue(Math.abs(admitted - expected) <= expected * 0.05, "admitted " + admitted + ", expected " + expected + " ± 5 %");
    JsonObject stored = web.get(ingest.get(0).port, "127.0.0.1", "/events/count?source_system=" + SYSTEM).send()
      .await(30, TimeUnit.SECONDS).bodyAsJsonObject();
    assertEquals(admitted, stored.getLong("count"), "every acknowledged event is stored, and nothing else");
  }

  @Test
  @Order(2)
  @DisplayName("a limit changed through one node holds at once on every node")
  void changedLimitHoldsAtOnceClusterWide() throws Exception {
    HttpResponse<?> put = web.put(ingest.get(0).port, "127.0.0.1", "/rate-limits/" + SYSTEM)
      .sendJsonObject(new JsonObject().put("per_second", 0).put("burst", 1)).await(30, TimeUnit.SECONDS);
    assertEquals(200, put.statusCode(), put.bodyAsString());
    JsonObject limits = web.get(ingest.get(2).port, "127.0.0.1", "/rate-limits").send().await(30, TimeUnit.SECONDS)
      .bodyAsJsonObject().getJsonObject("limits").getJsonObject(SYSTEM);
    assertEquals(new JsonObject().put("per_second", 0).put("burst", 1), limits);
    long admitted = hammer(2_000);
    // At most the one token of the new bucket, plus what each node had leased before the change
    // and not yet dropped (the documented bound: per node, 20 ms of the old rate).
    long bound = 1 + 3 * (long) Math.ceil(PER_SECOND * 0.02);
    assertTrue(admitted <= bound, "admitted " + admitted + " after the limit went to 0/s, bound " + bound);
  }

  /** Exercises every node's ingest path once (another system, so the measured bucket stays full). */
  private static void warmUp() throws Exception {
    for (int round = 0; round < 20; round++) {
      List<Future<?>> sends = new ArrayList<>();
      for (ClusterFixture.Node node : ingest) {
        JsonArray batch = new JsonArray();
        for (int i = 0; i < BATCH; i++) {
          batch.add(new JsonObject().put("source_system", "oneiric").put("event_type", "warm.up"));
        }
        sends.add(web.post(node.port, "127.0.0.1", "/events/batch").sendJson(batch));
      }
      Future.all(sends).await(30, TimeUnit.SECONDS);
    }
  }

  /** Sends batches to all three nodes from 4 loops each for {@code millis}; answers how many events were collected. */
  private static long hammer(long millis) throws Exception {
    AtomicLong collected = new AtomicLong();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    List<Future<Void>> loops = new ArrayList<>();
    for (ClusterFixture.Node node : ingest) {
      for (int i = 0; i < LOOPS_PER_NODE; i++) {
        Promise<Void> done = Promise.promise();
        vertx.runOnContext(v -> loop(node.port, deadline, collected, done));
        loops.add(done.future());
      }
    }
    Future.all(loops).await(millis / 1000 + 60, TimeUnit.SECONDS);
    return collected.get();
  }

  private static void loop(int port, long deadline, AtomicLong collected, Promise<Void> done) {
    if (System.nanoTime() >= deadline) {
      done.complete();
      return;
    }
    JsonArray batch = new JsonArray();
    for (int i = 0; i < BATCH; i++) {
      batch.add(new JsonObject().put("source_system", SYSTEM).put("event_type", "load.tick"));
    }
    web.post(port, "127.0.0.1", "/events/batch").sendJson(batch).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
        return;
      }
      int status = ar.result().statusCode();
      if (status == 201) {
        collected.addAndGet(ar.result().bodyAsJsonObject().getLong("collected"));
      } else if (status != 429) {
        done.fail(new AssertionError("unexpected " + status + ": " + ar.result().bodyAsString()));
        return;
      }
      loop(port, deadline, collected, done);
    });
  }
}
