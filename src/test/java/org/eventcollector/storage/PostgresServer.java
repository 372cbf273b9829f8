package org.eventcollector.storage;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.eventcollector.TestCollector;
import org.eventcollector.bench.PgServer;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.util.List;

/**
 * A real PostgreSQL server from the Debian packages for the tests of this JVM, run by the bench's
 * own {@link PgServer}: {@code initdb} into a temporary directory, {@code pg_ctl start} on a free
 * loopback port with password (SCRAM) authentication, one fresh database per
 * {@link #newDatabase()}, and {@code pg_ctl stop} once every test has run. As root, the server runs
 * as the {@code postgres} OS user (PostgreSQL refuses root). Unlike the bench's, this server does
 * not flush ({@code fsync=off}): tests check answers, not durability of the machine's disk.
 */
public final class PostgresServer implements BeforeAllCallback, ExtensionContext.Store.CloseableResource {

  public static final String USER = PgServer.USER;
  public static final String PASSWORD = "collector-test-secret";

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresServer.class);
  private static volatile PostgresServer running;

  private final Vertx vertx;
  private final PgServer server;

  /** The extension JUnit instantiates; the server itself is made by {@link #start()}. */
  public PostgresServer() {
    this(null, null);
  }

  private PostgresServer(Vertx vertx, PgServer server) {
    this.vertx = vertx;
    this.server = server;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    synchronized (PostgresServer.class) {
      if (running == null) {
        running = start();
        // Stopped when the whole test plan has run.
        context.getRoot().getStore(NAMESPACE).put(PostgresServer.class, running);
      }
    }
  }

  /** The server of this JVM; a test class using it carries {@code @ExtendWith(PostgresServer.class)}. */
  public static PostgresServer get() {
    if (running == null) {
      throw new IllegalStateException("PostgresServer is not started: annotate the test class with @ExtendWith(PostgresServer.class)");
    }
    return running;
  }

  /** Creates an empty database and answers its URL ({@code postgresql://user@127.0.0.1:port/db}). */
  public String newDatabase() {
    try {
      return server.newDatabase();
    } catch (Exception e) {
      throw new IllegalStateException("cannot create a test database", e);
    }
  }

  /** A one-connection pool to the test database at {@code url}, as the test user. */
  public static Pool connect(Vertx vertx, String url) {
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
      .connectingTo(PgConnectOptions.fromUri(url).setPassword(PASSWORD)).using(vertx).build();
  }

  /** {@code config} switched to the postgres backend on a new database. */
  public JsonObject configure(JsonObject config) {
    Config.set(config, ConfigKeys.Storage.BACKEND, "postgres");
    Config.set(config, ConfigKeys.Storage.PG_URL, newDatabase());
    Config.set(config, ConfigKeys.Storage.PG_PASSWORD, PASSWORD);
    return config;
  }

  private static PostgresServer start() {
    Vertx vertx = Vertx.vertx();
    try {
      return new PostgresServer(vertx, PgServer.start(vertx, PASSWORD, "ec_test_", List.of("fsync=off", "max_connections=100")));
    } catch (IOException | RuntimeException e) {
      TestCollector.await(vertx.close());
      throw new IllegalStateException("cannot start PostgreSQL", e);
    }
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
      TestCollector.await(vertx.close());
    }
    running = null;
  }
}
