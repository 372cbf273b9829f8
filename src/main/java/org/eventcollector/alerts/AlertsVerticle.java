package org.eventcollector.alerts;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.eventcollector.cluster.Ownership;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.metrics.CollectorMetrics;

import java.net.URI;
import java.time.Clock;
import java.util.List;

/**
 * Role {@code analysis}: the alert evaluator and the delivery of its notifications. One runs in
 * the cluster at a time, holding a cluster-wide lock as the storage owner does; a standby takes
 * over when the holder leaves.
 */
public class AlertsVerticle extends VerticleBase {

  private final Clock clock;
  private Ownership ownership;
  private Evaluator evaluator;
  private Notifier notifier;

  public AlertsVerticle() {
    this(Clock.systemUTC());
  }

  /** An evaluator reading the time from {@code clock} (tests move it). */
  public AlertsVerticle(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    List<String> webhooks = Config.strings(Config.get(conf, ConfigKeys.Alerts.WEBHOOKS));
    for (String url : webhooks) {
      if (!url.startsWith("http://") && !url.startsWith("https://")) {
        return Future.failedFuture(new IllegalArgumentException("alerts.webhooks: '" + url + "' is not an http(s) URL"));
      }
      try {
        URI.create(url);
      } catch (IllegalArgumentException e) {
        return Future.failedFuture(new IllegalArgumentException("alerts.webhooks: '" + url + "' is not a URL"));
      }
    }
    String system = Config.string(conf, ConfigKeys.Alerts.SOURCE_SYSTEM, "mahavishnu");
    if (!Config.strings(conf.getValue(ConfigKeys.SYSTEMS)).contains(system)) {
      return Future.failedFuture(new IllegalArgumentException("alerts.source_system '" + system
        + "' is not one of the configured systems"));
    }
    CollectorMetrics.get().alertMeters();
    notifier = new Notifier(vertx, webhooks, system);
    evaluator = new Evaluator(vertx, clock, notifier);
    if (vertx.isClustered()) {
      ownership = new Ownership(vertx, Ownership.ALERTS);
      return ownership.start(this::serve);
    }
    return serve();
  }

  private Future<?> serve() {
    notifier.start();
    // The states load in the background: storage may start after this node's analysis role.
    evaluator.start();
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    if (ownership != null) {
      ownership.stop();
    }
    if (evaluator != null) {
      evaluator.stop();
      notifier.stop();
    }
    if (ownership != null) {
      ownership.release();
    }
    return Future.succeededFuture();
  }
}
