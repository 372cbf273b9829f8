package org.eventcollector.ingest;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;
import org.eventcollector.TestCollector.Response;
import org.eventcollector.bus.Addresses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A date that does not exist is refused wherever a time is taken, never read as another date. */
class StrictTimesTest {

  @TempDir
  Path dir;
  TestCollector collector;

  @BeforeEach
  void start() {
    collector = TestCollector.start(TestCollector.config(dir, "sqlite"));
  }

  @AfterEach
  void stop() {
    collector.close();
  }

  private static JsonObject event(String timestamp) {
    return new JsonObject().put("source_system", "oneiric").put("event_type", "dated").put("timestamp", timestamp);
  }

  @ParameterizedTest
  @ValueSource(strings = {"2025-02-30T00:00:00Z", "2025-02-31T12:00:00Z", "2025-04-31T00:00:00+02:00", "2025-02-29T00:00:00Z",
    "2025-13-01T00:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01T23:60:00Z"})
  void refusesAnImpossibleTimestampInAnEventOrABatch(String time) {
    Response one = collector.post("/events", event(time));
    assertEquals(400, one.status(), one.toString());
    assertEquals("timestamp", one.json().getString("field"));
    Response batch = collector.post("/events/batch", new JsonArray().add(event(time)).add(event("2024-02-29T00:00:00Z")));
    assertEquals(201, batch.status(), batch.toString());
    assertEquals(1, batch.json().getInteger("collected"));
    assertEquals("timestamp", batch.json().getJsonArray("errors").getJsonObject(0).getString("field"));
    assertEquals(1, collector.get("/events/count").json().getInteger("count"), "only the leap day of 2024 is stored");
  }

  @Test
  void keepsTheLeapDayOfALeapYear() {
    String id = collector.ingest(event("2024-02-29T10:00:00Z"));
    assertEquals("2024-02-29T10:00:00.000Z", collector.get("/events/" + id).json().getString("timestamp"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/events?start_time=", "/events?end_time=", "/events/count?start_time=", "/events/stats?end_time=",
    "/events/stats?start_time="})
  void refusesAnImpossibleTimeInAQueryParameter(String prefix) {
    Response response = collector.get(prefix + "2025-02-30T00:00:00Z");
    assertEquals(400, response.status(), prefix + " " + response);
    String parameter = prefix.substring(prefix.indexOf('?') + 1, prefix.length() - 1);
    assertEquals(parameter, response.json().getString("field"));
    assertTrue(response.json().getString("error").startsWith(parameter), response.toString());
  }

  @Test
  void refusesAnImpossibleTimeInADelete() {
    collector.ingest(event("2025-02-27T00:00:00Z"));
    Response response = collector.send(HttpMethod.DELETE, "/events?before=2025-02-30T00:00:00Z", null, null, Map.of());
    assertEquals(400, response.status(), response.toString());
    assertEquals("before", response.json().getString("field"));
    assertEquals(1, collector.get("/events/count").json().getInteger("count"));
  }

  @Test
  void refusesAnImpossibleTimeOnTheBus() throws Exception {
    assertBusRefuses(Addresses.INGEST, event("2025-02-30T00:00:00Z"), "timestamp");
    assertBusRefuses(Addresses.QUERY, new JsonObject().put("start_time", "2025-02-30T00:00:00Z"), "start_time");
    assertBusRefuses(Addresses.COUNT, new JsonObject().put("end_time", "2025-04-31T00:00:00Z"), "end_time");
    assertBusRefuses(Addresses.STATS, new JsonObject().put("end_time", "2025-02-29T00:00:00Z"), "end_time");
    assertEquals(0, collector.get("/events/count").json().getInteger("count"));
  }

  private void assertBusRefuses(String address, JsonObject body, String field) throws Exception {
    CompletableFuture<Object> answer = collector.vertx().eventBus().request(address, body)
      .map(m -> m.body()).toCompletionStage().toCompletableFuture();
    ExecutionException failed = assertThrows(ExecutionException.class, () -> answer.get(30, TimeUnit.SECONDS), address);
    ReplyException reply = assertInstanceOf(ReplyException.class, failed.getCause());
    assertEquals(400, reply.failureCode(), address + ": " + reply.getMessage());
    assertTrue(reply.getMessage().startsWith(field), address + ": " + reply.getMessage());
  }
}
