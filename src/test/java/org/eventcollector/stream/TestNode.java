package org.eventcollector.stream;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.eventcollector.Main;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A whole collector node on a free port with SQLite in a temporary directory, and clients for it. */
final class TestNode implements AutoCloseable {

  final Main.Node node;
  final int port;
  final WebClient web;
  private final java.util.List<WebSocketClient> clients = new java.util.concurrent.CopyOnWriteArrayList<>();

  private TestNode(Main.Node node) {
    this.node = node;
    this.port = node.main().httpPort();
    this.web = WebClient.create(node.vertx());
  }

  /** The default config on port 0, SQLite in {@code dir}, rate limits out of the way. */
  static JsonObject config(Path dir) {
    JsonObject config = Defaults.config();
    Config.set(config, ConfigKeys.Http.PORT, 0);
    Config.set(config, ConfigKeys.Storage.SQLITE_PATH, dir.resolve("events.db").toString());
    Config.set(config, ConfigKeys.RateLimit.PER_SECOND, 10_000_000);
    Config.set(config, ConfigKeys.RateLimit.BURST, 10_000_000);
    return config;
  }

  static TestNode start(JsonObject config) throws Exception {
    return new TestNode(Main.Node.start(config).get(60, TimeUnit.SECONDS));
  }

  static TestNode start(Path dir, Consumer<JsonObject> tweak) throws Exception {
    JsonObject config = config(dir);
    tweak.accept(config);
    return start(config);
  }

  /** Stores {@code events} with {@code POST /events/batch}; fails unless every one was collected. */
  Future<Void> ingest(JsonArray events) {
    return web.post(port, "127.0.0.1", "/events/batch").putHeader("Content-Type", "application/json")
      .sendBuffer(events.toBuffer())
      .compose(response -> {
        JsonObject body = response.bodyAsJsonObject();
        if (response.statusCode() != 201 || body.getInteger("collected") != events.size()) {
          return Future.failedFuture("batch not collected: " + response.statusCode() + " " + response.bodyAsString());
        }
        return Future.succeededFuture();
      });
  }

  /** Ingests {@code batches} one after the other. */
  Future<Void> ingestAll(java.util.List<JsonArray> batches) {
    Future<Void> chain = Future.succeededFuture();
    for (JsonArray batch : batches) {
      chain = chain.compose(v -> ingest(batch));
    }
    return chain;
  }

  /** A WebSocket client of {@code vertx} connected to {@code uri} on this node. */
  Future<WebSocket> connect(Vertx vertx, String uri) {
    return connect(vertx, uri, new WebSocketClientOptions(), null);
  }

  /** Connects with {@code onText} in place before the upgrade, so no early frame is missed. */
  Future<WebSocket> connect(Vertx vertx, String uri, io.vertx.core.Handler<String> onText) {
    return connect(vertx, uri, new WebSocketClientOptions(), onText);
  }

  Future<WebSocket> connect(Vertx vertx, String uri, WebSocketClientOptions options, io.vertx.core.Handler<String> onText) {
    WebSocketClient client = vertx.createWebSocketClient(options.setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 22));
    // A client nobody references is closed when collected, connections and all.
    clients.add(client);
    io.vertx.core.http.ClientWebSocket socket = client.webSocket();
    if (onText != null) {
      socket.textMessageHandler(onText);
    }
    return socket.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri));
  }

  /** An event of {@code system} with the given id and type. */
  static JsonObject event(String id, String system, String type) {
    return new JsonObject().put("event_id", id).put("source_system", system).put("event_type", type);
  }

  @Override
  public void close() {
    web.close();
    clients.forEach(WebSocketClient::close);
    node.close(10_000);
  }
}
