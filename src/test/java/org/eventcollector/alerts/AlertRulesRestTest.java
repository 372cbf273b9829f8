package org.eventcollector.alerts;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.eventcollector.SecurityFixtures;
import org.eventcollector.TestCollector;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** {@code /alerts} over REST: the stored shape, every refusal naming its field, not-found answers and scopes. */
class AlertRulesRestTest {

  @TempDir
  Path dir;

  private TestCollector node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private TestCollector.Response put(String name, JsonObject rule) {
    return SavedQueriesTest.put(node, "/alerts/" + name, rule);
  }

  private void refused(String name, JsonObject rule, String field) {
    TestCollector.Response response = put(name, rule);
    assertEquals(400, response.status(), response.toString());
    assertEquals(field, response.json().getString("field"), response.toString());
  }

  private static JsonObject threshold() {
    return new JsonObject().put("kind", "threshold").put("window_minutes", 10).put("value", 5);
  }

  @Test
  void ruleIsStoredWithDefaultsAndAnsweredWithItsState() {
    node = TestCollector.start(AlertNode.config(dir));
    TestCollector.Response stored = put("errors", threshold().put("query", new JsonObject().put("min_severity", "error")));
    assertEquals(200, stored.status(), stored.toString());
    JsonObject expected = new JsonObject().put("name", "errors").put("kind", "threshold")
      .put("query", new JsonObject().put("min_severity", "error")).put("window_minutes", 10).put("every_seconds", 60)
      .put("op", ">=").put("value", 5).put("description", "");
    JsonObject answer = stored.json();
    JsonObject state = (JsonObject) answer.remove("state");
    assertEquals(expected, answer);
    assertEquals("ok", state.getString("state"));
    assertNull(state.getValue("value"));
    JsonObject listed = node.get("/alerts").json().getJsonArray("alerts").getJsonObject(0);
    listed.remove("state");
    assertEquals(expected, listed);

    JsonObject anomaly = put("hourly", new JsonObject().put("kind", "anomaly")).json();
    assertEquals(null, anomaly.getValue("window_minutes"));
    assertEquals(3, anomaly.getInteger("sigma"));
    assertEquals(7, anomaly.getInteger("days"));
    assertEquals(30, put("fresh", new JsonObject().put("kind", "new_error_group").put("window_minutes", 5)).json().getInteger("days"));
    assertEquals(200, SavedQueriesTest.put(node, "/queries/beats", new JsonObject().put("params",
      new JsonObject().put("event_type", "heartbeat"))).status());
    assertEquals("beats", put("beat", new JsonObject().put("kind", "absence").put("window_minutes", 2).put("query", "beats"))
      .json().getString("query"));

    assertEquals(204, SavedQueriesTest.delete(node, "/alerts/errors").status());
    assertEquals(404, node.get("/alerts/errors").status());
    assertEquals(404, SavedQueriesTest.delete(node, "/alerts/errors").status());
    assertEquals(List.of("beat", "fresh", "hourly"), node.get("/alerts").json().getJsonArray("alerts").stream()
      .map(rule -> ((JsonObject) rule).getString("name")).toList());
  }

  @Test
  void badRulesAreRefusedNamingTheField() {
    node = TestCollector.start(AlertNode.config(dir));
    refused("Bad", threshold(), "name");
    refused("r", threshold().put("name", "other"), "name");
    refused("r", new JsonObject().put("window_minutes", 5), "kind");
    refused("r", threshold().put("kind", "sometimes"), "kind");
    refused("r", threshold().put("op", "=="), "op");
    refused("r", threshold().put("value", -1), "value");
    refused("r", threshold().put("value", "5"), "value");
    refused("r", new JsonObject().put("kind", "threshold").put("window_minutes", 10), "value");
    refused("r", new JsonObject().put("kind", "absence"), "window_minutes");
    refused("r", threshold().put("window_minutes", 0), "window_minutes");
    refused("r", threshold().put("every_seconds", 0), "every_seconds");
    refused("r", threshold().put("every_seconds", 3601), "every_seconds");
    refused("r", threshold().put("every_seconds", 1.5), "every_seconds");
    refused("r", threshold().put("sigma", 2), "sigma");
    refused("r", new JsonObject().put("kind", "anomaly").put("sigma", 0), "sigma");
    refused("r", new JsonObject().put("kind", "anomaly").put("days", 366), "days");
    refused("r", threshold().put("query", new JsonObject().put("hours", "1")), "query");
    refused("r", threshold().put("query", new JsonObject().put("severity", "loud")), "severity");
    refused("r", threshold().put("query", "no-such-query"), "query");
    refused("r", threshold().put("query", 5), "query");
    refused("r", threshold().put("description", 5), "description");
    assertEquals(415, node.send(HttpMethod.PUT, "/alerts/r", threshold().toBuffer(), "text/plain", Map.of()).status());
    assertEquals(400, node.send(HttpMethod.PUT, "/alerts/r", Buffer.buffer("[1]"), "application/json", Map.of()).status());
    assertEquals(404, node.get("/alerts/none").status());
    assertEquals(404, node.post("/alerts/none/silence", new JsonObject().put("minutes", 5)).status());
    assertEquals(405, node.send(HttpMethod.POST, "/alerts", Buffer.buffer("{}"), "application/json", Map.of()).status());

    assertEquals(200, put("r", threshold()).status());
    for (Object minutes : List.of(0, 10_081, "5", 1.5)) {
      TestCollector.Response response = node.post("/alerts/r/silence", new JsonObject().put("minutes", minutes));
      assertEquals(400, response.status(), response.toString());
      assertEquals("minutes", response.json().getString("field"));
    }
    assertEquals(200, node.post("/alerts/r/silence", new JsonObject().put("minutes", 10_080)).status());
  }

  @Test
  void readScopeReadsAndUsesAndAdminScopeChanges() throws Exception {
    SecurityFixtures.Key reader = SecurityFixtures.Key.of(List.of(), "read");
    SecurityFixtures.Key admin = SecurityFixtures.Key.of(List.of(), "admin");
    JsonObject config = AlertNode.config(dir);
    Config.set(config, ConfigKeys.Auth.API_KEYS_FILE, SecurityFixtures.keyFile(dir, List.of(reader, admin)).toString());
    node = TestCollector.start(config);
    JsonObject query = new JsonObject().put("params", new JsonObject().put("source_system", "akosha"));

    assertEquals(401, send(HttpMethod.GET, "/queries", null, null).status());
    assertEquals(403, send(HttpMethod.PUT, "/queries/q", query, reader).status());
    assertEquals(200, send(HttpMethod.PUT, "/queries/q", query, admin).status());
    assertEquals(200, send(HttpMethod.GET, "/queries/q", null, reader).status());
    assertEquals(403, send(HttpMethod.GET, "/queries/q", null, admin).status());
    assertEquals(200, send(HttpMethod.GET, "/events?saved=q", null, reader).status());
    assertEquals(403, send(HttpMethod.GET, "/events/count?saved=q", null, admin).status());

    assertEquals(403, send(HttpMethod.PUT, "/alerts/r", threshold(), reader).status());
    assertEquals(200, send(HttpMethod.PUT, "/alerts/r", threshold(), admin).status());
    assertEquals(200, send(HttpMethod.GET, "/alerts", null, reader).status());
    assertEquals(200, send(HttpMethod.GET, "/alerts/r", null, reader).status());
    assertEquals(403, send(HttpMethod.POST, "/alerts/r/silence", new JsonObject().put("minutes", 5), reader).status());
    assertEquals(200, send(HttpMethod.POST, "/alerts/r/silence", new JsonObject().put("minutes", 5), admin).status());
    assertEquals(403, send(HttpMethod.DELETE, "/alerts/r", null, reader).status());
    assertEquals(204, send(HttpMethod.DELETE, "/alerts/r", null, admin).status());
    assertEquals(403, send(HttpMethod.DELETE, "/queries/q", null, reader).status());
    assertEquals(204, send(HttpMethod.DELETE, "/queries/q", null, admin).status());
  }

  private TestCollector.Response send(HttpMethod method, String uri, JsonObject body, SecurityFixtures.Key key) {
    Map<String, String> headers = key == null ? Map.of() : Map.of("Authorization", "Bearer " + key.secret());
    return node.send(method, uri, body == null ? null : body.toBuffer(), body == null ? null : "application/json", headers);
  }
}
