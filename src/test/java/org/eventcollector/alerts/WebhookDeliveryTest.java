package org.eventcollector.alerts;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;
import org.eventcollector.bus.Addresses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Webhooks: a real HTTP receiver gets each notification, also after having been down, once per delivery id. */
class WebhookDeliveryTest {

  @TempDir
  Path dir;

  private final Vertx receiverVertx = Vertx.vertx();
  private final List<JsonObject> received = new CopyOnWriteArrayList<>();
  private AlertNode alerts;

  @AfterEach
  void stop() {
    if (alerts != null) {
      alerts.close();
    }
    TestCollector.await(receiverVertx.close());
  }

  /** A receiver on {@code port} (0: any) that answers 204 to every notification and records it. */
  private HttpServer receiver(int port) {
    return TestCollector.await(receiverVertx.createHttpServer()
      .requestHandler(request -> request.body().onSuccess(body -> {
        received.add(body.toJsonObject());
        request.response().setStatusCode(204).end();
      }))
      .listen(port, "127.0.0.1"));
  }

  private void putFiringRule() {
    JsonObject rule = new JsonObject().put("kind", "absence").put("window_minutes", 5)
      .put("query", new JsonObject().put("event_type", "never.sent"));
    assertEquals(200, alerts.putRule("silent", rule).status());
  }

  @Test
  void receiverGetsTheNotificationWithADeliveryId() {
    HttpServer server = receiver(0);
    String url = "http://127.0.0.1:" + server.actualPort() + "/hook";
    alerts = AlertNode.start(AlertNode.withWebhooks(AlertNode.config(dir), url), System.currentTimeMillis());
    putFiringRule();
    Poll.until(20, () -> received.size() == 1, received::toString);
    JsonObject note = received.get(0);
    assertEquals("silent", note.getString("rule"));
    assertEquals("firing", note.getString("state"));
    assertEquals(0, note.getInteger("value"));
    assertEquals(new JsonArray(), note.getJsonArray("sample"));
    assertNotNull(note.getString("delivery_id"));
    Poll.until(10, () -> alerts.notes("silent").size() == 1, alerts.published::toString);
    // The webhook gets the bus notification plus its delivery id.
    assertEquals(alerts.notes("silent").get(0), without(note));
  }

  private static JsonObject without(JsonObject note) {
    JsonObject copy = note.copy();
    copy.remove("delivery_id");
    return copy;
  }

  @Test
  void notificationToAReceiverThatIsDownIsDeliveredOnceItIsBack() {
    // A port nobody listens on, until the receiver comes up there.
    HttpServer probe = receiver(0);
    int port = probe.actualPort();
    TestCollector.await(probe.close());
    alerts = AlertNode.start(AlertNode.withWebhooks(AlertNode.config(dir), "http://127.0.0.1:" + port + "/hook"),
      System.currentTimeMillis());
    putFiringRule();
    Poll.until(20, () -> failedAttempts() >= 2, () -> "no failed attempts: " + metrics());
    assertTrue(received.isEmpty());

    receiver(port);
    Poll.until(30, () -> received.size() >= 1, () -> "not delivered; " + metrics());
    // Once the outbox is empty nothing more can arrive: each delivery id came exactly once.
    Poll.until(30, () -> outboxEmpty(), () -> "outbox not empty");
    Map<String, Integer> perId = new HashMap<>();
    received.forEach(note -> perId.merge(note.getString("delivery_id"), 1, Integer::sum));
    assertEquals(Map.of(received.get(0).getString("delivery_id"), 1), perId);
    assertEquals("silent", received.get(0).getString("rule"));
  }

  private String metrics() {
    return alerts.node.get("/metrics").body().toString();
  }

  private double failedAttempts() {
    for (String line : metrics().split("\n")) {
      if (line.startsWith("event_collector_alert_notifications_failed_total{target=\"webhook\"}")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }

  private boolean outboxEmpty() {
    JsonObject request = new JsonObject().put("now", Long.MAX_VALUE).put("limit", 10);
    return TestCollector.await(alerts.node.vertx().eventBus().<JsonObject>request(Addresses.ALERTS_DUE, request))
      .body().getJsonArray("entries").isEmpty();
  }
}
