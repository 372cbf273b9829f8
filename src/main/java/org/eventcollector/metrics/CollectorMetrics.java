package org.eventcollector.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.micrometer.backends.BackendRegistries;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every meter of the collector (CONTRACT.md section 9 and 10), registered in the registry that
 * Vert.x publishes at {@code /metrics}. One instance per registry, shared by all verticles.
 */
public final class CollectorMetrics {

  private static final ConcurrentMap<MeterRegistry, CollectorMetrics> INSTANCES = new ConcurrentHashMap<>();
  private static volatile PrometheusMeterRegistry fallback;

  private final MeterRegistry registry;
  private final ConcurrentMap<String, Counter> collected = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> stored = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> rejected = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> invalid = new ConcurrentHashMap<>();
  private final Counter queries;
  private final Counter duplicates;
  private final Counter evicted;
  private final Counter streamDropped;
  private final Counter retentionDeleted;
  private final Counter storageOverloaded;
  private final Timer ingestHttp;
  private final Timer ingestBus;
  private final DistributionSummary commitEvents;
  private final AtomicInteger streamClients = new AtomicInteger();
  private final AtomicInteger sockjsClients = new AtomicInteger();

  private CollectorMetrics(MeterRegistry registry) {
    this.registry = registry;
    queries = Counter.builder("event_collector_queries").description("Queries answered (events, count, correlation, stats, analysis)").register(registry);
    duplicates = Counter.builder("event_collector_events_duplicate").description("Events whose event_id was already stored").register(registry);
    evicted = Counter.builder("event_collector_events_evicted").description("Events dropped by the bounded memory store, oldest first").register(registry);
    streamDropped = Counter.builder("event_collector_stream_dropped").description("Events dropped for slow stream clients").register(registry);
    retentionDeleted = Counter.builder("event_collector_retention_deleted").description("Events deleted by retention or DELETE /events").register(registry);
    storageOverloaded = Counter.builder("event_collector_storage_overloaded").description("Events refused with 503 because storage pending writes were full").register(registry);
    ingestHttp = latency("http");
    ingestBus = latency("bus");
    commitEvents = DistributionSummary.builder("event_collector_storage_commit_events")
      .description("Events written per storage commit (group commit size)")
      .serviceLevelObjectives(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)
      .register(registry);
    io.micrometer.core.instrument.Gauge.builder("event_collector_stream_clients", streamClients, AtomicInteger::get)
      .description("Connected stream clients").tag("transport", "websocket").register(registry);
    io.micrometer.core.instrument.Gauge.builder("event_collector_stream_clients", sockjsClients, AtomicInteger::get)
      .description("Connected stream clients").tag("transport", "sockjs").register(registry);
  }

  private Timer latency(String transport) {
    return Timer.builder("event_collector_ingest_latency")
      .description("Time from an ingest request to its acknowledgement")
      .tag("transport", transport)
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofNanos(100_000))
      .maximumExpectedValue(Duration.ofSeconds(10))
      .register(registry);
  }

  /** The metrics of the registry Vert.x publishes, or of a private Prometheus registry when Vert.x has none. */
  public static CollectorMetrics get() {
    MeterRegistry registry = BackendRegistries.getDefaultNow();
    if (registry == null) {
      if (fallback == null) {
        synchronized (CollectorMetrics.class) {
          if (fallback == null) {
            fallback = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
          }
        }
      }
      registry = fallback;
    }
    return INSTANCES.computeIfAbsent(registry, CollectorMetrics::new);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** Prometheus text of this registry. */
  public String scrape() {
    if (registry instanceof io.micrometer.core.instrument.composite.CompositeMeterRegistry composite) {
      // With OTLP on, Prometheus is one member of a composite (MetricsExport).
      for (MeterRegistry member : composite.getRegistries()) {
        if (member instanceof PrometheusMeterRegistry prometheus) {
          return prometheus.scrape();
        }
      }
    }
    return registry instanceof PrometheusMeterRegistry prometheus ? prometheus.scrape() : "";
  }

  private Counter perSystem(ConcurrentMap<String, Counter> map, String name, String description, String system) {
    return map.computeIfAbsent(system, s -> Counter.builder(name).description(description).tag("source_system", s).register(registry));
  }

  /**
   * Registers at zero every meter whose tags are known in advance (the configured systems, the
   * transports, the analyses, the stream outcomes), so that an alert on an absent series never fires
   * only because nothing happened yet.
   */
  public void known(java.util.Collection<String> systems) {
    for (String system : systems) {
      collected(system, 0);
      stored(system, 0);
      rateLimited(system, 0);
    }
    invalid("http", 0);
    invalid("bus", 0);
    for (String analysis : java.util.List.of("stats", "errors", "patterns", "report")) {
      analysisTimer(analysis);
    }
    streamReordered(0);
    streamGaps(true, 0);
    streamGaps(false, 0);
  }

  public void collected(String system, long n) {
    perSystem(collected, "event_collector_events_collected", "Events accepted by ingest (duplicates excluded)", system).increment(n);
  }

  public void stored(String system, long n) {
    perSystem(stored, "event_collector_events_stored", "Events committed to storage", system).increment(n);
  }

  public void rateLimited(String system, long n) {
    perSystem(rejected, "event_collector_rate_limit_rejections", "Events refused by the rate limit", system).increment(n);
  }

  public void invalid(String transport, long n) {
    invalid.computeIfAbsent(transport, t -> Counter.builder("event_collector_events_invalid")
      .description("Events refused by validation").tag("transport", t).register(registry)).increment(n);
  }

  private final ConcurrentMap<String, Counter> ingested = new ConcurrentHashMap<>();

  /**
   * Events that came in by {@code protocol} ({@code rest}, {@code otlp}, {@code loki}, {@code bus})
   * with their {@code outcome} ({@code collected}, {@code duplicate}, {@code invalid},
   * {@code rate_limited}): {@code event_collector_ingest_events_total{protocol, outcome}}.
   */
  public void ingested(String protocol, String outcome, long n) {
    if (n <= 0) {
      return;
    }
    ingested.computeIfAbsent(protocol + "/" + outcome, k -> Counter.builder("event_collector_ingest_events")
      .description("Events received, by ingest protocol and what became of them")
      .tag("protocol", protocol).tag("outcome", outcome).register(registry)).increment(n);
  }

  public void duplicate(long n) {
    duplicates.increment(n);
  }

  public void query() {
    queries.increment();
  }

  public void evicted() {
    evicted.increment();
  }

  public void streamDropped(long n) {
    streamDropped.increment(n);
  }

  public void retentionDeleted(long n) {
    retentionDeleted.increment(n);
  }

  public void storageOverloaded(long n) {
    storageOverloaded.increment(n);
  }

  public void commit(int events) {
    commitEvents.record(events);
  }

  public void ingestLatency(boolean http, long nanos) {
    (http ? ingestHttp : ingestBus).record(nanos, TimeUnit.NANOSECONDS);
  }

  public AtomicInteger streamClients() {
    return streamClients;
  }

  public AtomicInteger sockjsClients() {
    return sockjsClients;
  }

  private final ConcurrentMap<String, Timer> analyses = new ConcurrentHashMap<>();

  /** Records how long an analysis ({@code errors}, {@code patterns}, {@code report}, {@code stats}) took to answer. */
  public void analysis(String name, long nanos) {
    analysisTimer(name).record(nanos, TimeUnit.NANOSECONDS);
  }

  private Timer analysisTimer(String name) {
    return analyses.computeIfAbsent(name, n -> Timer.builder("event_collector_analysis")
      .description("Time to answer a statistics or analysis request, computed in storage")
      .tag("analysis", n)
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofMillis(1))
      .maximumExpectedValue(Duration.ofSeconds(60))
      .register(registry));
  }

  private final ConcurrentMap<String, Counter> streamOrder = new ConcurrentHashMap<>();

  /** Publications of {@code events.stream} that reached a stream hub ahead of a lower position and were held for it. */
  public void streamReordered(long n) {
    streamOrder.computeIfAbsent("reordered", k -> Counter.builder("event_collector_stream_reordered")
      .description("Stream publications that arrived ahead of a lower commit position and were held to restore commit order")
      .register(registry)).increment(n);
  }

  /** Positions missing from a stream hub's live feed: read from storage ({@code filled}) or passed over ({@code skipped}). */
  public void streamGaps(boolean filled, long n) {
    if (n < 0) {
      return;
    }
    String outcome = filled ? "filled" : "skipped";
    streamOrder.computeIfAbsent(outcome, o -> Counter.builder("event_collector_stream_gaps")
      .description("Commit positions a stream hub did not receive live: read from storage (filled) or not found there (skipped)")
      .tag("outcome", o).register(registry)).increment(n);
  }

  private final ConcurrentMap<String, AtomicInteger> owners = new ConcurrentHashMap<>();

  /**
   * Whether this node serves a single-owner role ({@code storage}, {@code ratelimit}) of the
   * cluster: gauge {@code event_collector_cluster_owner{role}}, 1 for the owner, 0 for a standby.
   */
  public void owner(String role, boolean owns) {
    owners.computeIfAbsent(role, r -> {
      AtomicInteger value = new AtomicInteger();
      io.micrometer.core.instrument.Gauge.builder("event_collector_cluster_owner", value, AtomicInteger::get)
        .description("1 when this node owns the role in the cluster, 0 when it stands by").tag("role", r).register(registry);
      return value;
    }).set(owns ? 1 : 0);
  }

  // Alerts

  private final ConcurrentMap<String, AtomicInteger> firing = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> alertCounters = new ConcurrentHashMap<>();

  /** Gauge {@code event_collector_alerts_firing{rule}}: 1 while the rule's condition holds, else 0. */
  public void alertFiring(String rule, boolean holds) {
    firing.computeIfAbsent(rule, r -> {
      AtomicInteger value = new AtomicInteger();
      io.micrometer.core.instrument.Gauge.builder("event_collector_alerts_firing", value, AtomicInteger::get)
        .description("1 while an alert rule fires, 0 otherwise").tag("rule", r).register(registry);
      return value;
    }).set(holds ? 1 : 0);
  }

  /** A deleted rule's gauge goes away. */
  public void alertRemoved(String rule) {
    if (firing.remove(rule) != null) {
      var gauge = registry.find("event_collector_alerts_firing").tag("rule", rule).gauge();
      if (gauge != null) {
        registry.remove(gauge);
      }
    }
  }

  /** Counter {@code event_collector_alert_evaluations_total{outcome}}: rule evaluations, {@code ok} or {@code error}. */
  public void alertEvaluated(boolean ok) {
    evaluations(ok ? "ok" : "error").increment();
  }

  /** Counter {@code event_collector_alert_notifications_failed_total{target}}: failed delivery attempts ({@code webhook}, {@code event}). */
  public void alertNotificationFailed(String target) {
    notificationsFailed(target).increment();
  }

  /** Registers the alert counters at zero, so that they are scraped before the first evaluation. */
  public void alertMeters() {
    evaluations("ok");
    evaluations("error");
    notificationsFailed("webhook");
    notificationsFailed("event");
  }

  private Counter evaluations(String outcome) {
    return alertCounters.computeIfAbsent("evaluation." + outcome, k -> Counter.builder("event_collector_alert_evaluations")
      .description("Alert rule evaluations").tag("outcome", outcome).register(registry));
  }

  private Counter notificationsFailed(String target) {
    return alertCounters.computeIfAbsent("failed." + target, k -> Counter.builder("event_collector_alert_notifications_failed")
      .description("Alert notification delivery attempts that failed (retried later)").tag("target", target)
      .register(registry));
  }

  // Session-Buddy mirror

  private final java.util.concurrent.atomic.AtomicLong mirrorDepth = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong mirrorOldest = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong mirrorToolsMissing = new java.util.concurrent.atomic.AtomicLong();
  private volatile Counter mirrorFailures;
  private volatile Counter mirrorEvents;
  private volatile Timer mirrorLag;

  private synchronized void mirrorMeters() {
    if (mirrorLag != null) {
      return;
    }
    registry.gauge("event_collector_mirror_outbox_depth", java.util.List.of(), mirrorDepth);
    io.micrometer.core.instrument.Gauge.builder("event_collector_mirror_oldest_pending_age_seconds", mirrorOldest,
        at -> at.get() == 0 ? 0 : Math.max(0, System.currentTimeMillis() - at.get()) / 1000.0)
      .description("Age of the oldest event waiting in the Session-Buddy outbox").register(registry);
    io.micrometer.core.instrument.Gauge.builder("event_collector_mirror_tools_missing", mirrorToolsMissing, Number::doubleValue)
      .description("Tools the mirror needs that Session-Buddy did not list at its last tools/list (0: all there)")
      .register(registry);
    mirrorFailures = Counter.builder("event_collector_mirror_failures")
      .description("Session-Buddy calls that failed (unreachable, HTTP or JSON-RPC error, isError, or a text beginning with ❌)")
      .register(registry);
    mirrorEvents = Counter.builder("event_collector_mirror_events")
      .description("Events mirrored to Session-Buddy").register(registry);
    mirrorLag = Timer.builder("event_collector_mirror_lag")
      .description("Time from an event's commit to the end of its mirroring into Session-Buddy")
      .publishPercentileHistogram()
      .minimumExpectedValue(Duration.ofMillis(1))
      .maximumExpectedValue(Duration.ofMinutes(10))
      .register(registry);
  }

  /** Events waiting in the Session-Buddy outbox, and when the oldest of them was committed (0: none or unknown). */
  public void mirrorOutbox(long depth, long oldestCommittedAt) {
    mirrorMeters();
    mirrorDepth.set(depth);
    mirrorOldest.set(depth == 0 ? 0 : oldestCommittedAt);
  }

  /** How many of the tools the mirror needs the server did not list at the last check. */
  public void mirrorToolsMissing(int missing) {
    mirrorMeters();
    mirrorToolsMissing.set(missing);
  }

  public void mirrorFailure() {
    mirrorMeters();
    mirrorFailures.increment();
  }

  /** One event mirrored, {@code lagMs} after its commit. */
  public void mirrored(long lagMs) {
    mirrorMeters();
    mirrorEvents.increment();
    mirrorLag.record(Math.max(0, lagMs), TimeUnit.MILLISECONDS);
  }
}
