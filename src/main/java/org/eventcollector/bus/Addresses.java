package org.eventcollector.bus;

/**
 * Every event-bus address of the collector, public (CONTRACT.md section 5) and internal.
 * Bodies are {@code JsonObject} or {@code JsonArray} with the contract's snake_case field names.
 */
public final class Addresses {

  /** Request: an event object, or an array of them. Reply {@code {event_id, status}} or the batch answer. Fails 400, 403, 413, 429, 503. */
  public static final String INGEST = "events.ingest";
  /** Request: {@code {event_id}}. Reply: the event. Fails 404. */
  public static final String GET = "events.get";
  /** Request: a query object (REST parameter names). Reply {@code {events, count, query}}. Fails 400. */
  public static final String QUERY = "events.query";
  /** Request: a query object. Reply {@code {count}}. Fails 400. */
  public static final String COUNT = "events.count";
  /** Request: {@code {correlation_id, limit?}}. Reply {@code {correlation_id, events, count}}. Fails 400. */
  public static final String CORRELATION = "events.correlation";
  /** Request: {@code {start_time?, end_time?}}. Reply: the stats answer. Fails 400. */
  public static final String STATS = "events.stats";
  /** Request: {@code {hours}}. Reply: the error analysis. Fails 400. */
  public static final String ANALYSIS_ERRORS = "events.analysis.errors";
  /** Request: {@code {days}}. Reply: the hourly pattern analysis. Fails 400. */
  public static final String ANALYSIS_PATTERNS = "events.analysis.patterns";
  /** Request: {@code {hours}}. Reply: the report. Fails 400. */
  public static final String ANALYSIS_REPORT = "events.analysis.report";
  /** Request: {@code {}}. Reply: the {@code /health} answer. */
  public static final String HEALTH = "events.health";
  /** Publish (by storage): every stored event after its commit, once, in commit order. Header {@code seq}. */
  public static final String STREAM = "events.stream";
  /** Prefix of {@code events.stream.<source_system>}: the same events split by system. */
  public static final String STREAM_PREFIX = "events.stream.";

  /**
   * Request: an {@code EventBatch} of validated events (the ingest path), or {@code {events: [event...]}}.
   * Reply after commit: a {@code StoreResult} (a position per event, -1 for a duplicate), or for the
   * JSON form {@code {results: ["collected"|"duplicate"...]}}. Fails 400, 503.
   */
  public static final String STORAGE_INSERT = "events.storage.insert";
  /**
   * Publish (by storage): the events of one commit as an {@code EventBatch} with their positions,
   * in commit order; the stream role fans them out to its WebSocket clients.
   */
  public static final String STORAGE_COMMITTED = "events.storage.committed";
  /** Request: {@code {}}. Reply: storage health {@code {status, storage_type, total_events, ...}}. */
  public static final String STORAGE_HEALTH = "events.storage.health";
  /** Request: {@code {group_by, query}}. Reply {@code {total, groups: {value: count}}}. Fails 400. */
  public static final String STORAGE_AGGREGATE = "events.storage.aggregate";
  /** Request: {@code {after: event_id, query, max}}. Reply {@code {events, after_seq}}: at most max + 1 stored events committed after that event, in commit order, each with {@code _seq}, and that event's position. Fails 404 for an unknown id. */
  public static final String STORAGE_REPLAY = "events.storage.replay";
  /** Request: {@code {after, to}} commit positions. Reply {@code {events}}: the stored events at positions after &lt; seq &le; to (at most 10 000), in position order, each with {@code _seq}. Fails 400. */
  public static final String STORAGE_RANGE = "events.storage.range";
  /** Request: {@code {before}}. Reply {@code {deleted}}. Fails 400. */
  public static final String STORAGE_DELETE = "events.storage.delete";
  /** Request: {@code {query}}. Reply {@code {buckets: {"<hour start, epoch ms>": count}}}, empty hours absent. Fails 400. */
  public static final String STORAGE_COUNT_HOURLY = "events.storage.count_hourly";
  /** Request: {@code {query, percentiles?}}. Reply {@code {count, min, max, avg, p50, p95, p99}} of duration_ms (nearest rank). Fails 400. */
  public static final String STORAGE_MEASURE_DURATIONS = "events.storage.measure_durations";
  /** Request: {@code {query, top?}}. Reply {@code {total, distinct, ungrouped, groups: [{fingerprint, count, first_seen, last_seen, ...}]}}. Fails 400. */
  public static final String STORAGE_GROUP_ERRORS = "events.storage.group_errors";

  /** Request: {@code {kind, name}} ({@code kind}: queries, rules, states, silences). Reply: the stored document. Fails 400, 404. */
  public static final String SAVED_GET = "events.storage.saved.get";
  /** Request: {@code {kind}}. Reply {@code {items: [document...]}} by name. Fails 400. */
  public static final String SAVED_LIST = "events.storage.saved.list";
  /** Request: {@code {kind, name, body}}. Reply: the stored document. Fails 400. */
  public static final String SAVED_PUT = "events.storage.saved.put";
  /** Request: {@code {kind, name}}. Reply {@code {deleted}}; a rule takes its state and silence with it. Fails 400. */
  public static final String SAVED_DELETE = "events.storage.saved.delete";
  /** Request: {@code {states: {rule: state}, outbox: [{delivery_id, target, body, attempts, next_at, created_at}]}}, stored in one transaction. Reply {@code {}}. */
  public static final String ALERTS_COMMIT = "events.storage.alerts.commit";
  /** Request: {@code {now, limit}}. Reply {@code {entries}}: outbox entries due by {@code now}, soonest first. */
  public static final String ALERTS_DUE = "events.storage.alerts.due";
  /** Request: {@code {delivery_id, attempts, next_at}}: an outbox entry to try again later. Reply {@code {}}. */
  public static final String ALERTS_RETRY = "events.storage.alerts.retry";
  /** Request: {@code {delivery_id}}: an outbox entry delivered, removed. Reply {@code {}}. */
  public static final String ALERTS_DELIVERED = "events.storage.alerts.delivered";
  /** Publish (by the alert evaluator): {@code {rule, state, value, at, sample}} when a rule changes between ok and firing. */
  public static final String ALERTS = "events.alerts";

  /** Request: {@code {source_system, count}}. Reply {@code {granted, retry_after_ms, per_second}}. Fails 400. */
  public static final String RATELIMIT_ACQUIRE = "events.ratelimit.acquire";
  /** Request: {@code {}}. Reply {@code {limits: {system: {per_second, burst}}}}. */
  public static final String RATELIMIT_GET = "events.ratelimit.get";
  /** Request: {@code {source_system, per_second, burst}}. Reply: the new limit. Fails 400. */
  public static final String RATELIMIT_SET = "events.ratelimit.set";
  /** Publish (by ratelimit): {@code {source_system, per_second, burst}} after a change; ingest nodes drop their leased tokens. */
  public static final String RATELIMIT_CHANGED = "events.ratelimit.changed";

  private Addresses() {
  }

  /** The per-system stream address of {@code system}. */
  public static String streamOf(String system) {
    return STREAM_PREFIX + system;
  }
}
