package org.eventcollector;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code java -jar event-collector.jar [--conf FILE] [--cluster] [--roles ...]}: starts a collector node. */
@Command(name = "event-collector", mixinStandardHelpOptions = true, version = "event-collector 0.1.0",
  subcommands = {org.eventcollector.cli.EventsCommand.class, org.eventcollector.bench.BenchCommand.class},
  description = "Starts an Event Collector node.")
public final class Main implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  @Option(names = "--conf", description = "Configuration file (default: conf/config.json when present)")
  Path conf;

  @Option(names = "--cluster", description = "Join the Hazelcast cluster (cluster.xml)")
  Boolean cluster;

  @Option(names = "--roles", split = ",", description = "Roles of this node: ingest, stream, ratelimit, storage, analysis")
  String[] roles;

  @Option(names = "--host", description = "HTTP host (http.host)")
  String host;

  @Option(names = "--port", description = "HTTP port, 0 for any free port (http.port)")
  Integer port;

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new Main());
    int code = cli.execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  @Override
  public Integer call() {
    JsonObject config;
    try {
      config = Config.load(conf, System.getenv(), flags());
      LogSetup.apply(config);
    } catch (IllegalArgumentException e) {
      System.err.println("event-collector: " + e.getMessage());
      return 2;
    }
    try {
      Node node = Node.start(config).get(120, TimeUnit.SECONDS);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        LOG.info("Shutting down");
        long started = System.nanoTime();
        node.close(10_000);
        LOG.info("Stopped in {} ms", (System.nanoTime() - started) / 1_000_000);
      }, "shutdown"));
      return 0;
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
      // One line that says what to fix; the stack trace only at DEBUG.
      LOG.error("Collector failed to start: {}", cause.getMessage() == null ? cause.toString() : cause.getMessage());
      LOG.debug("Start failure", cause);
      return 1;
    }
  }

  private Map<String, Object> flags() {
    Map<String, Object> flags = new HashMap<>();
    if (cluster != null) {
      flags.put(ConfigKeys.CLUSTER, cluster);
    }
    if (roles != null) {
      flags.put(ConfigKeys.ROLES, new JsonArray(java.util.List.of((Object[]) roles)));
    }
    if (host != null) {
      flags.put(ConfigKeys.Http.HOST, host);
    }
    if (port != null) {
      flags.put(ConfigKeys.Http.PORT, port);
    }
    return flags;
  }

  /** A running node: its Vert.x and its main verticle. */
  public record Node(Vertx vertx, MainVerticle main) {

    /** Starts a node (clustered when the config says so) with Prometheus metrics. */
    public static java.util.concurrent.CompletableFuture<Node> start(JsonObject config) {
      warnIfOpen(config);
      MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        .setJvmMetricsEnabled(true)
        .setEnabled(true);
      if (!Config.bool(config, ConfigKeys.Metrics.EVENTBUS, false)) {
        // Every message would build tags and look its meter up; the collector's own meters count events.
        metrics.addDisabledMetricsCategory(io.vertx.micrometer.MetricsDomain.EVENT_BUS.toCategory());
      }
      VertxOptions options = new VertxOptions().setMetricsOptions(metrics);
      io.vertx.core.Future<Vertx> vertx;
      if (Config.bool(config, ConfigKeys.CLUSTER, false)) {
        vertx = org.eventcollector.metrics.MetricsExport.builder(options, config).withClusterManager(org.eventcollector.cluster.ClusterSetup.manager(config))
          .buildClustered();
      } else {
        vertx = io.vertx.core.Future.succeededFuture(org.eventcollector.metrics.MetricsExport.builder(options, config).build());
      }
      java.util.concurrent.CompletableFuture<Node> started = new java.util.concurrent.CompletableFuture<>();
      vertx.onFailure(started::completeExceptionally).onSuccess(v -> {
        MainVerticle main = new MainVerticle();
        v.deployVerticle(main, new DeploymentOptions().setConfig(config)).onComplete(ar -> {
          if (ar.succeeded()) {
            started.complete(new Node(v, main));
          } else {
            started.completeExceptionally(ar.cause());
            v.close();
          }
        });
      });
      return started;
    }

    /** Closes gracefully: stops accepting, finishes in-flight writes, closes the store. */
    public void close(long timeoutMs) {
      try {
        vertx.close().toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        LOG.warn("Shutdown did not finish in {} ms", timeoutMs);
      }
    }
  }

  static void warnIfOpen(JsonObject config) {
    String host = Config.string(config, ConfigKeys.Http.HOST, "127.0.0.1");
    if (!Config.string(config, ConfigKeys.Auth.API_KEYS_FILE, "").isBlank()) {
      return;
    }
    try {
      InetAddress address = InetAddress.getByName(host);
      if (!address.isLoopbackAddress()) {
        LOG.warn("HTTP is bound to non-loopback host {} without API keys: anyone who can reach it can read and write events (set EC_API_KEYS_FILE)", host);
      }
    } catch (Exception e) {
      LOG.warn("HTTP host {} is not a loopback address and auth is off (set EC_API_KEYS_FILE)", host);
    }
  }
}
