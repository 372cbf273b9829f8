package org.eventcollector.config;

/** Configuration key paths, one nested interface per area. Defaults live in {@link Defaults}. */
public interface ConfigKeys {

  String ROLES = "roles";
  String CLUSTER = "cluster";
  String SYSTEMS = "systems";
  /** Hazelcast TCP-IP members ({@code host} or {@code host:port}); empty keeps those of cluster.xml. */
  String CLUSTER_MEMBERS = "cluster_members";
  /** The interface Hazelcast binds to; empty keeps that of cluster.xml. */
  String CLUSTER_INTERFACE = "cluster_interface";

  interface Http {
    String HOST = "http.host";
    String PORT = "http.port";
    String INSTANCES = "http.instances";
    String MAX_EVENT_BYTES = "http.max_event_bytes";
    String MAX_BATCH_BYTES = "http.max_batch_bytes";
    String MAX_BATCH_EVENTS = "http.max_batch_events";
    /** Origins answered with CORS headers ({@code *} for any); empty: none. */
    String CORS_ORIGINS = "http.cors_origins";
    /** One log line per answered request (vertx-web's {@code LoggerHandler}). */
    String ACCESS_LOG = "http.access_log";
  }

  interface Ingest {
    /** The OTLP resource attribute that names an event's source_system. */
    String OTLP_SYSTEM_ATTRIBUTE = "ingest.otlp.system_attribute";
    /** The most log records (OTLP) or lines (Loki) one request may hold. */
    String MAX_RECORDS = "ingest.max_records";
  }

  interface Storage {
    String BACKEND = "storage.backend";
    String DURABILITY = "storage.durability";
    String MAX_PENDING = "storage.max_pending";
    String MAX_COMMIT = "storage.max_commit";
    String SQLITE_PATH = "storage.sqlite.path";
    String SQLITE_CACHE_MB = "storage.sqlite.cache_mb";
    String SQLITE_MMAP_MB = "storage.sqlite.mmap_mb";
    String SQLITE_READERS = "storage.sqlite.readers";
    String MEMORY_MAX_EVENTS = "storage.memory.max_events";
    String SESSION_BUDDY_URL = "storage.session_buddy.url";
    String SESSION_BUDDY_TIMEOUT_MS = "storage.session_buddy.timeout_ms";
    String SESSION_BUDDY_RETRY_MS = "storage.session_buddy.retry_ms";
    /** Entities per {@code batch_create_entities} call of the mirror; 1 makes each with {@code create_entity}. */
    String SESSION_BUDDY_BATCH_SIZE = "storage.session_buddy.batch_size";
    /** Mirrors a {@code sqlite} or {@code postgres} store into Session-Buddy (implied by {@code session_buddy}). */
    String SESSION_BUDDY_MIRROR = "storage.session_buddy.mirror";
    String PG_URL = "storage.postgres.url";
    String PG_PASSWORD = "storage.postgres.password";
    String PG_PASSWORD_FILE = "storage.postgres.password_file";
    String PG_POOL_SIZE = "storage.postgres.pool_size";
    String PG_PIPELINING_LIMIT = "storage.postgres.pipelining_limit";
    String PG_PARTITIONS_AHEAD = "storage.postgres.partitions_ahead";
  }

  interface RateLimit {
    String PER_SECOND = "rate_limit.per_second";
    String BURST = "rate_limit.burst";
    String SYSTEMS = "rate_limit.systems";
  }

  interface Stream {
    String CLIENT_QUEUE = "stream.client_queue";
    String MAX_REPLAY = "stream.max_replay";
    String INBOUND_INGEST = "stream.bridge.inbound_ingest";
    String REORDER_MS = "stream.reorder_ms";
    /** Whether WebSocket clients may negotiate compression (permessage-deflate); off by default. */
    String COMPRESSION = "stream.compression";
  }

  interface Analysis {
    String INSTANCES = "analysis.instances";
  }

  interface Retention {
    String DAYS = "retention.days";
    /** {@code retention.systems.<system>.days}: that system's retention, overriding {@link #DAYS}. */
    String SYSTEMS = "retention.systems";
    String INTERVAL_MINUTES = "retention.interval_minutes";
  }

  interface Alerts {
    /** URLs each alert notification is POSTed to (EC_ALERTS_WEBHOOKS, comma-separated). */
    String WEBHOOKS = "alerts.webhooks";
    /** The source_system of the alert.fired / alert.resolved events. */
    String SOURCE_SYSTEM = "alerts.source_system";
  }

  interface Metrics {
    String OTLP_URL = "metrics.otlp.url";
    String OTLP_STEP_SECONDS = "metrics.otlp.step_seconds";
    /** Vert.x's event-bus meters ({@code vertx_eventbus_*}); off, since they look a meter up for every message. */
    String EVENTBUS = "metrics.eventbus";
  }

  interface Log {
    /** Root log level: TRACE, DEBUG, INFO, WARN, ERROR. */
    String LEVEL = "log.level";
    /** {@code text} (one line, ISO-8601 time) or {@code json} (one JSON object per line). */
    String FORMAT = "log.format";
  }

  interface Auth {
    String API_KEYS_FILE = "auth.api_keys_file";
  }
}
