package org.eventcollector.stream;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The standard Vert.x event-bus client from npm over each transport {@code sockjs-client} offers
 * under Node: browsers behind proxies fall back to the streaming and polling ones.
 */
class SockJsTransportsTest {

  @TempDir
  static Path scripts;
  @TempDir
  Path dir;
  private TestNode node;
  private Process client;

  @BeforeAll
  static void install() throws Exception {
    Files.writeString(scripts.resolve("package.json"), "{\"name\": \"bridge-transport\", \"private\": true}");
    try (InputStream script = SockJsTransportsTest.class.getResourceAsStream("/node/bridge-transport.js")) {
      Files.copy(script, scripts.resolve("bridge-transport.js"));
    }
    Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
      "@vertx/eventbus-bridge-client.js@1.0.0", "sockjs-client@1.6.1").directory(scripts.toFile()).redirectErrorStream(true)
      .redirectOutput(scripts.resolve("npm.log").toFile()).start();
    if (!npm.waitFor(5, TimeUnit.MINUTES)) {
      npm.destroyForcibly();
      throw new AssertionError("npm install timed out");
    }
    assertEquals(0, npm.exitValue(), Files.readString(scripts.resolve("npm.log")));
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.destroyForcibly();
    }
    if (node != null) {
      node.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"websocket", "xhr-streaming", "xhr-polling", "eventsource"})
  void everyTransportReceivesEveryEventInOrder(String transport) throws Exception {
    node = TestNode.start(dir, config -> {
    });
    client = new ProcessBuilder("node", "bridge-transport.js", String.valueOf(node.port), transport, "events.stream.oneiric")
      .directory(scripts.toFile()).redirectErrorStream(true).start();
    BlockingQueue<JsonObject> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          lines.add(line.startsWith("{") ? new JsonObject(line) : new JsonObject().put("output", line));
        }
      } catch (Exception e) {
        lines.add(new JsonObject().put("output", e.toString()));
      }
    });
    reader.setDaemon(true);
    reader.start();
    JsonObject open = lines.poll(30, TimeUnit.SECONDS);
    assertNotNull(open, "the client did not connect over " + transport);
    assertEquals(transport, open.getString("open"), open.encode());

    // The registration travels over the transport after "open": probe until the first event comes through.
    JsonObject first = null;
    for (int probe = 0; probe < 40 && first == null; probe++) {
      ingest(new JsonArray().add(TestNode.event("probe-" + probe, "oneiric", "probe")));
      first = lines.poll(500, TimeUnit.MILLISECONDS);
    }
    assertNotNull(first, "no event arrived over " + transport);
    assertEquals(null, first.getString("error"), first.encode());
    JsonArray batch = new JsonArray();
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add("t-" + i);
      batch.add(TestNode.event("t-" + i, "oneiric", "fallback"));
    }
    ingest(batch);
    List<String> received = new ArrayList<>();
    while (received.size() < sent.size()) {
      JsonObject line = lines.poll(10, TimeUnit.SECONDS);
      assertNotNull(line, transport + " received only " + received);
      String id = line.getString("event_id");
      if (id == null) {
        throw new AssertionError(transport + ": " + line.encode());
      }
      if (id.startsWith("t-")) {
        received.add(id);
      }
    }
    assertEquals(sent, received);
  }

  private void ingest(JsonArray events) throws Exception {
    node.ingest(events).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
