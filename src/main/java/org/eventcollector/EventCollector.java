package org.eventcollector;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.eventcollector.client.EventCollectorClient;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;

/**
 * The collector embedded in an application. Either deploy its verticles into the application's
 * own Vert.x ({@link #deploy(Vertx, JsonObject)}), or let it start a Vert.x of its own, as the
 * seed's {@code EventCollector(...)} / {@code initialize()} / {@code shutdown()} do. The
 * configuration is the built-in defaults with {@code config} merged over them (the config file and
 * {@code EC_*} variables are not read). {@link #client()} then works in-process.
 *
 * <pre>{@code
 * EventCollector collector = new EventCollector("sqlite", "events.db");
 * collector.initialize()
 *   .compose(v -> collector.client().collect(EventCollectorClient.event("mahavishnu", "workflow_complete")))
 *   .compose(ack -> collector.shutdown());
 * }</pre>
 */
public final class EventCollector {

  private final JsonObject config;
  private Vertx vertx;
  private boolean ownVertx;
  private String deploymentId;
  private MainVerticle main;
  private EventCollectorClient client;

  /** A collector with the built-in defaults (SQLite at {@code data/events.db}, HTTP on 127.0.0.1:8000, all roles). */
  public EventCollector() {
    this(new JsonObject());
  }

  /** A collector with {@code config} (same keys as {@code conf/config.json}) over the defaults. */
  public EventCollector(JsonObject config) {
    this.config = Defaults.config();
    Config.merge(this.config, config == null ? new JsonObject() : config);
  }

  /** The seed's form: a storage backend ({@code sqlite}, {@code memory}, ...) and, for SQLite, the file. */
  public EventCollector(String storageBackend, String dbPath) {
    this(new JsonObject());
    Config.set(config, ConfigKeys.Storage.BACKEND, storageBackend);
    if (dbPath != null) {
      Config.set(config, ConfigKeys.Storage.SQLITE_PATH, dbPath);
    }
  }

  /** Deploys the collector's verticles into {@code vertx}, clustered or not; answers once they serve. */
  public static Future<EventCollector> deploy(Vertx vertx, JsonObject config) {
    EventCollector collector = new EventCollector(config);
    return collector.deployInto(vertx).map(collector);
  }

  /** Starts a Vert.x of its own (clustered when {@code cluster} is true) and the collector in it. */
  public synchronized Future<Void> initialize() {
    if (vertx != null) {
      return Future.failedFuture(new IllegalStateException("already initialized"));
    }
    return Future.fromCompletionStage(Main.Node.start(config)).map(node -> {
      synchronized (this) {
        vertx = node.vertx();
        main = node.main();
        ownVertx = true;
        client = new EventCollectorClient(vertx);
      }
      return null;
    });
  }

  /** Stops the collector gracefully (pending writes are committed, the store is closed). */
  public synchronized Future<Void> shutdown() {
    if (vertx == null) {
      return Future.succeededFuture();
    }
    Vertx running = vertx;
    vertx = null;
    client = null;
    if (ownVertx) {
      return running.close();
    }
    return running.undeploy(deploymentId);
  }

  /** The client, talking to this collector in-process; null before it runs. */
  public synchronized EventCollectorClient client() {
    return client;
  }

  /** The Vert.x the collector runs in; null before it runs. */
  public synchronized Vertx vertx() {
    return vertx;
  }

  /** The port of its HTTP server ({@code /health}, {@code /metrics}, and REST with role ingest). */
  public synchronized int httpPort() {
    return main == null ? -1 : main.httpPort();
  }

  /** The effective configuration. */
  public JsonObject config() {
    return config.copy();
  }

  private synchronized Future<Void> deployInto(Vertx target) {
    MainVerticle verticle = new MainVerticle();
    return target.deployVerticle(verticle, new DeploymentOptions().setConfig(config)).map(id -> {
      synchronized (this) {
        vertx = target;
        main = verticle;
        deploymentId = id;
        client = new EventCollectorClient(target);
      }
      return null;
    });
  }
}
