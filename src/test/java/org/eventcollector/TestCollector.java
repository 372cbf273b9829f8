package org.eventcollector;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A collector node deployed in its own Vert.x for a test, with a blocking HTTP client. Blocking
 * calls run on the test thread, never on an event loop.
 */
public final class TestCollector implements AutoCloseable {

  /** What an HTTP call answered. */
  public record Response(int status, MultiMap headers, Buffer body) {
    public JsonObject json() {
      return body == null ? null : new JsonObject(body);
    }

    public Object value() {
      return Json.decodeValue(body);
    }

    @Override
    public String toString() {
      return status + " " + (body == null ? "" : body.toString());
    }
  }

  private final Vertx vertx;
  private final WebClient client;
  private final MainVerticle main;
  private final JsonObject config;

  private TestCollector(Vertx vertx, MainVerticle main, JsonObject config) {
    this.vertx = vertx;
    this.main = main;
    this.config = config;
    this.client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1")
      .setDefaultPort(main.httpPort()));
  }

  /** The built-in defaults with port 0 and the SQLite file in {@code dir}; rate limits raised. */
  public static JsonObject config(Path dir, String backend) {
    JsonObject config = Defaults.config();
    Config.set(config, ConfigKeys.Http.PORT, 0);
    Config.set(config, ConfigKeys.Storage.BACKEND, backend);
    Config.set(config, ConfigKeys.Storage.SQLITE_PATH, dir.resolve("events.db").toString());
    Config.set(config, ConfigKeys.RateLimit.PER_SECOND, 1_000_000);
    Config.set(config, ConfigKeys.RateLimit.BURST, 1_000_000);
    return config;
  }

  public static TestCollector start(JsonObject config) {
    Vertx vertx = Vertx.vertx();
    MainVerticle main = new MainVerticle();
    await(vertx.deployVerticle(main, new DeploymentOptions().setConfig(config)));
    return new TestCollector(vertx, main, config);
  }

  public Vertx vertx() {
    return vertx;
  }

  public int port() {
    return main.httpPort();
  }

  public JsonObject config() {
    return config;
  }

  public Response get(String uri) {
    return send(HttpMethod.GET, uri, null, null, Map.of());
  }

  public Response post(String uri, Object json) {
    return send(HttpMethod.POST, uri, Buffer.buffer(Json.encode(json)), "application/json", Map.of());
  }

  public Response send(HttpMethod method, String uri, Buffer body, String contentType, Map<String, String> headers) {
    HttpRequest<Buffer> request = client.request(method, uri);
    if (contentType != null) {
      request.putHeader("Content-Type", contentType);
    }
    headers.forEach(request::putHeader);
    Future<io.vertx.ext.web.client.HttpResponse<Buffer>> response = body == null ? request.send() : request.sendBuffer(body);
    var r = await(response);
    return new Response(r.statusCode(), r.headers(), r.body());
  }

  /** Posts a minimal valid event and returns its id. */
  public String ingest(JsonObject event) {
    Response response = post("/events", event);
    if (response.status() != 201) {
      throw new AssertionError("ingest failed: " + response);
    }
    return response.json().getString("event_id");
  }

  public static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("operation failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    await(vertx.close());
  }
}
