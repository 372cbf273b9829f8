package org.eventcollector.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.RunningCollector;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CLI as users run it, {@code java -jar event-collector.jar events ...}: exit codes reach the shell. */
class CliJarIT {

  @TempDir
  static Path dir;

  static RunningCollector collector;

  record Result(int code, String out) {
  }

  @BeforeAll
  static void start() throws Exception {
    collector = RunningCollector.start(RunningCollector.config(dir));
    assertEquals(201, collector.post("/events", new JsonObject().put("source_system", "oneiric")
      .put("event_type", "config.changed").put("title", "Config reloaded")).status());
  }

  @AfterAll
  static void stop() {
    collector.close();
  }

  static Result jar(Map<String, String> env, String... args) throws Exception {
    String jar = System.getProperty("collector.jar", "target/event-collector.jar");
    assertTrue(new File(jar).isFile(), "the shaded jar is built before integration tests: " + jar);
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-jar", jar));
    command.addAll(List.of(args));
    Path output = Files.createTempFile(dir, "cli", ".out");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile());
    builder.environment().remove("EC_URL");
    builder.environment().remove("EC_API_KEY");
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the CLI did not exit within 60 s: " + command);
    }
    return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
  }

  @Test
  void successExitsZeroAndTheUrlComesFromEcUrl() throws Exception {
    Result health = jar(Map.of(), "events", "health", "--url", collector.url);
    assertEquals(0, health.code(), health.out());
    assertTrue(health.out().startsWith("Status: healthy"), health.out());
    Result query = jar(Map.of("EC_URL", collector.url), "events", "query", "--json");
    assertEquals(0, query.code(), query.out());
    assertTrue(query.out().contains("\"title\":\"Config reloaded\""), query.out());
  }

  @Test
  void badUsageExitsTwo() throws Exception {
    assertEquals(2, jar(Map.of(), "events", "bogus").code());
    assertEquals(2, jar(Map.of(), "events", "query", "--no-such-flag", "--url", collector.url).code());
  }

  @Test
  void unreachableExitsThreeAndServerErrorExitsOne() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Result unreachable = jar(Map.of("EC_URL", "http://127.0.0.1:" + port), "events", "stats");
    assertEquals(3, unreachable.code(), unreachable.out());
    JsonObject conf = RunningCollector.config(dir.resolve("bare"));
    Config.set(conf, ConfigKeys.ROLES, new JsonArray().add("ingest").add("ratelimit"));
    try (RunningCollector bare = RunningCollector.start(conf)) {
      Result failed = jar(Map.of(), "events", "report", "--url", bare.url);
      assertEquals(1, failed.code(), failed.out());
    }
  }
}
