package org.eventcollector.metrics;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.registry.otlp.OtlpConfig;
import io.micrometer.registry.otlp.OtlpMeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Optional OTLP push besides the Prometheus endpoint: with {@code metrics.otlp.url} set, Vert.x and
 * the collector's meters go to a composite of a Prometheus registry (still served at
 * {@code /metrics}) and an OTLP registry that pushes every {@code metrics.otlp.step_seconds}.
 */
public final class MetricsExport {

  private static final Logger LOG = LoggerFactory.getLogger(MetricsExport.class);

  /**
   * Micrometer's JVM meters whose Prometheus names break the naming rules that {@code promtool check
   * metrics} enforces (milliseconds and nanoseconds instead of seconds, {@code _count} on a gauge):
   * left out, so that the scrape passes the linter that alerting pipelines run.
   */
  static final MeterFilter PROMETHEUS_NAMES = MeterFilter.deny(id -> switch (id.getName()) {
    case "jvm.compilation.time", "process.cpu.time", "system.cpu.count" -> true;
    default -> false;
  });

  private MetricsExport() {
  }

  /** A Vert.x builder with {@code options}, and with the OTLP registry when the config asks for it. */
  public static VertxBuilder builder(VertxOptions options, JsonObject config) {
    VertxBuilder builder = Vertx.builder().with(options);
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    prometheus.config().meterFilter(PROMETHEUS_NAMES);
    String url = Config.string(config, ConfigKeys.Metrics.OTLP_URL, "").trim();
    if (url.isEmpty()) {
      return builder.withMetrics(new MicrometerMetricsFactory(prometheus));
    }
    long step = Math.max(1, Config.number(config, ConfigKeys.Metrics.OTLP_STEP_SECONDS, 60));
    OtlpConfig otlp = key -> switch (key) {
      case "otlp.url" -> url;
      case "otlp.step" -> step + "s";
      case "otlp.resourceAttributes" -> "service.name=event-collector";
      default -> null;
    };
    CompositeMeterRegistry composite = new CompositeMeterRegistry();
    composite.add(prometheus);
    composite.add(new OtlpMeterRegistry(otlp, Clock.SYSTEM));
    LOG.info("Pushing metrics over OTLP to {} every {} s", url, step);
    return builder.withMetrics(new MicrometerMetricsFactory(composite));
  }
}
