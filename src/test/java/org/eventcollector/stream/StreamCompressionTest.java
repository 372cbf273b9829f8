package org.eventcollector.stream;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Stream clients that offer permessage-deflate (browsers, Node's ws) get it only when configured. */
@ExtendWith(VertxExtension.class)
class StreamCompressionTest {

  @TempDir
  Path dir;

  @Test
  @DisplayName("by default a client offering permessage-deflate gets plain frames")
  void compressionIsOffByDefault(Vertx vertx) throws Exception {
    try (TestNode node = TestNode.start(dir, config -> { })) {
      assertNull(extensions(vertx, node), "no extension negotiated");
    }
  }

  @Test
  @DisplayName("with stream.compression a client offering permessage-deflate gets it, and its frames arrive whole")
  void compressionCanBeTurnedOn(Vertx vertx) throws Exception {
    try (TestNode node = TestNode.start(dir, config -> Config.set(config, ConfigKeys.Stream.COMPRESSION, true))) {
      String extensions = extensions(vertx, node);
      assertTrue(extensions != null && extensions.contains("permessage-deflate"), String.valueOf(extensions));
    }
  }

  /** Connects offering compression, checks one event arrives whole, answers the negotiated extensions. */
  private static String extensions(Vertx vertx, TestNode node) throws Exception {
    CompletableFuture<JsonObject> frame = new CompletableFuture<>();
    WebSocket socket = node.connect(vertx, "/events/stream?source_system=oneiric",
        new WebSocketClientOptions().setTryUsePerMessageCompression(true), text -> frame.complete(new JsonObject(text)))
      .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    String description = "x".repeat(5_000);
    node.ingest(new JsonArray().add(TestNode.event("c-1", "oneiric", "t").put("description", description)))
      .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    JsonObject received = frame.get(30, TimeUnit.SECONDS);
    assertEquals("c-1", received.getString("event_id"));
    assertEquals(description, received.getString("description"));
    return socket.headers().get("Sec-WebSocket-Extensions");
  }
}
