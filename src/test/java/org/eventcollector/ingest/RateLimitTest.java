package org.eventcollector.ingest;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
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
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RateLimitTest {

  @TempDir
  Path dir;
  TestCollector collector;

  @BeforeEach
  void start() {
    JsonObject config = TestCollector.config(dir, "sqlite");
    // akosha: a bucket of 5 that refills one token every 100 s, so the test never sees a refill.
    Config.set(config, "rate_limit.systems.akosha.per_second", 0.01);
    Config.set(config, "rate_limit.systems.akosha.burst", 5);
    collector = TestCollector.start(config);
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  private static JsonObject event(String system) {
    return new JsonObject().put("source_system", system).put("event_type", "t");
  }

  @Test
  void refusesPastTheBurstWith429RetryAfterAndCountsRejections() {
    for (int i = 0; i < 5; i++) {
      assertEquals(201, collector.post("/events", event("akosha")).status());
    }
    Response limited = collector.post("/events", event("akosha"));
    assertEquals(429, limited.status());
    assertEquals("rate limit exceeded for akosha", limited.json().getString("error"));
    long retryMs = limited.json().getLong("retry_after_ms");
    assertTrue(retryMs > 90_000 && retryMs <= 100_000, "retry_after_ms " + retryMs);
    assertEquals(String.valueOf((retryMs + 999) / 1000), limited.headers().get("Retry-After"));
    assertEquals(201, collector.post("/events", event("mahavishnu")).status(), "other systems keep their own bucket");
    String metrics = collector.get("/metrics").body().toString();
    assertTrue(metrics.contains("event_collector_rate_limit_rejections_total{source_system=\"akosha\"} 1.0"), metrics);
  }

  @Test
  void chargesOnlyValidEventsAndFailsTheTailOfABatch() {
    JsonArray batch = new JsonArray();
    batch.add(new JsonObject().put("source_system", "akosha"));
    for (int i = 0; i < 8; i++) {
      batch.add(event("akosha").put("event_id", "r-" + i));
    }
    Response response = collector.post("/events/batch", batch);
    assertEquals(201, response.status());
    JsonObject body = response.json();
    assertEquals(5, body.getInteger("collected"));
    assertEquals(4, body.getInteger("failed"));
    JsonArray errors = body.getJsonArray("errors");
    assertEquals("event_type", errors.getJsonObject(0).getString("field"));
    for (int i = 1; i < 4; i++) {
      assertEquals("rate limit exceeded for akosha", errors.getJsonObject(i).getString("error"));
      assertEquals(5 + i, errors.getJsonObject(i).getInteger("index"));
    }
    assertEquals(404, collector.get("/events/r-5").status());
    assertEquals(200, collector.get("/events/r-4").status());

    Response none = collector.post("/events/batch", new JsonArray().add(event("akosha")).add(event("akosha")));
    assertEquals(429, none.status());
    assertTrue(Integer.parseInt(none.headers().get("Retry-After")) >= 1);
  }

  @Test
  void changesLimitsAtRunTime() {
    JsonObject limits = collector.get("/rate-limits").json().getJsonObject("limits");
    assertEquals(5, limits.getJsonObject("akosha").getInteger("burst"));
    assertEquals(1_000_000, limits.getJsonObject("mahavishnu").getInteger("per_second"));
    Response put = collector.send(HttpMethod.PUT, "/rate-limits/mahavishnu",
      Buffer.buffer(new JsonObject().put("per_second", 0.001).put("burst", 2).encode()), "application/json", Map.of());
    assertEquals(200, put.status(), put.toString());
    assertEquals(2, put.json().getInteger("burst"));
    assertEquals(2, collector.get("/rate-limits").json().getJsonObject("limits").getJsonObject("mahavishnu").getInteger("burst"));
    assertEquals(201, collector.post("/events", event("mahavishnu")).status());
    assertEquals(201, collector.post("/events", event("mahavishnu")).status());
    assertEquals(429, collector.post("/events", event("mahavishnu")).status());
    Response unknown = collector.send(HttpMethod.PUT, "/rate-limits/nobody",
      Buffer.buffer("{\"per_second\": 1, \"burst\": 1}"), "application/json", Map.of());
    assertEquals(404, unknown.status());
    Response bad = collector.send(HttpMethod.PUT, "/rate-limits/akosha",
      Buffer.buffer("{\"per_second\": \"fast\", \"burst\": 1}"), "application/json", Map.of());
    assertEquals(400, bad.status());
  }
}
