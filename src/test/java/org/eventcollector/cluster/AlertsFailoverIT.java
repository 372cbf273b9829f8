package org.eventcollector.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two analysis nodes (one evaluates alert rules, the other stands by) and a storage and ingest
 * node; a webhook receiver in this JVM. The evaluating node is killed with SIGKILL between the
 * firing and the resolution of a rule: the standby takes over, and each change is notified exactly
 * once.
 */
class AlertsFailoverIT {

  private static final String LOCK = Pattern.quote(org.eventcollector.cluster.Ownership.ALERTS);

  private static ClusterFixture cluster;
  private static ClusterFixture.Node store;
  private static ClusterFixture.Node first;
  private static ClusterFixture.Node second;
  private static Vertx local;
  private static WebClient web;
  private static final List<JsonObject> received = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startCluster() throws Exception {
    local = Vertx.vertx();
    HttpServer receiver = local.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      received.add(body.toJsonObject());
      request.response().setStatusCode(204).end();
    })).listen(0, "127.0.0.1").await(20, TimeUnit.SECONDS);
    web = WebClient.create(local);
    Map<String, String> env = new HashMap<>();
    env.put("EC_ALERTS_WEBHOOKS", "http://127.0.0.1:" + receiver.actualPort() + "/hook");
    cluster = new ClusterFixture("alerts");
    store = cluster.start("store", "storage,ratelimit,ingest", env);
    first = cluster.start("first", "analysis", env);
    first.await(Pattern.compile("Owner of " + LOCK), 30);
    second = cluster.start("second", "analysis", env);
    second.await(Pattern.compile("Standby for " + LOCK), 30);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
    local.close().await(20, TimeUnit.SECONDS);
  }

  private static int send(String method, String uri, JsonObject body) throws Exception {
    var request = web.request(io.vertx.core.http.HttpMethod.valueOf(method), store.port, "127.0.0.1", uri);
    var response = body == null ? request.send() : request.putHeader("Content-Type", "application/json").sendJsonObject(body);
    return response.await(20, TimeUnit.SECONDS).statusCode();
  }

  private static void until(int seconds, BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within " + seconds + " s: " + what + "; received " + received);
      }
      Thread.sleep(100); // polling other processes
    }
  }

  private static long count(String state) {
    return received.stream().filter(note -> state.equals(note.getString("state"))).count();
  }

  @Test
  @DisplayName("killing the evaluating node: the standby takes over the rules, and each change is notified once")
  void standbyEvaluatorTakesOverAndNotifiesEachChangeOnce() throws Exception {
    JsonObject rule = new JsonObject().put("kind", "absence").put("window_minutes", 1).put("every_seconds", 1)
      .put("query", new JsonObject().put("event_type", "heartbeat"));
    assertEquals(200, send("PUT", "/alerts/heartbeat", rule));
    // No heartbeat yet: the rule fires, once, though two analysis nodes run.
    until(30, () -> count("firing") == 1, "the firing notification");
    assertTrue(first.logText().contains("Alert rule heartbeat is firing"));
    assertTrue(!second.logText().contains("Alert rule heartbeat"), "the standby evaluated nothing");

    // Killed once its deliveries are done: a delivery cut short would be made again (at least once).
    Vertx member = cluster.joinCluster();
    until(30, () -> outboxEmpty(member), "the first evaluator's outbox drained");
    first.kill();
    second.await(Pattern.compile("Owner of " + LOCK), 60);
    assertEquals(201, send("POST", "/events", new JsonObject().put("source_system", "akosha").put("event_type", "heartbeat")));
    until(60, () -> count("ok") == 1, "the resolution notification from the new evaluator");
    assertTrue(second.logText().contains("Alert rule heartbeat is ok"));
    // Once the outbox is empty nothing more can be delivered: one delivery per change.
    until(30, () -> {
      try {
        return eventsCount() == 2 && outboxEmpty(member);
      } catch (Exception e) {
        return false;
      }
    }, "both alert events stored and the outbox drained");
    assertEquals(2, received.size(), received.toString());
    assertEquals(2, received.stream().map(note -> note.getString("delivery_id")).distinct().count());
  }

  private static boolean outboxEmpty(Vertx member) {
    try {
      return member.eventBus().<JsonObject>request(org.eventcollector.bus.Addresses.ALERTS_DUE,
          new JsonObject().put("now", Long.MAX_VALUE).put("limit", 10))
        .await(20, TimeUnit.SECONDS).body().getJsonArray("entries").isEmpty();
    } catch (Exception e) {
      return false;
    }
  }

  private static long eventsCount() throws Exception {
    return web.get(store.port, "127.0.0.1", "/events/count?event_type=alert.fired,alert.resolved").send()
      .await(20, TimeUnit.SECONDS).bodyAsJsonObject().getLong("count");
  }
}
