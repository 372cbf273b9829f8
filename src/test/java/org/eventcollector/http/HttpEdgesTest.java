package org.eventcollector.http;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;
import org.eventcollector.TestCollector.Response;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HEAD, OPTIONS, CORS, query strings and the field named in a 400: what load balancers and browsers meet. */
class HttpEdgesTest {

  @TempDir
  Path dir;
  TestCollector collector;

  private void start(JsonArray corsOrigins) {
    JsonObject config = TestCollector.config(dir, "memory");
    Config.set(config, ConfigKeys.Http.CORS_ORIGINS, corsOrigins);
    collector = TestCollector.start(config);
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  @Test
  void answersHeadWhereverGetIsServedWithoutABody() {
    start(new JsonArray());
    for (String path : new String[] {"/health", "/metrics", "/openapi.json", "/events/count", "/events?limit=1", "/rate-limits"}) {
      Response head = collector.send(HttpMethod.HEAD, path, null, null, Map.of());
      assertEquals(200, head.status(), path + " " + head);
      assertTrue(head.body() == null || head.body().length() == 0, path);
    }
    assertEquals(404, collector.send(HttpMethod.HEAD, "/events/missing", null, null, Map.of()).status());
    Response wrong = collector.send(HttpMethod.HEAD, "/events/batch", null, null, Map.of());
    assertEquals(405, wrong.status());
  }

  @Test
  void answersOptionsWithTheMethodsOfThePathAndNoCorsByDefault() {
    start(new JsonArray());
    Response options = collector.send(HttpMethod.OPTIONS, "/events", null, null,
      Map.of("Origin", "http://elsewhere.example", "Access-Control-Request-Method", "POST"));
    assertEquals(204, options.status(), options.toString());
    assertEquals("GET, HEAD, POST, DELETE, OPTIONS", options.headers().get("Allow"));
    assertNull(options.headers().get("Access-Control-Allow-Origin"));
    Response get = collector.send(HttpMethod.GET, "/events/count", null, null, Map.of("Origin", "http://elsewhere.example"));
    assertEquals(200, get.status());
    assertNull(get.headers().get("Access-Control-Allow-Origin"));
  }

  @Test
  void answersCorsForTheConfiguredOriginsOnly() {
    start(new JsonArray().add("http://console.example"));
    Response preflight = collector.send(HttpMethod.OPTIONS, "/events/batch", null, null,
      Map.of("Origin", "http://console.example", "Access-Control-Request-Method", "POST",
        "Access-Control-Request-Headers", "content-type, authorization"));
    assertEquals(204, preflight.status());
    assertEquals("http://console.example", preflight.headers().get("Access-Control-Allow-Origin"));
    assertTrue(preflight.headers().get("Access-Control-Allow-Methods").contains("POST"));
    assertTrue(preflight.headers().get("Access-Control-Allow-Headers").toLowerCase().contains("content-type"));
    Response post = collector.send(HttpMethod.POST, "/events", new JsonObject().put("source_system", "akosha").put("event_type", "cors")
      .toBuffer(), "application/json", Map.of("Origin", "http://console.example"));
    assertEquals(201, post.status());
    assertEquals("http://console.example", post.headers().get("Access-Control-Allow-Origin"));
    Response other = collector.send(HttpMethod.GET, "/events/count", null, null, Map.of("Origin", "http://evil.example"));
    assertEquals(200, other.status());
    assertNull(other.headers().get("Access-Control-Allow-Origin"));
  }

  @Test
  void keepsASemicolonInsideAQueryValue() {
    start(new JsonArray());
    collector.ingest(new JsonObject().put("source_system", "akosha").put("event_type", "semi").put("correlation_id", "a;b"));
    collector.ingest(new JsonObject().put("source_system", "akosha").put("event_type", "semi").put("correlation_id", "a"));
    Response count = collector.get("/events/count?correlation_id=a;b");
    assertEquals(200, count.status(), count.toString());
    assertEquals(1, count.json().getInteger("count"));
    assertEquals(1, collector.get("/events?correlation_id=a;b").json().getInteger("count"));
  }

  @Test
  void namesTheFieldOfAReversedRangeAndOfANegativeRate() {
    start(new JsonArray());
    Response stats = collector.get("/events/stats?start_time=2026-02-02T00:00:00Z&end_time=2026-02-01T00:00:00Z");
    assertEquals(400, stats.status(), stats.toString());
    assertEquals("start_time", stats.json().getString("field"));
    Response query = collector.get("/events?start_time=2026-02-02T00:00:00Z&end_time=2026-02-01T00:00:00Z");
    assertEquals(400, query.status());
    assertEquals("start_time", query.json().getString("field"));
    Response rate = collector.send(HttpMethod.PUT, "/rate-limits/akosha", new JsonObject().put("per_second", -1).put("burst", 10).toBuffer(),
      "application/json", Map.of());
    assertEquals(400, rate.status(), rate.toString());
    assertEquals("per_second", rate.json().getString("field"));
    Response burst = collector.send(HttpMethod.PUT, "/rate-limits/akosha", new JsonObject().put("per_second", 1).put("burst", -5).toBuffer(),
      "application/json", Map.of());
    assertEquals(400, burst.status());
    assertEquals("burst", burst.json().getString("field"));
  }
}
