package org.eventcollector.stream;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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
 * The standard Vert.x event-bus client from npm ({@code @vertx/eventbus-bridge-client.js} over
 * {@code sockjs-client}), run by Node: it receives on both stream addresses and is refused inbound.
 */
class StandardClientTest {

  @TempDir
  Path dir;
  private TestNode node;
  private Process client;

  @BeforeEach
  void start() throws Exception {
    node = TestNode.start(dir, config -> {
    });
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.destroyForcibly();
    }
    node.close();
  }

  private static void run(Path workDir, String... command) throws Exception {
    Process process = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
      .redirectOutput(workDir.resolve("npm.log").toFile()).start();
    if (!process.waitFor(5, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError("timed out: " + String.join(" ", command));
    }
    assertEquals(0, process.exitValue(), String.join(" ", command) + ": " + Files.readString(workDir.resolve("npm.log")));
  }

  @Test
  void standardJavaScriptClientReceivesOnBothStreamAddressesAndIsRefusedInbound() throws Exception {
    Path js = Files.createDirectories(dir.resolve("node"));
    Files.writeString(js.resolve("package.json"), "{\"name\": \"bridge-client\", \"private\": true}");
    try (InputStream script = getClass().getResourceAsStream("/node/bridge-client.js")) {
      Files.copy(script, js.resolve("bridge-client.js"));
    }
    run(js, "npm", "install", "--no-audit", "--no-fund", "--loglevel=error",
      "@vertx/eventbus-bridge-client.js@1.0.0", "sockjs-client@1.6.1");

    client = new ProcessBuilder("node", "bridge-client.js", String.valueOf(node.port)).directory(js.toFile())
      .redirectErrorStream(true).start();
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

    JsonObject refused = lines.poll(30, TimeUnit.SECONDS);
    assertNotNull(refused, "the client connected and tried to send");
    assertEquals("access_denied", refused.getString("refused"), refused.encode());

    node.ingest(new JsonArray().add(TestNode.event("n-1", "mahavishnu", "x")).add(TestNode.event("n-2", "akosha", "y")))
      .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<String> whole = new ArrayList<>();
    List<String> akosha = new ArrayList<>();
    while (whole.size() < 2 || akosha.isEmpty()) {
      JsonObject line = lines.poll(20, TimeUnit.SECONDS);
      assertNotNull(line, "received so far: " + whole + " and " + akosha);
      if ("events.stream".equals(line.getString("address"))) {
        whole.add(line.getString("event_id"));
      } else if ("events.stream.akosha".equals(line.getString("address"))) {
        akosha.add(line.getString("event_id"));
      } else {
        throw new AssertionError("unexpected: " + line.encode());
      }
    }
    assertEquals(List.of("n-1", "n-2"), whole);
    assertEquals(List.of("n-2"), akosha);
    node.web.get(node.port, "127.0.0.1", "/events/node-inbound").send().onSuccess(response ->
      lines.add(new JsonObject().put("status", response.statusCode())));
    assertEquals(404, lines.poll(10, TimeUnit.SECONDS).getInteger("status"), "nothing was ingested over the bridge");
  }
}
