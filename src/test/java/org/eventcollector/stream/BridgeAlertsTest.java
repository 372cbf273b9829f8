package org.eventcollector.stream;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A browser's view of alerts: {@code events.alerts} is outbound on the SockJS bridge. */
@ExtendWith(VertxExtension.class)
class BridgeAlertsTest {

  @TempDir
  Path dir;
  private TestNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void ruleChangesArriveOverTheBridge(Vertx vertx, VertxTestContext test) throws Exception {
    node = TestNode.start(dir, config -> {
    });
    JsonObject rule = new JsonObject().put("kind", "absence").put("window_minutes", 5)
      .put("query", new JsonObject().put("event_type", "never.sent"));
    SockJsSession.open(node, vertx, "").onComplete(test.succeeding(session -> session.register("events.alerts")
      // Without the outbound permit the registration is refused and nothing arrives.
      .compose(v -> node.web.put(node.port, "127.0.0.1", "/alerts/bridge-rule").putHeader("Content-Type", "application/json")
        .sendJsonObject(rule))
      .compose(put -> session.await(m -> "events.alerts".equals(m.getString("address"))))
      .onComplete(test.succeeding(message -> test.verify(() -> {
        JsonObject note = message.getJsonObject("body");
        assertEquals("bridge-rule", note.getString("rule"));
        assertEquals("firing", note.getString("state"));
        assertEquals(0, note.getInteger("value"));
        test.completeNow();
      })))));
  }
}
