package org.eventcollector.metrics;

import io.vertx.core.json.JsonObject;
import org.eventcollector.Main;
import org.eventcollector.TestCollector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The scrape of a node started as {@code java -jar} starts it passes {@code promtool check metrics}, with every known series at zero. */
class PromtoolTest {

  private static final Path PROMTOOL = Path.of("/usr/bin/promtool");

  @TempDir
  Path dir;

  @Test
  void aFreshNodesScrapePassesPromtoolWithItsMetersAtZero() throws Exception {
    JsonObject config = TestCollector.config(dir, "memory");
    Main.Node node = Main.Node.start(config).get(60, TimeUnit.SECONDS);
    String metrics;
    try {
      HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + node.main().httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, scrape.statusCode());
      metrics = scrape.body();
    } finally {
      node.close(10_000);
    }
    for (String series : new String[] {
      "event_collector_rate_limit_rejections_total{source_system=\"crackerjack\"} 0.0",
      "event_collector_events_collected_total{source_system=\"akosha\"} 0.0",
      "event_collector_events_stored_total{source_system=\"oneiric\"} 0.0",
      "event_collector_events_invalid_total{transport=\"http\"} 0.0",
      "event_collector_events_invalid_total{transport=\"bus\"} 0.0",
      "event_collector_analysis_seconds_count{analysis=\"patterns\"} 0",
      "event_collector_analysis_seconds_count{analysis=\"stats\"} 0",
      "jvm_memory_used_bytes"}) {
      assertTrue(metrics.contains(series), series + " missing from\n" + metrics);
    }
    Path file = Files.writeString(dir.resolve("metrics.txt"), metrics);
    assertTrue(Files.isExecutable(PROMTOOL), PROMTOOL + " is missing: install Debian's package prometheus");
    Process promtool = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics").redirectErrorStream(true)
      .redirectInput(file.toFile()).start();
    String output = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(promtool.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
    assertEquals(0, promtool.exitValue(), "promtool check metrics:\n" + output);
  }
}
