package org.eventcollector.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import org.eventcollector.Backends;
import org.eventcollector.TestCollector;
import org.eventcollector.TestCollector.Response;
import org.eventcollector.config.Config;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Real answers of every route, validated against the served OpenAPI document, on each storage backend. */
@ExtendWith(PostgresServer.class)
class OpenApiContractTest {

  private static final String BASE = "https://event-collector.local/";

  @TempDir
  Path dir;
  TestCollector collector;
  JsonObject doc;
  SchemaRepository repository;
  final Set<String> covered = new HashSet<>();

  /** Starts the node of this test on {@code backend}. */
  void start(String backend) {
    JsonObject config = Backends.on(backend, TestCollector.config(dir, backend));
    Config.set(config, "rate_limit.systems.oneiric.per_second", 0.001);
    Config.set(config, "rate_limit.systems.oneiric.burst", 1);
    collector = TestCollector.start(config);
    doc = collector.get("/openapi.json").json();
    repository = SchemaRepository.create(new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri(BASE)
      .setOutputFormat(OutputFormat.Basic));
    repository.dereference(BASE + "openapi.json", JsonSchema.of(doc.copy()));
  }

  @AfterEach
  void stop() {
    if (collector != null) {
      collector.close();
    }
  }

  private void check(HttpMethod method, String uri, Object body, int expected) {
    Buffer buffer = body == null ? null : Buffer.buffer(body instanceof JsonObject o ? o.encode() : ((JsonArray) body).encode());
    Response response = collector.send(method, uri, buffer, body == null ? null : "application/json", Map.of());
    assertEquals(expected, response.status(), method + " " + uri + " -> " + response);
    String path = uri.split("\\?", 2)[0];
    String template = template(path);
    String op = method.name().toLowerCase();
    JsonObject operation = doc.getJsonObject("paths").getJsonObject(template).getJsonObject(op);
    assertNotNull(operation, method + " " + template + " is documented");
    JsonObject answer = operation.getJsonObject("responses").getJsonObject(String.valueOf(expected));
    assertNotNull(answer, "status " + expected + " of " + method + " " + template + " is documented");
    covered.add(op + " " + template);
    JsonObject content = answer.getJsonObject("content");
    if (content == null || !content.containsKey("application/json")) {
      return;
    }
    assertTrue(response.headers().get("Content-Type").startsWith("application/json"));
    JsonObject schema = content.getJsonObject("application/json").getJsonObject("schema").copy();
    if (schema.getString("$ref", "").startsWith("#")) {
      schema.put("$ref", BASE + "openapi.json" + schema.getString("$ref"));
    }
    OutputUnit result = repository.validator(JsonSchema.of(schema),
        new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri(BASE).setOutputFormat(OutputFormat.Basic))
      .validate(response.value());
    assertTrue(result.getValid(), method + " " + uri + " answer does not match the document: " + result.getErrors()
      + "\n" + response);
  }

  private String template(String path) {
    for (String template : doc.getJsonObject("paths").fieldNames()) {
      String regex = template.replaceAll("\\{[^/]+}", "[^/]+");
      if (Pattern.matches(regex, path) && (template.contains("{") ? !doc.getJsonObject("paths").containsKey(path) : true)) {
        return template;
      }
    }
    throw new AssertionError("no documented path for " + path);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void everyRouteAnswersAsDocumented(String backend) {
    start(backend);
    JsonObject event = new JsonObject().put("event_id", "doc-1").put("source_system", "mahavishnu")
      .put("event_type", "workflow.completed").put("severity", "error").put("correlation_id", "wf-9")
      .put("duration_ms", 42).put("tags", new JsonArray().add("a"));
    check(HttpMethod.POST, "/events", event, 201);
    check(HttpMethod.POST, "/events", event, 200);
    check(HttpMethod.POST, "/events", new JsonObject().put("source_system", "mahavishnu"), 400);
    check(HttpMethod.POST, "/events", new JsonObject().put("source_system", "oneiric").put("event_type", "t"), 201);
    check(HttpMethod.POST, "/events", new JsonObject().put("source_system", "oneiric").put("event_type", "t"), 429);
    check(HttpMethod.POST, "/events/batch", new JsonArray().add(new JsonObject().put("source_system", "akosha").put("event_type", "t")).add(new JsonObject()), 201);
    check(HttpMethod.POST, "/events/batch", new JsonArray(), 400);
    JsonObject otlp = new JsonObject().put("resourceLogs", new JsonArray().add(new JsonObject()
      .put("resource", new JsonObject().put("attributes", new JsonArray().add(new JsonObject().put("key", "service.name")
        .put("value", new JsonObject().put("stringValue", "nobody")))))
      .put("scopeLogs", new JsonArray().add(new JsonObject().put("logRecords", new JsonArray()
        .add(new JsonObject().put("body", new JsonObject().put("stringValue", "rejected"))))))));
    check(HttpMethod.POST, "/v1/logs", otlp, 200);
    check(HttpMethod.POST, "/v1/logs", new JsonObject().put("resourceLogs", "none"), 400);
    JsonObject loki = new JsonObject().put("streams", new JsonArray().add(new JsonObject()
      .put("stream", new JsonObject().put("job", "akosha"))
      .put("values", new JsonArray().add(new JsonArray().add("1795000000000000000").add("a line")))));
    check(HttpMethod.POST, "/loki/api/v1/push", loki, 204);
    check(HttpMethod.POST, "/loki/api/v1/push", new JsonObject().put("streams", 1), 400);
    check(HttpMethod.GET, "/events?source_system=mahavishnu&limit=5", null, 200);
    check(HttpMethod.GET, "/events?limit=0", null, 400);
    check(HttpMethod.GET, "/events/count?severity=error", null, 200);
    check(HttpMethod.GET, "/events/stats", null, 200);
    check(HttpMethod.GET, "/events/correlation/wf-9", null, 200);
    check(HttpMethod.GET, "/events/doc-1", null, 200);
    check(HttpMethod.GET, "/events/none", null, 404);
    check(HttpMethod.GET, "/rate-limits", null, 200);
    check(HttpMethod.PUT, "/rate-limits/akosha", new JsonObject().put("per_second", 10).put("burst", 20), 200);
    check(HttpMethod.DELETE, "/events?before=2000-01-01T00:00:00Z", null, 200);
    check(HttpMethod.GET, "/health", null, 200);
    check(HttpMethod.GET, "/metrics", null, 200);
    check(HttpMethod.GET, "/openapi.json", null, 200);
    check(HttpMethod.GET, "/", null, 200);
    check(HttpMethod.GET, "/events/stream?min_severity=loud", null, 400);
    JsonObject saved = new JsonObject().put("params", new JsonObject().put("source_system", "mahavishnu")
      .put("severity", new JsonArray().add("error").add("critical")));
    check(HttpMethod.PUT, "/queries/errs", saved, 200);
    check(HttpMethod.PUT, "/queries/errs", new JsonObject().put("params", new JsonObject().put("limit", 5)), 400);
    check(HttpMethod.GET, "/queries", null, 200);
    check(HttpMethod.GET, "/queries/errs", null, 200);
    check(HttpMethod.GET, "/events?saved=errs", null, 200);
    check(HttpMethod.GET, "/events/count?saved=errs", null, 200);
    check(HttpMethod.GET, "/events?saved=none", null, 404);
    check(HttpMethod.GET, "/events/count?saved=none", null, 404);
    JsonObject rule = new JsonObject().put("kind", "threshold").put("query", "errs").put("window_minutes", 5).put("value", 1);
    check(HttpMethod.PUT, "/alerts/errs", rule, 200);
    check(HttpMethod.PUT, "/alerts/errs", rule.copy().put("every_seconds", 0), 400);
    check(HttpMethod.GET, "/alerts", null, 200);
    check(HttpMethod.GET, "/alerts/errs", null, 200);
    check(HttpMethod.GET, "/alerts/none", null, 404);
    check(HttpMethod.POST, "/alerts/errs/silence", new JsonObject().put("minutes", 5), 200);
    check(HttpMethod.POST, "/alerts/errs/silence", new JsonObject().put("minutes", 0), 400);
    check(HttpMethod.POST, "/alerts/none/silence", new JsonObject().put("minutes", 5), 404);
    check(HttpMethod.DELETE, "/alerts/errs", null, 204);
    check(HttpMethod.DELETE, "/alerts/errs", null, 404);
    check(HttpMethod.DELETE, "/queries/errs", null, 204);
    check(HttpMethod.GET, "/queries/errs", null, 404);
    check(HttpMethod.DELETE, "/queries/errs", null, 404);
    for (String path : List.of("/analysis/errors", "/analysis/patterns", "/analysis/report")) {
      Response response = collector.get(path);
      if (response.status() == 200) {
        check(HttpMethod.GET, path, null, 200);
      }
    }
    Set<String> documented = new HashSet<>();
    JsonObject paths = doc.getJsonObject("paths");
    paths.fieldNames().forEach(path -> paths.getJsonObject(path).fieldNames()
      .forEach(method -> documented.add(method + " " + path)));
    documented.removeIf(op -> op.contains("/analysis/"));
    documented.removeAll(covered);
    assertTrue(documented.isEmpty(), "routes never checked: " + documented);
  }
}
