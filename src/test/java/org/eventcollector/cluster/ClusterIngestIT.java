package org.eventcollector.cluster;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Node A {@code ingest,stream}, node B {@code storage,ratelimit,analysis}, and this JVM as a plain
 * clustered Vert.x publisher that knows nothing but the addresses and JSON.
 */
class ClusterIngestIT {

  private static ClusterFixture cluster;
  private static ClusterFixture.Node nodeA;
  private static Path nodeADb;
  private static Vertx publisher;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new ClusterFixture("ingest");
    cluster.start("b", "storage,ratelimit,analysis");
    nodeADb = cluster.dir.resolve("a-own.db");
    nodeA = cluster.start("a", "ingest,stream", java.util.Map.of("EC_DB_PATH", nodeADb.toString()));
    publisher = cluster.joinCluster();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  @DisplayName("a plain Vert.x publisher's 1000 events are acknowledged, queryable through A's REST and streamed")
  void publisherEventsAreStoredQueryableAndStreamed() throws Exception {
    int total = 1000;
    Set<String> streamed = ConcurrentHashMap.newKeySet();
    Promise<Void> allStreamed = Promise.promise();
    MessageConsumer<JsonObject> consumer = publisher.eventBus().consumer("events.stream", message -> {
      JsonObject event = message.body();
      if ("bus-it".equals(event.getString("source_component")) && streamed.add(event.getString("event_id"))
        && streamed.size() == total) {
        allStreamed.tryComplete();
      }
    });
    consumer.completion().await(30, TimeUnit.SECONDS);
    // A's WebSocket clients get B's commits through events.storage.committed: objects encoded by
    // the collector's codec on B and decoded on A.
    Set<String> framed = ConcurrentHashMap.newKeySet();
    Promise<Void> allFramed = Promise.promise();
    io.vertx.core.http.WebSocket socket = publisher.createWebSocketClient()
      .connect(nodeA.port, "127.0.0.1", "/events/stream?source_system=mahavishnu").await(30, TimeUnit.SECONDS);
    socket.textMessageHandler(text -> {
      JsonObject event = new JsonObject(text);
      if ("bus-it".equals(event.getString("source_component")) && framed.add(event.getString("event_id"))
        && framed.size() == total) {
        allFramed.tryComplete();
      }
    });

    List<Future<JsonObject>> acks = new ArrayList<>();
    Set<String> ids = new HashSet<>();
    DeliveryOptions timeout = new DeliveryOptions().setSendTimeout(30_000);
    for (int i = 0; i < total; i++) {
      String id = "bus-" + i;
      ids.add(id);
      JsonObject event = new JsonObject().put("event_id", id).put("source_system", "mahavishnu")
        .put("event_type", "workflow.started").put("source_component", "bus-it").put("title", "event " + i);
      acks.add(publisher.eventBus().<JsonObject>request("events.ingest", event, timeout).map(m -> m.body()));
    }
    Future.all(acks).await(60, TimeUnit.SECONDS);
    for (Future<JsonObject> ack : acks) {
      assertEquals("collected", ack.result().getString("status"));
    }

    allStreamed.future().await(30, TimeUnit.SECONDS);
    assertEquals(ids, streamed);
    allFramed.future().await(30, TimeUnit.SECONDS);
    assertEquals(ids, framed);
    socket.close();

    WebClient web = cluster.web();
    JsonObject count = web.get(nodeA.port, "127.0.0.1", "/events/count?source_component=bus-it").send()
      .await(30, TimeUnit.SECONDS).bodyAsJsonObject();
    assertEquals(total, count.getLong("count"));
    JsonObject page = web.get(nodeA.port, "127.0.0.1", "/events?source_component=bus-it&limit=1000").send()
      .await(30, TimeUnit.SECONDS).bodyAsJsonObject();
    Set<String> queried = new HashSet<>();
    page.getJsonArray("events").forEach(e -> queried.add(((JsonObject) e).getString("event_id")));
    assertEquals(ids, queried);
    consumer.unregister().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("events.ingest answers failures with the REST codes: 400 for an invalid event, batch answers as REST")
  void busIngestAnswersLikeRest() throws Exception {
    Throwable invalid = waitFailure(publisher.eventBus()
      .request("events.ingest", new JsonObject().put("source_system", "nope").put("event_type", "x")));
    ReplyException reply = assertInstanceOf(ReplyException.class, invalid);
    assertEquals(ReplyFailure.RECIPIENT_FAILURE, reply.failureType());
    assertEquals(400, reply.failureCode());

    JsonObject batch = publisher.eventBus().<JsonObject>request("events.ingest", new JsonArray()
        .add(new JsonObject().put("source_system", "akosha").put("event_type", "ok"))
        .add(new JsonObject().put("source_system", "akosha")))
      .await(30, TimeUnit.SECONDS).body();
    assertEquals(1, batch.getInteger("collected"));
    assertEquals(1, batch.getInteger("failed"));
    assertEquals(1, batch.getJsonArray("errors").getJsonObject(0).getInteger("index"));
  }

  @Test
  @DisplayName("a node without role storage holds no database")
  void ingestNodeHoldsNoDatabase() throws Exception {
    assertFalse(Files.exists(nodeADb), "node A created " + nodeADb);
    assertTrue(Files.exists(cluster.dbPath()));
    String health = cluster.web().get(nodeA.port, "127.0.0.1", "/health").send().await(30, TimeUnit.SECONDS).bodyAsString();
    assertTrue(health.contains("healthy"), health);
  }

  private static Throwable waitFailure(Future<?> future) {
    try {
      future.await(30, TimeUnit.SECONDS);
      return null;
    } catch (Exception e) {
      return future.cause() != null ? future.cause() : e;
    }
  }
}
