package org.eventcollector;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A collector node started in this JVM through {@code Main.Node.start} (Vert.x metrics on) on a free port with its SQLite file in a temp directory. */
public final class RunningCollector implements AutoCloseable {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  public final Main.Node node;
  public final String url;

  private RunningCollector(Main.Node node) {
    this.node = node;
    this.url = "http://127.0.0.1:" + node.main().httpPort();
  }

  public static JsonObject config(Path dir) {
    JsonObject conf = Defaults.config();
    Config.set(conf, ConfigKeys.Http.PORT, 0);
    Config.set(conf, ConfigKeys.Storage.SQLITE_PATH, dir.resolve("events.db").toString());
    return conf;
  }

  public static RunningCollector start(JsonObject config) throws Exception {
    return new RunningCollector(Main.Node.start(config).get(60, TimeUnit.SECONDS));
  }

  /** A response: status and body. */
  public record Reply(int status, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  public Reply get(String pathAndQuery) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url + pathAndQuery)).GET());
  }

  public Reply delete(String pathAndQuery) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(url + pathAndQuery)).DELETE());
  }

  public Reply post(String path, Object json) throws Exception {
    String body = json instanceof JsonArray a ? a.encode() : ((JsonObject) json).encode();
    return send(HttpRequest.newBuilder(URI.create(url + path)).header("Content-Type", "application/json")
      .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static Reply send(HttpRequest.Builder request) throws Exception {
    HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(),
      HttpResponse.BodyHandlers.ofString());
    return new Reply(response.statusCode(), response.body());
  }

  @Override
  public void close() {
    node.close(10_000);
  }
}
