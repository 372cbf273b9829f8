package org.eventcollector.metrics;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.RunningCollector;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every meter of CONTRACT.md sections 9 and 10 at {@code /metrics}, each described; and the OTLP push. */
class MetricsTest {

  @TempDir
  Path dir;

  private static JsonObject event(String system) {
    return new JsonObject().put("source_system", system).put("event_type", "tick").put("duration_ms", 5);
  }

  @Test
  void everyContractMeterIsPublishedWithADescription() throws Exception {
    JsonObject conf = RunningCollector.config(dir);
    Config.set(conf, ConfigKeys.RateLimit.SYSTEMS + ".akosha.per_second", 1);
    Config.set(conf, ConfigKeys.RateLimit.SYSTEMS + ".akosha.burst", 1);
    try (RunningCollector collector = RunningCollector.start(conf)) {
      assertEquals(201, collector.post("/events", event("mahavishnu")).status());
      assertEquals(201, collector.post("/events/batch", new JsonArray().add(event("akosha")).add(event("akosha"))
        .add(event("akosha"))).status());
      assertEquals(200, collector.get("/events?limit=1").status());
      assertEquals(200, collector.get("/analysis/report?hours=1").status());
      String text = collector.get("/metrics").body();
      for (String sample : List.of(
        "event_collector_events_collected_total{source_system=\"mahavishnu\"} 1.0",
        "event_collector_events_collected_total{source_system=\"akosha\"} 1.0",
        "event_collector_events_stored_total{source_system=\"mahavishnu\"} 1.0",
        "event_collector_rate_limit_rejections_total{source_system=\"akosha\"} 2.0",
        "event_collector_storage_commit_events_bucket{le=\"1.0\"}",
        "event_collector_ingest_latency_seconds_bucket{transport=\"http\",le=",
        "event_collector_stream_clients{transport=\"websocket\"} 0.0",
        "event_collector_stream_clients{transport=\"sockjs\"} 0.0",
        "event_collector_stream_dropped_total 0.0",
        "event_collector_retention_deleted_total 0.0",
        "event_collector_analysis_seconds_count{analysis=\"report\"} 1",
        "vertx_http_server_requests_total")) {
        assertTrue(text.contains(sample), "missing " + sample);
      }
      assertTrue(text.matches("(?s).*event_collector_queries_total [1-9].*"), "queries counted");
      for (String name : List.of("event_collector_events_collected_total", "event_collector_events_stored_total",
        "event_collector_queries_total", "event_collector_rate_limit_rejections_total",
        "event_collector_ingest_latency_seconds", "event_collector_storage_commit_events",
        "event_collector_stream_clients", "event_collector_stream_dropped_total",
        "event_collector_retention_deleted_total", "event_collector_analysis_seconds")) {
        assertTrue(text.matches("(?s).*# HELP " + name + " \\S.*"), "no description for " + name);
      }
    }
  }

  @Test
  void pushesMetricsOverOtlpWhenAUrlIsConfigured() throws Exception {
    Vertx receiver = Vertx.vertx();
    CompletableFuture<Buffer> pushed = new CompletableFuture<>();
    CompletableFuture<String> contentType = new CompletableFuture<>();
    try {
      HttpServer server = receiver.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
        String text = body.toString(StandardCharsets.ISO_8859_1);
        if (request.path().equals("/v1/metrics") && text.contains("event_collector_events_stored")) {
          contentType.complete(request.getHeader("Content-Type"));
          pushed.complete(body);
        }
        request.response().setStatusCode(200).end();
      })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      JsonObject conf = RunningCollector.config(dir);
      Config.set(conf, ConfigKeys.Metrics.OTLP_URL, "http://127.0.0.1:" + server.actualPort() + "/v1/metrics");
      Config.set(conf, ConfigKeys.Metrics.OTLP_STEP_SECONDS, 1);
      try (RunningCollector collector = RunningCollector.start(conf)) {
        assertEquals(201, collector.post("/events", event("oneiric")).status());
        Buffer body = pushed.get(30, TimeUnit.SECONDS);
        assertTrue(body.toString(StandardCharsets.ISO_8859_1).contains("service.name"));
        assertEquals("application/x-protobuf", contentType.get(1, TimeUnit.SECONDS));
        String text = collector.get("/metrics").body();
        assertTrue(text.contains("event_collector_events_stored_total{source_system=\"oneiric\"} 1.0"), text);
      }
    } finally {
      receiver.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
