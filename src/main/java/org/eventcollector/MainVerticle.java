package org.eventcollector;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import org.eventcollector.alerts.AlertsVerticle;
import org.eventcollector.analysis.AnalysisVerticle;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.metrics.CollectorMetrics;
import org.eventcollector.http.HttpVerticle;
import org.eventcollector.ingest.IngestVerticle;
import org.eventcollector.ratelimit.RateLimitVerticle;
import org.eventcollector.storage.StorageVerticle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;

/**
 * Deploys what the node's roles ask for, in order: storage, analysis, rate limit, ingest, then the
 * HTTP server (which carries the ingest and stream routes).
 */
public class MainVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(MainVerticle.class);
  static final Set<String> ROLES = Set.of("ingest", "stream", "ratelimit", "storage", "analysis");

  private volatile int httpPort = -1;

  @Override
  public Future<?> start() {
    JsonObject conf = config();
    List<String> roles = Config.strings(conf.getValue(ConfigKeys.ROLES));
    for (String role : roles) {
      if (!ROLES.contains(role)) {
        return Future.failedFuture(new IllegalArgumentException("unknown role '" + role
          + "' (ingest, stream, ratelimit, storage, analysis)"));
      }
    }
    CollectorMetrics.get().known(Config.strings(conf.getValue(ConfigKeys.SYSTEMS)));
    Future<?> chain = Future.succeededFuture();
    if (roles.contains("storage")) {
      // One writer per SQLite file: storage runs as a single instance per node.
      chain = chain.compose(v -> deploy(StorageVerticle.class, conf, 1));
    }
    if (roles.contains("analysis")) {
      chain = chain.compose(v -> deploy(AnalysisVerticle.class, conf, Config.integer(conf, ConfigKeys.Analysis.INSTANCES, 1)));
      chain = chain.compose(v -> deploy(AlertsVerticle.class, conf, 1));
    }
    if (roles.contains("ratelimit")) {
      // The buckets must have a single owner to be exact.
      chain = chain.compose(v -> deploy(RateLimitVerticle.class, conf, 1));
    }
    if (roles.contains("ingest")) {
      chain = chain.compose(v -> deploy(IngestVerticle.class, conf, Config.integer(conf, ConfigKeys.Http.INSTANCES, 1)));
    }
    return chain.compose(v -> deployHttp(conf));
  }

  private Future<String> deploy(Class<? extends io.vertx.core.Deployable> type, JsonObject conf, int instances) {
    return vertx.deployVerticle(type, new DeploymentOptions().setConfig(conf).setInstances(Math.max(1, instances)));
  }

  private Future<?> deployHttp(JsonObject conf) {
    int instances = Math.max(1, Config.integer(conf, ConfigKeys.Http.INSTANCES, 1));
    HttpVerticle first = new HttpVerticle();
    return vertx.deployVerticle(first, new DeploymentOptions().setConfig(conf)).compose(id -> {
      httpPort = first.actualPort();
      LOG.info("HTTP listening on {}:{}", Config.string(conf, ConfigKeys.Http.HOST, "127.0.0.1"), httpPort);
      if (instances == 1) {
        return Future.succeededFuture();
      }
      JsonObject shared = conf.copy();
      Config.set(shared, ConfigKeys.Http.PORT, httpPort);
      return vertx.deployVerticle(HttpVerticle.class, new DeploymentOptions().setConfig(shared).setInstances(instances - 1));
    });
  }

  /** The HTTP port this node listens on, once started. */
  public int httpPort() {
    return httpPort;
  }
}
