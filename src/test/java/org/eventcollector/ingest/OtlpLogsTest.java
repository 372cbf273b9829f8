package org.eventcollector.ingest;

import com.google.protobuf.ByteString;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.KeyValue;
import io.opentelemetry.api.common.Value;
import io.opentelemetry.api.logs.Logger;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporterBuilder;
import io.opentelemetry.exporter.otlp.internal.HttpExporterBuilder;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.BatchLogRecordProcessor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;
import org.eventcollector.TestCollector.Response;
import org.eventcollector.config.Config;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code POST /v1/logs} fed by the OpenTelemetry Java SDK's OTLP/HTTP exporter and by hand-made requests. */
class OtlpLogsTest {

  static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  static final String SPAN_ID = "00f067aa0ba902b7";

  @TempDir
  Path dir;
  TestCollector collector;

  TestCollector start(java.util.function.Consumer<JsonObject> tweak) {
    JsonObject config = TestCollector.config(dir, "sqlite");
    tweak.accept(config);
    collector = TestCollector.start(config);
    return collector;
  }

  @AfterEach
  void stop() {
    if (collector != null) {
      collector.close();
    }
  }

  /** The SDK's exporter aimed at this node: protobuf (its default) or its JSON encoding, with or without gzip. */
  static OtlpHttpLogRecordExporter exporter(int port, boolean json, boolean gzip, Map<String, String> headers) throws Exception {
    OtlpHttpLogRecordExporterBuilder builder = OtlpHttpLogRecordExporter.builder()
      .setEndpoint("http://127.0.0.1:" + port + "/v1/logs")
      .setCompression(gzip ? "gzip" : "none");
    headers.forEach(builder::addHeader);
    if (json) {
      // The SDK's HTTP/JSON exporter is switched on through its (public) internal builder.
      Field delegate = OtlpHttpLogRecordExporterBuilder.class.getDeclaredField("delegate");
      delegate.setAccessible(true);
      ((HttpExporterBuilder) delegate.get(builder)).exportAsJson();
    }
    return builder.build();
  }

  static SdkLoggerProvider provider(OtlpHttpLogRecordExporter exporter, String serviceName) {
    return SdkLoggerProvider.builder()
      .setResource(io.opentelemetry.sdk.resources.Resource.create(Attributes.of(
        AttributeKey.stringKey("service.name"), serviceName,
        AttributeKey.stringKey("deployment.environment"), "test")))
      .addLogRecordProcessor(BatchLogRecordProcessor.builder(exporter).setScheduleDelay(Duration.ofHours(1)).build())
      .build();
  }

  static void flush(SdkLoggerProvider provider) {
    CompletableResultCode flushed = provider.forceFlush().join(20, TimeUnit.SECONDS);
    assertTrue(flushed.isSuccess(), "the exporter's request succeeded");
    provider.shutdown().join(20, TimeUnit.SECONDS);
  }

  @ParameterizedTest(name = "json={0} gzip={1}")
  @CsvSource({"false,false", "false,true", "true,false", "true,true"})
  void sdkRecordsAreStoredAndStreamedAsMapped(boolean json, boolean gzip) throws Exception {
    start(config -> { });
    Instant at = Instant.parse("2026-11-22T13:00:00.123456789Z");
    try (StreamTap tap = new StreamTap(collector, "?source_system=session_buddy")) {
      SdkLoggerProvider provider = provider(exporter(collector.port(), json, gzip, Map.of()), "Session-Buddy");
      Logger logger = provider.loggerBuilder("com.example.checkout").setInstrumentationVersion("1.4.0").build();
      Context span = Span.wrap(SpanContext.create(TRACE_ID, SPAN_ID, TraceFlags.getSampled(), TraceState.getDefault()))
        .storeInContext(Context.root());
      logger.logRecordBuilder()
        .setContext(span)
        .setTimestamp(at)
        .setSeverity(Severity.ERROR)
        .setSeverityText("ERROR")
        .setBody("payment declined\nat Checkout.pay(Checkout.java:42)")
        .setAttribute(AttributeKey.stringKey("event.name"), "payment.declined")
        .setAttribute(AttributeKey.longKey("duration_ms"), 42L)
        .setAttribute(AttributeKey.stringArrayKey("tags"), List.of("checkout", "card"))
        .setAttribute(AttributeKey.stringKey("code.namespace"), "com.example.Checkout")
        .setAttribute(AttributeKey.stringKey("order.id"), "o-17")
        .setAttribute(AttributeKey.doubleKey("amount"), 12.5)
        .setAttribute(AttributeKey.booleanKey("retry"), true)
        .setAttribute("blob", Value.of(new byte[] {1, 2, 3}))
        .setAttribute(AttributeKey.stringKey("correlation_id"), "shadowed-by-the-trace")
        .emit();
      logger.logRecordBuilder()
        .setTimestamp(at.plusMillis(1))
        .setSeverityText("Warn")
        .setBody("cache warm")
        .setAttribute(AttributeKey.stringKey("correlation_id"), "order-17")
        .setAttribute(AttributeKey.stringKey("duration_ms"), "slow")
        .emit();
      logger.logRecordBuilder()
        .setTimestamp(at.plusMillis(2))
        .setSeverity(Severity.DEBUG2)
        .setEventName("cache.evicted")
        .setBody(Value.of(KeyValue.of("key", Value.of("user:9")), KeyValue.of("size", Value.of(3L))))
        .emit();
      flush(provider);

      List<JsonObject> streamed = tap.take(3);
      JsonArray stored = collector.get("/events?source_system=session_buddy&sort_by=timestamp&sort_order=asc").json()
        .getJsonArray("events");
      assertEquals(3, stored.size(), stored.encodePrettily());
      for (int i = 0; i < 3; i++) {
        assertEquals(stored.getJsonObject(i), streamed.get(i), "the stream carries the stored event");
      }

      JsonObject first = stored.getJsonObject(0);
      JsonObject resource = new JsonObject().put("deployment.environment", "test");
      JsonObject scope = new JsonObject().put("name", "com.example.checkout").put("version", "1.4.0");
      JsonObject expected = new JsonObject()
        .put("event_id", first.getString("event_id"))
        .put("timestamp", "2026-11-22T13:00:00.123Z")
        .put("source_system", "session_buddy")
        .put("event_type", "payment.declined")
        .put("severity", "error")
        .put("title", "payment declined")
        .put("description", "payment declined\nat Checkout.pay(Checkout.java:42)")
        .put("correlation_id", TRACE_ID)
        .put("source_component", "com.example.Checkout")
        .put("duration_ms", 42)
        .put("data", new JsonObject().put("order.id", "o-17").put("amount", 12.5).put("retry", true).put("blob", "AQID")
          .put("correlation_id", "shadowed-by-the-trace"))
        .put("tags", new JsonArray().add("checkout").add("card"))
        .put("metadata", new JsonObject().put("span_id", SPAN_ID).put("scope", scope).put("resource", resource));
      assertEquals(expected, first);

      JsonObject second = stored.getJsonObject(1);
      assertEquals(new JsonObject()
        .put("event_id", second.getString("event_id"))
        .put("timestamp", "2026-11-22T13:00:00.124Z")
        .put("source_system", "session_buddy")
        .put("event_type", "log")
        .put("severity", "warning")
        .put("title", "cache warm")
        .put("description", "")
        .put("correlation_id", "order-17")
        .put("source_component", "com.example.checkout")
        .putNull("duration_ms")
        .put("data", new JsonObject().put("duration_ms", "slow"))
        .put("tags", new JsonArray())
        .put("metadata", new JsonObject().put("scope", scope).put("resource", resource)), second);

      JsonObject third = stored.getJsonObject(2);
      assertEquals("cache.evicted", third.getString("event_type"));
      assertEquals("debug", third.getString("severity"));
      assertEquals(new JsonObject().put("key", "user:9").put("size", 3), new JsonObject(third.getString("title")));
      assertEquals("", third.getString("description"));
      assertEquals(new JsonObject(), third.getJsonObject("data"));
    }
  }

  static LogRecord.Builder record(String body) {
    return LogRecord.newBuilder().setTimeUnixNano(1_795_000_000_000_000_000L).setBody(AnyValue.newBuilder().setStringValue(body));
  }

  static ResourceLogs resource(String serviceName, LogRecord.Builder... records) {
    ScopeLogs.Builder scope = ScopeLogs.newBuilder().setScope(InstrumentationScope.newBuilder().setName("test"));
    for (LogRecord.Builder record : records) {
      scope.addLogRecords(record);
    }
    return ResourceLogs.newBuilder()
      .setResource(Resource.newBuilder().addAttributes(io.opentelemetry.proto.common.v1.KeyValue.newBuilder()
        .setKey("service.name").setValue(AnyValue.newBuilder().setStringValue(serviceName))))
      .addScopeLogs(scope).build();
  }

  Response post(Buffer body, String type, Map<String, String> headers) {
    return collector.send(HttpMethod.POST, "/v1/logs", body, type, headers);
  }

  Response postProtobuf(ExportLogsServiceRequest request) {
    return post(Buffer.buffer(request.toByteArray()), "application/x-protobuf", Map.of());
  }

  long count(String query) {
    return collector.get("/events/count" + query).json().getLong("count");
  }

  @Test
  void rejectedRecordsComeBackAsAPartialSuccessNamingTheFirstReason() throws Exception {
    start(config -> { });
    ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder()
      .addResourceLogs(resource("billing", record("from an unknown system")))
      .addResourceLogs(resource("akosha", record("kept"),
        record("bad type").addAttributes(io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey("event.name")
          .setValue(AnyValue.newBuilder().setStringValue("not a type!")))))
      .build();
    Response response = postProtobuf(request);
    assertEquals(200, response.status(), response.toString());
    assertEquals("application/x-protobuf", response.headers().get("Content-Type"));
    ExportLogsServiceResponse answer = ExportLogsServiceResponse.parseFrom(response.body().getBytes());
    assertEquals(2, answer.getPartialSuccess().getRejectedLogRecords());
    String message = answer.getPartialSuccess().getErrorMessage();
    assertTrue(message.contains("'billing' is not a configured system"), message);
    assertEquals(1, count("?source_system=akosha"));

    // The same request in the OTLP JSON encoding answers in JSON, with lowerCamelCase keys and int64 as a string.
    Response json = post(Buffer.buffer(com.google.protobuf.util.JsonFormat.printer().print(request)), "application/json", Map.of());
    assertEquals(200, json.status(), json.toString());
    assertTrue(json.headers().get("Content-Type").startsWith("application/json"));
    JsonObject partial = json.json().getJsonObject("partialSuccess");
    assertEquals("2", partial.getValue("rejectedLogRecords"));
    assertTrue(partial.getString("errorMessage").contains("billing"), partial.encode());
    assertEquals(2, count("?source_system=akosha"));

    // Everything accepted: an empty response.
    Response ok = postProtobuf(ExportLogsServiceRequest.newBuilder().addResourceLogs(resource("akosha", record("fine"))).build());
    assertEquals(200, ok.status());
    assertFalse(ExportLogsServiceResponse.parseFrom(ok.body() == null ? new byte[0] : ok.body().getBytes()).hasPartialSuccess());
    Response okJson = post(Buffer.buffer("{\"resourceLogs\":[]}"), "application/json", Map.of());
    assertEquals(new JsonObject(), okJson.json());
  }

  @Test
  void otlpJsonReadsHexIdsStringIntegersAndNumericEnums() {
    start(config -> { });
    JsonObject request = new JsonObject().put("resourceLogs", new JsonArray().add(new JsonObject()
      .put("resource", new JsonObject().put("attributes", new JsonArray().add(new JsonObject().put("key", "service.name")
        .put("value", new JsonObject().put("stringValue", "mahavishnu")))))
      .put("scopeLogs", new JsonArray().add(new JsonObject()
        .put("scope", new JsonObject().put("name", "wf"))
        .put("logRecords", new JsonArray().add(new JsonObject()
          .put("timeUnixNano", "1795000000123000000")
          .put("severityNumber", 21)
          .put("traceId", TRACE_ID.toUpperCase())
          .put("spanId", SPAN_ID)
          .put("body", new JsonObject().put("stringValue", "workflow crashed"))
          .put("attributes", new JsonArray().add(new JsonObject().put("key", "attempt")
            .put("value", new JsonObject().put("intValue", "3"))))
          .put("unknownField", true)))))));
    Response response = post(request.toBuffer(), "application/json", Map.of());
    assertEquals(200, response.status(), response.toString());
    JsonObject event = collector.get("/events?source_system=mahavishnu").json().getJsonArray("events").getJsonObject(0);
    assertEquals("critical", event.getString("severity"));
    assertEquals(TRACE_ID, event.getString("correlation_id"));
    assertEquals(SPAN_ID, event.getJsonObject("metadata").getString("span_id"));
    assertEquals("2026-11-18T11:06:40.123Z", event.getString("timestamp"));
    assertEquals(new JsonObject().put("attempt", 3), event.getJsonObject("data"));
    assertEquals("wf", event.getString("source_component"));
  }

  @Test
  void badBodiesAreRefusedAndNothingIsStored() throws Exception {
    start(config -> { });
    Response garbage = post(Buffer.buffer(new byte[] {0x0a, (byte) 0xff, 0x01, 0x02}), "application/x-protobuf", Map.of());
    assertEquals(400, garbage.status(), garbage.toString());
    assertEquals("application/x-protobuf", garbage.headers().get("Content-Type"));
    // The body is a google.rpc.Status: code 3 (INVALID_ARGUMENT) and the message.
    com.google.protobuf.CodedInputStream status = com.google.protobuf.CodedInputStream.newInstance(garbage.body().getBytes());
    assertEquals(1 << 3, status.readTag());
    assertEquals(3, status.readInt32());

    Response notJson = post(Buffer.buffer("{\"resourceLogs\": ["), "application/json", Map.of());
    assertEquals(400, notJson.status());
    assertEquals("body is not valid JSON", notJson.json().getString("error"));

    JsonObject badHex = new JsonObject().put("resourceLogs", new JsonArray().add(new JsonObject()
      .put("scopeLogs", new JsonArray().add(new JsonObject().put("logRecords", new JsonArray()
        .add(new JsonObject().put("traceId", "not-hex")))))));
    Response hex = post(badHex.toBuffer(), "application/json", Map.of());
    assertEquals(400, hex.status());
    assertEquals("traceId", hex.json().getString("field"));

    Response get = collector.get("/v1/logs");
    assertEquals(405, get.status());
    assertEquals("POST, OPTIONS", get.headers().get("Allow"));
    Response type = post(Buffer.buffer("x"), "text/plain", Map.of());
    assertEquals(415, type.status());
    Response coding = post(Buffer.buffer("x"), "application/x-protobuf", Map.of("Content-Encoding", "br"));
    assertEquals(415, coding.status());
    assertTrue(statusMessage(coding.body()).contains("Content-Encoding 'br'"), coding.toString());
    Response jsonCoding = post(Buffer.buffer("{}"), "application/json", Map.of("Content-Encoding", "zstd"));
    assertEquals(415, jsonCoding.status());
    assertEquals("Content-Encoding", jsonCoding.json().getString("field"));
    assertTrue(jsonCoding.json().getString("error").contains("'zstd'"), jsonCoding.toString());

    Response bomb = post(Buffer.buffer(gzipBomb(17 * 1024 * 1024)), "application/x-protobuf", Map.of("Content-Encoding", "gzip"));
    assertEquals(413, bomb.status(), bomb.toString());
    assertEquals(0, count(""));
  }

  /** {@code size} zero bytes, gzipped: about a thousandth of that on the wire. */
  static byte[] gzipBomb(int size) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      byte[] zeros = new byte[64 * 1024];
      for (int written = 0; written < size; written += zeros.length) {
        gzip.write(zeros);
      }
    }
    return bytes.toByteArray();
  }

  @Test
  void nothingTakenForTheRateLimitIs429WithRetryAfter() {
    start(config -> {
      Config.set(config, "rate_limit.systems.oneiric.per_second", 0.001);
      Config.set(config, "rate_limit.systems.oneiric.burst", 2);
    });
    ExportLogsServiceRequest three = ExportLogsServiceRequest.newBuilder()
      .addResourceLogs(resource("oneiric", record("a"), record("b"), record("c"))).build();
    Response partly = postProtobuf(three);
    assertEquals(200, partly.status());
    Response refused = postProtobuf(three);
    assertEquals(429, refused.status(), refused.toString());
    assertTrue(Integer.parseInt(refused.headers().get("Retry-After")) >= 1);
    assertEquals(2, count("?source_system=oneiric"));
  }

  @Test
  void withoutStorageTheAnswerIs503WithRetryAfterInTheRequestsEncoding() throws Exception {
    start(config -> config.put("roles", new JsonArray().add("ingest").add("ratelimit")));
    Response response = postProtobuf(ExportLogsServiceRequest.newBuilder().addResourceLogs(resource("akosha", record("x"))).build());
    assertEquals(503, response.status(), response.toString());
    assertEquals("1", response.headers().get("Retry-After"));
    assertTrue(statusMessage(response.body()).startsWith("storage unavailable"), response.toString());
    Response json = post(Buffer.buffer("{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
      + "\"value\":{\"stringValue\":\"akosha\"}}]},\"scopeLogs\":[{\"logRecords\":[{}]}]}]}"), "application/json", Map.of());
    assertEquals(503, json.status(), json.toString());
    assertEquals(14, json.json().getInteger("code"));
    assertTrue(json.json().getString("error").startsWith("storage unavailable"), json.toString());
  }

  @Test
  void theSdkExporterIsAuthorisedByItsKey() throws Exception {
    org.eventcollector.SecurityFixtures.Key writer = org.eventcollector.SecurityFixtures.Key.of(List.of("akosha"), "ingest");
    org.eventcollector.SecurityFixtures.Key reader = org.eventcollector.SecurityFixtures.Key.of(List.of("akosha"), "read");
    Path keys = org.eventcollector.SecurityFixtures.keyFile(dir, List.of(writer, reader));
    start(config -> Config.set(config, "auth.api_keys_file", keys.toString()));
    SdkLoggerProvider provider = provider(exporter(collector.port(), false, true,
      Map.of("Authorization", "Bearer " + writer.secret())), "akosha");
    provider.get("auth").logRecordBuilder().setBody("with a key").emit();
    flush(provider);

    Map<String, String> read = Map.of("Authorization", "Bearer " + reader.secret());
    Response stored = collector.send(HttpMethod.GET, "/events/count?source_system=akosha", null, null, read);
    assertEquals(1, stored.json().getInteger("count"));

    ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder().addResourceLogs(resource("akosha", record("x"))).build();
    Buffer body = Buffer.buffer(request.toByteArray());
    assertEquals(401, post(body, "application/x-protobuf", Map.of()).status());
    assertEquals(403, post(body, "application/x-protobuf", read).status());
    ExportLogsServiceRequest other = ExportLogsServiceRequest.newBuilder().addResourceLogs(resource("oneiric", record("x"))).build();
    Map<String, String> write = new HashMap<>(Map.of("Authorization", "Bearer " + writer.secret()));
    assertEquals(403, post(Buffer.buffer(other.toByteArray()), "application/x-protobuf", write).status());
    assertEquals(1, collector.send(HttpMethod.GET, "/events/count", null, null, read).json().getInteger("count"));
  }

  @Test
  void metersCountOtlpRecordsUnderTheirProtocol() {
    start(config -> { });
    String collected = "event_collector_ingest_events_total{outcome=\"collected\",protocol=\"otlp\"}";
    String invalid = "event_collector_ingest_events_total{outcome=\"invalid\",protocol=\"otlp\"}";
    double collectedBefore = meter(collected);
    double invalidBefore = meter(invalid);
    ExportLogsServiceRequest request = ExportLogsServiceRequest.newBuilder()
      .addResourceLogs(resource("crackerjack", record("one"), record("two")))
      .addResourceLogs(resource("nobody", record("three"))).build();
    assertEquals(200, postProtobuf(request).status());
    assertEquals(collectedBefore + 2, meter(collected));
    assertEquals(invalidBefore + 1, meter(invalid));
  }

  /** The value of one series on {@code /metrics}, 0 when it is not there yet (the registry is the JVM's). */
  double meter(String series) {
    for (String line : collector.get("/metrics").body().toString().split("\n")) {
      if (line.startsWith(series + " ")) {
        return Double.parseDouble(line.substring(series.length() + 1).trim());
      }
    }
    return 0;
  }

  /** The message of a {@code google.rpc.Status} in protobuf. */
  static String statusMessage(Buffer body) throws Exception {
    com.google.protobuf.CodedInputStream in = com.google.protobuf.CodedInputStream.newInstance(body.getBytes());
    while (!in.isAtEnd()) {
      int tag = in.readTag();
      if (tag == (2 << 3 | 2)) {
        return in.readString();
      }
      in.skipField(tag);
    }
    return null;
  }
}
