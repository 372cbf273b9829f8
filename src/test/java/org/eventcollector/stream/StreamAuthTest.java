package org.eventcollector.stream;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.http.Access;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streaming with auth on: scope {@code read} to stream, {@code ingest} for the system to send over the bridge. */
@ExtendWith(VertxExtension.class)
@io.vertx.junit5.Timeout(value = 120, timeUnit = java.util.concurrent.TimeUnit.SECONDS)
class StreamAuthTest {

  private static final String READER = "reader-key-1";
  private static final String WRITER = "writer-key-1";
  private static final String NO_SCOPE = "no-scope-key-1";

  @TempDir
  Path dir;
  private TestNode node;

  @BeforeEach
  void start() throws Exception {
    JsonArray keys = new JsonArray()
      .add(key(READER, new JsonArray().add("read"), new JsonArray()))
      .add(key(WRITER, new JsonArray().add("read").add("ingest"), new JsonArray().add("mahavishnu")))
      .add(key(NO_SCOPE, new JsonArray(), new JsonArray()));
    Path file = dir.resolve("keys.json");
    Files.writeString(file, keys.encode());
    node = TestNode.start(dir, config -> {
      Config.set(config, ConfigKeys.Auth.API_KEYS_FILE, file.toString());
      Config.set(config, ConfigKeys.Stream.INBOUND_INGEST, true);
    });
  }

  @AfterEach
  void stop() {
    node.close();
  }

  private static JsonObject key(String key, JsonArray scopes, JsonArray systems) {
    return new JsonObject().put("key_sha256", Access.sha256(key)).put("scopes", scopes).put("systems", systems);
  }

  private void refused(Vertx vertx, VertxTestContext test, String uri, int status) {
    node.connect(vertx, uri).onComplete(test.failing(e -> test.verify(() -> {
      assertTrue(e instanceof UpgradeRejectedException, e.toString());
      assertEquals(status, ((UpgradeRejectedException) e).getStatus(), uri);
      test.completeNow();
    })));
  }

  @Test
  void webSocketWithoutKeyIsRefusedWith401(Vertx vertx, VertxTestContext test) {
    refused(vertx, test, "/events/stream", 401);
  }

  @Test
  void webSocketWithUnknownKeyIsRefusedWith401(Vertx vertx, VertxTestContext test) {
    refused(vertx, test, "/events/stream?api_key=nope", 401);
  }

  @Test
  void webSocketWithKeyLackingReadIsRefusedWith403(Vertx vertx, VertxTestContext test) {
    refused(vertx, test, "/events/stream?api_key=" + NO_SCOPE, 403);
  }

  @Test
  void webSocketOpensWithReadKeyInQueryOrHeader(Vertx vertx, VertxTestContext test) {
    WebSocketConnectOptions header = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(node.port)
      .setURI("/events/stream").addHeader("Authorization", "Bearer " + READER);
    Future<WebSocket> byQuery = node.connect(vertx, "/events/stream?api_key=" + READER);
    Future<WebSocket> byHeader = vertx.createWebSocketClient(new WebSocketClientOptions()).connect(header);
    Future.all(byQuery, byHeader).onComplete(test.succeedingThenComplete());
  }

  @Test
  void queryKeyIsNotAcceptedOnRestRoutes(Vertx vertx, VertxTestContext test) {
    node.web.get(node.port, "127.0.0.1", "/events?api_key=" + READER).send().onComplete(test.succeeding(response ->
      test.verify(() -> {
        assertEquals(401, response.statusCode());
        test.completeNow();
      })));
  }

  @Test
  void sockJsWithoutKeyIsRefusedWith401AndConsoleStaysPublic(Vertx vertx, VertxTestContext test) {
    node.web.get(node.port, "127.0.0.1", "/eventbus/info").send()
      .compose(info -> {
        test.verify(() -> assertEquals(401, info.statusCode()));
        return node.web.get(node.port, "127.0.0.1", "/eventbus/info?api_key=" + READER).send();
      })
      .compose(info -> {
        test.verify(() -> assertEquals(200, info.statusCode()));
        return node.web.get(node.port, "127.0.0.1", "/").send();
      })
      .onComplete(test.succeeding(console -> test.verify(() -> {
        assertEquals(200, console.statusCode());
        test.completeNow();
      })));
  }

  @Test
  void bridgeIngestNeedsTheIngestScopeForTheEventsSystem(Vertx vertx, VertxTestContext test) {
    JsonObject own = new JsonObject().put("type", "send").put("address", "events.ingest").put("replyAddress", "r-own")
      .put("body", TestNode.event("own-1", "mahavishnu", "t"));
    JsonObject foreign = new JsonObject().put("type", "send").put("address", "events.ingest").put("replyAddress", "r-foreign")
      .put("body", TestNode.event("foreign-1", "akosha", "t"));
    SockJsSession.open(node, vertx, "?api_key=" + WRITER)
      .compose(writer -> writer.send(foreign)
        .compose(v -> writer.await(m -> "err".equals(m.getString("type"))))
        .compose(err -> writer.send(own))
        .compose(v -> writer.await(m -> "r-own".equals(m.getString("address")))))
      .compose(reply -> {
        test.verify(() -> assertEquals("collected", reply.getJsonObject("body").getString("status")));
        return SockJsSession.open(node, vertx, "?api_key=" + READER);
      })
      .compose(reader -> reader.send(own.copy().put("replyAddress", "r-reader"))
        .compose(v -> reader.await(m -> "err".equals(m.getString("type")))))
      .onComplete(test.succeeding(err -> test.verify(() -> {
        assertEquals("rejected", err.getString("body"));
        test.completeNow();
      })));
  }

  @Test
  void apiKeysNeverAppearInLogs(Vertx vertx, VertxTestContext test) throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level level = root.getLevel();
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    root.addAppender(appender);
    root.setLevel(Level.DEBUG);
    String wrong = "wrong-secret-key-9";
    node.connect(vertx, "/events/stream?api_key=" + READER)
      .compose(ws -> node.connect(vertx, "/events/stream?api_key=" + wrong).recover(e -> Future.succeededFuture(ws)))
      .compose(ws -> SockJsSession.open(node, vertx, "?api_key=" + WRITER))
      .compose(session -> session.send(new JsonObject().put("type", "send").put("address", "events.ingest")
          .put("replyAddress", "r-log").put("body", TestNode.event("log-1", "akosha", "t")))
        .compose(v -> session.await(m -> "err".equals(m.getString("type")))))
      .onComplete(ar -> {
        root.setLevel(level);
        root.detachAppender(appender);
        test.verify(() -> {
          assertTrue(ar.succeeded(), String.valueOf(ar.cause()));
          assertTrue(!appender.list.isEmpty(), "debug logging was captured");
          for (ILoggingEvent event : appender.list) {
            String text = event.getFormattedMessage() + (event.getThrowableProxy() == null ? "" : event.getThrowableProxy().getMessage());
            for (String key : new String[] {READER, WRITER, wrong}) {
              assertTrue(!text.contains(key), "a log line holds an API key: " + text);
            }
          }
        });
        test.completeNow();
      });
  }
}
