package org.eventcollector.ingest;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.github.loki4j.pkg.loki.protobuf.Push;
import com.github.loki4j.pkg.google.protobuf.Timestamp;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.SecurityFixtures;
import org.eventcollector.TestCollector;
import org.eventcollector.TestCollector.Response;
import org.eventcollector.config.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xerial.snappy.Snappy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /loki/api/v1/push} fed by the loki4j Logback appender and by hand-made pushes. */
class LokiPushTest {

  @TempDir
  Path dir;
  TestCollector collector;

  void start(Consumer<JsonObject> tweak) {
    JsonObject config = TestCollector.config(dir, "sqlite");
    tweak.accept(config);
    collector = TestCollector.start(config);
  }

  @AfterEach
  void stop() {
    if (collector != null) {
      collector.close();
    }
  }

  /** A Logback context of its own whose only appender is loki4j, aimed at this node. */
  LoggerContext loki4j(boolean protobuf, String layout) throws Exception {
    String xml = """
      <configuration>
        <appender name="LOKI" class="com.github.loki4j.logback.Loki4jAppender">
          <http>
            <url>http://127.0.0.1:%d/loki/api/v1/push</url>
            <useProtobufApi>%s</useProtobufApi>
          </http>
          <batch><timeoutMs>50</timeoutMs><drainOnStop>true</drainOnStop></batch>
          <labels>
            service_name = Session-Buddy
            level = %%level
            event_type = app.log
            env = test
          </labels>
          <structuredMetadata>
            logger = %%logger
          </structuredMetadata>
          %s
        </appender>
        <root level="DEBUG"><appender-ref ref="LOKI"/></root>
      </configuration>
      """.formatted(collector.port(), protobuf, layout);
    LoggerContext context = new LoggerContext();
    context.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    return context;
  }

  @ParameterizedTest(name = "protobuf={0}")
  @ValueSource(booleans = {false, true})
  void loki4jLinesAreStoredAsMapped(boolean protobuf) throws Exception {
    start(config -> { });
    try (StreamTap tap = new StreamTap(collector, "?source_system=session_buddy")) {
      LoggerContext context = loki4j(protobuf,
        "<message class=\"ch.qos.logback.classic.PatternLayout\"><pattern>%msg</pattern></message>");
      long before = System.currentTimeMillis();
      context.getLogger("shop.Checkout").info("order placed");
      context.getLogger("shop.Checkout").warn("stock low\nsku 9 has 2 left");
      context.getLogger("shop.Payments").error("payment failed");
      context.stop();
      List<JsonObject> streamed = tap.take(3);
      JsonArray stored = collector.get("/events?source_system=session_buddy&sort_by=timestamp&sort_order=asc").json()
        .getJsonArray("events");
      assertEquals(3, stored.size(), stored.encodePrettily());
      assertTrue(stored.stream().allMatch(streamed::contains), "every stored event was streamed");

      JsonObject warn = find(stored, "stock low");
      assertEquals(new JsonObject()
        .put("event_id", warn.getString("event_id"))
        .put("timestamp", warn.getString("timestamp"))
        .put("source_system", "session_buddy")
        .put("event_type", "app.log")
        .put("severity", "warning")
        .put("title", "stock low")
        .put("description", "stock low\nsku 9 has 2 left")
        .putNull("correlation_id")
        .putNull("source_component")
        .putNull("duration_ms")
        .put("data", new JsonObject())
        .put("tags", new JsonArray())
        .put("metadata", new JsonObject().put("labels", new JsonObject().put("env", "test"))
          .put("structured_metadata", new JsonObject().put("logger", "shop.Checkout"))), warn);
      long at = org.eventcollector.event.Event.parseTime(warn.getString("timestamp"));
      assertTrue(at >= before - 1000 && at <= System.currentTimeMillis(), "the line's own time: " + warn);
      assertEquals("info", find(stored, "order placed").getString("severity"));
      assertEquals("error", find(stored, "payment failed").getString("severity"));
    }
  }

  @Test
  void loki4jJsonLayoutLinesGiveTheirMessageAndFields() throws Exception {
    start(config -> { });
    try (StreamTap tap = new StreamTap(collector, "?source_system=session_buddy")) {
      LoggerContext context = loki4j(true, "<message class=\"com.github.loki4j.logback.JsonLayout\"/>");
      context.getLogger("shop.Checkout").info("cart saved");
      context.stop();
      JsonObject event = tap.take(1).get(0);
      assertEquals("cart saved", event.getString("title"));
      JsonObject data = event.getJsonObject("data");
      assertFalse(data.containsKey("message"), data.encode());
      assertTrue(data.encode().contains("shop.Checkout"), "the line's other fields are the data: " + data.encode());
    }
  }

  static JsonObject find(JsonArray events, String title) {
    return events.stream().map(JsonObject.class::cast).filter(e -> e.getString("title").equals(title)).findFirst()
      .orElseThrow(() -> new AssertionError("no event titled " + title + " in " + events.encodePrettily()));
  }

  Response push(Buffer body, String type, Map<String, String> headers) {
    return collector.send(HttpMethod.POST, "/loki/api/v1/push", body, type, headers);
  }

  Response pushJson(JsonObject body) {
    return push(body.toBuffer(), "application/json", Map.of());
  }

  static JsonObject stream(JsonObject labels, JsonArray... values) {
    JsonArray all = new JsonArray();
    Arrays.stream(values).forEach(all::add);
    return new JsonObject().put("stream", labels).put("values", all);
  }

  static JsonArray value(String nanos, String line) {
    return new JsonArray().add(nanos).add(line);
  }

  long count(String query) {
    return collector.get("/events/count" + query).json().getLong("count");
  }

  @Test
  void jsonPushMapsLabelsLinesAndStructuredMetadata() {
    start(config -> { });
    JsonObject push = new JsonObject().put("streams", new JsonArray()
      .add(stream(new JsonObject().put("job", "akosha").put("detected_level", "ERROR").put("host", "h1"),
        value("1795000000123456789", "{\"msg\":\"disk full\",\"disk\":\"/var\",\"free\":0}")
          .add(new JsonObject().put("trace_id", "abc")),
        value("1795000000200000000", "plain text line")))
      .add(stream(new JsonObject().put("system", "Oneiric").put("service_name", "mahavishnu").put("level", "warn")
          .put("event_type", "deploy.finished"),
        value("1795000000300000000", "{\"message\":\"rolled out\"}"))));
    Response response = pushJson(push);
    assertEquals(204, response.status(), response.toString());

    JsonArray akosha = collector.get("/events?source_system=akosha&sort_by=timestamp&sort_order=asc").json().getJsonArray("events");
    JsonObject first = akosha.getJsonObject(0);
    assertEquals("2026-11-18T11:06:40.123Z", first.getString("timestamp"));
    assertEquals("error", first.getString("severity"));
    assertEquals("log", first.getString("event_type"));
    assertEquals("disk full", first.getString("title"));
    assertEquals("", first.getString("description"));
    assertEquals(new JsonObject().put("disk", "/var").put("free", 0), first.getJsonObject("data"));
    assertEquals(new JsonObject().put("labels", new JsonObject().put("host", "h1"))
      .put("structured_metadata", new JsonObject().put("trace_id", "abc")), first.getJsonObject("metadata"));
    JsonObject second = akosha.getJsonObject(1);
    assertEquals("plain text line", second.getString("title"));
    assertEquals(new JsonObject(), second.getJsonObject("data"));
    assertEquals(new JsonObject().put("labels", new JsonObject().put("host", "h1")), second.getJsonObject("metadata"));

    JsonObject deploy = collector.get("/events?source_system=mahavishnu").json().getJsonArray("events").getJsonObject(0);
    assertEquals("deploy.finished", deploy.getString("event_type"));
    assertEquals("warning", deploy.getString("severity"));
    assertEquals("rolled out", deploy.getString("title"));
    assertEquals(new JsonObject().put("system", "Oneiric"), deploy.getJsonObject("metadata").getJsonObject("labels"));
  }

  static byte[] protobufPush(String labels, String... lines) {
    Push.StreamAdapter.Builder stream = Push.StreamAdapter.newBuilder().setLabels(labels);
    for (String line : lines) {
      stream.addEntries(Push.EntryAdapter.newBuilder().setTimestamp(Timestamp.newBuilder().setSeconds(1_795_000_000L))
        .setLine(line));
    }
    return Push.PushRequest.newBuilder().addStreams(stream).build().toByteArray();
  }

  @Test
  void anInvalidLineOrBodyStoresNothingAndIsExplainedInText() throws Exception {
    start(config -> { });
    JsonObject mixed = new JsonObject().put("streams", new JsonArray()
      .add(stream(new JsonObject().put("job", "akosha"), value("1795000000000000000", "fine")))
      .add(stream(new JsonObject().put("job", "billing"), value("1795000000000000000", "unknown system"))));
    Response invalid = pushJson(mixed);
    assertEquals(400, invalid.status());
    assertTrue(invalid.headers().get("Content-Type").startsWith("text/plain"));
    assertTrue(invalid.body().toString().contains("unknown source_system 'billing'"), invalid.toString());

    Response noLabel = pushJson(new JsonObject().put("streams", new JsonArray()
      .add(stream(new JsonObject().put("app", "x"), value("1795000000000000000", "who?")))));
    assertEquals(400, noLabel.status());
    assertTrue(noLabel.body().toString().contains("no service_name, job or system label"), noLabel.toString());

    assertEquals(400, pushJson(new JsonObject().put("streams", new JsonArray()
      .add(stream(new JsonObject().put("job", "akosha"), value("yesterday", "bad time"))))).status());
    assertEquals(400, push(Buffer.buffer("{\"streams\": ["), "application/json", Map.of()).status());

    byte[] snappy = Snappy.compress(protobufPush("{job=\"akosha\"}", "one", "two"));
    Response truncated = push(Buffer.buffer(Arrays.copyOf(snappy, snappy.length - 4)), "application/x-protobuf", Map.of());
    assertEquals(400, truncated.status(), truncated.toString());
    Response notProtobuf = push(Buffer.buffer(Snappy.compress(new byte[] {0x0a, (byte) 0xff, 0x7f})), "application/x-protobuf", Map.of());
    assertEquals(400, notProtobuf.status(), notProtobuf.toString());
    Response badLabels = push(Buffer.buffer(Snappy.compress(protobufPush("{job=akosha}", "x"))), "application/x-protobuf", Map.of());
    assertEquals(400, badLabels.status());
    assertTrue(badLabels.body().toString().contains("label set"), badLabels.toString());

    // A snappy header promising 100 MiB is refused before anything is expanded.
    byte[] bomb = {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x32, 0x00, 0x00};
    assertEquals(413, push(Buffer.buffer(bomb), "application/x-protobuf", Map.of()).status());
    assertEquals(415, push(Buffer.buffer("x"), "text/csv", Map.of()).status());
    assertEquals(0, count(""));

    Response ok = push(Buffer.buffer(snappy), "application/x-protobuf", Map.of());
    assertEquals(204, ok.status(), ok.toString());
    assertEquals(2, count("?source_system=akosha"));
  }

  @Test
  void aPushTheRateLimitCannotTakeWholeIs429AndStoresNothing() {
    start(config -> {
      Config.set(config, "rate_limit.systems.oneiric.per_second", 0.001);
      Config.set(config, "rate_limit.systems.oneiric.burst", 2);
    });
    JsonObject three = new JsonObject().put("streams", new JsonArray().add(stream(new JsonObject().put("job", "oneiric"),
      value("1795000000000000000", "a"), value("1795000000000000001", "b"), value("1795000000000000002", "c"))));
    Response refused = pushJson(three);
    assertEquals(429, refused.status(), refused.toString());
    assertTrue(Integer.parseInt(refused.headers().get("Retry-After")) >= 1);
    assertEquals(0, count("?source_system=oneiric"));
    // The tokens granted to the refused push went back: two lines still fit.
    JsonObject two = new JsonObject().put("streams", new JsonArray().add(stream(new JsonObject().put("job", "oneiric"),
      value("1795000000000000000", "a"), value("1795000000000000001", "b"))));
    assertEquals(204, pushJson(two).status());
    assertEquals(2, count("?source_system=oneiric"));
  }

  @Test
  void aGzipJsonPushIsReadAndWithoutStorageItIs503() throws Exception {
    start(config -> { });
    JsonObject push = new JsonObject().put("streams", new JsonArray().add(stream(new JsonObject().put("job", "akosha"),
      value("1795000000000000000", "compressed"))));
    Response gzip = push(Buffer.buffer(NdjsonAndEncodingsTest.gzip(push.encode())), "application/json",
      Map.of("Content-Encoding", "gzip"));
    assertEquals(204, gzip.status(), gzip.toString());
    assertEquals(1, count("?source_system=akosha"));
    collector.close();
    collector = null;
    start(config -> config.put("roles", new JsonArray().add("ingest").add("ratelimit")));
    Response unavailable = pushJson(push);
    assertEquals(503, unavailable.status(), unavailable.toString());
    assertEquals("1", unavailable.headers().get("Retry-After"));
    assertTrue(unavailable.body().toString().startsWith("storage unavailable"), unavailable.toString());
  }

  @Test
  void pushesNeedAKeyForTheirSystem() throws Exception {
    SecurityFixtures.Key writer = SecurityFixtures.Key.of(List.of("akosha"), "ingest");
    SecurityFixtures.Key reader = SecurityFixtures.Key.of(List.of("akosha"), "read");
    Path keys = SecurityFixtures.keyFile(dir, List.of(writer, reader));
    start(config -> Config.set(config, "auth.api_keys_file", keys.toString()));
    Buffer akosha = Buffer.buffer(Snappy.compress(protobufPush("{job=\"akosha\"}", "x")));
    Buffer oneiric = Buffer.buffer(Snappy.compress(protobufPush("{job=\"oneiric\"}", "x")));
    assertEquals(401, push(akosha, "application/x-protobuf", Map.of()).status());
    assertEquals(403, push(akosha, "application/x-protobuf", Map.of("Authorization", "Bearer " + reader.secret())).status());
    assertEquals(403, push(oneiric, "application/x-protobuf", Map.of("Authorization", "Bearer " + writer.secret())).status());
    assertEquals(204, push(akosha, "application/x-protobuf", Map.of("Authorization", "Bearer " + writer.secret())).status());
    Response count = collector.send(HttpMethod.GET, "/events/count", null, null, Map.of("Authorization", "Bearer " + reader.secret()));
    assertEquals(1, count.json().getInteger("count"));
  }
}
