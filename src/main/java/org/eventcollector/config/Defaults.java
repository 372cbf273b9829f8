package org.eventcollector.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The built-in configuration: what the collector does with no configuration at all. */
public final class Defaults {

  private Defaults() {
  }

  public static JsonObject config() {
    return new JsonObject()
      .put("roles", new JsonArray().add("ingest").add("stream").add("ratelimit").add("storage").add("analysis"))
      .put("cluster", false)
      .put("cluster_members", new JsonArray())
      .put("cluster_interface", "")
      .put("systems", new JsonArray().add("mahavishnu").add("crackerjack").add("session_buddy").add("akosha").add("oneiric"))
      .put("http", new JsonObject()
        .put("host", "127.0.0.1")
        .put("port", 8000)
        .put("instances", 1)
        .put("max_event_bytes", 65536)
        .put("max_batch_bytes", 16 * 1024 * 1024)
        .put("max_batch_events", 1000)
        .put("cors_origins", new JsonArray())
        .put("access_log", false))
      .put("ingest", new JsonObject()
        .put("otlp", new JsonObject().put("system_attribute", "service.name"))
        .put("max_records", 20_000))
      .put("storage", new JsonObject()
        .put("backend", "sqlite")
        .put("durability", "normal")
        .put("max_pending", 100_000)
        .put("max_commit", 5_000)
        .put("sqlite", new JsonObject()
          .put("path", "data/events.db")
          .put("cache_mb", 64)
          .put("mmap_mb", 256)
          .put("readers", 4))
        .put("memory", new JsonObject().put("max_events", 1_000_000))
        .put("session_buddy", new JsonObject().put("url", "http://localhost:8678/mcp").put("timeout_ms", 10_000).put("retry_ms", 100)
          .put("batch_size", 50).put("mirror", false))
        .put("postgres", new JsonObject().put("url", "").put("password", "")
          .put("password_file", "")
          .put("pool_size", 8)
          .put("pipelining_limit", 256)
          .put("partitions_ahead", 3)))
      .put("rate_limit", new JsonObject()
        .put("per_second", 1000)
        .put("burst", 2000)
        .put("systems", new JsonObject()))
      .put("stream", new JsonObject()
        .put("client_queue", 10_000)
        .put("max_replay", 100_000)
        .put("reorder_ms", 250)
        .put("compression", false)
        .put("bridge", new JsonObject().put("inbound_ingest", false)))
      .put("analysis", new JsonObject().put("instances", 1))
      .put("retention", new JsonObject().put("days", 0).put("interval_minutes", 60).put("systems", new JsonObject()))
      .put("alerts", new JsonObject().put("webhooks", new JsonArray()).put("source_system", "mahavishnu"))
      .put("auth", new JsonObject().put("api_keys_file", ""))
      .put("log", new JsonObject().put("level", "INFO").put("format", "text"))
      .put("metrics", new JsonObject().put("otlp", new JsonObject().put("url", "").put("step_seconds", 60))
        .put("eventbus", false));
  }
}
