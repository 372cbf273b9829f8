package org.eventcollector.storage;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import org.eventcollector.TestCollector;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from the Debian packages for the tests of this JVM: {@code initdb} into
 * a temporary directory, {@code pg_ctl start} on a free loopback port with password (SCRAM)
 * authentication, one fresh database per {@link #newDatabase()}, and {@code pg_ctl stop} once every
 * test has run. As root, the server runs as the {@code postgres} OS user (PostgreSQL refuses root).
 */
public final class PostgresServer implements BeforeAllCallback, ExtensionContext.Store.CloseableResource {

  public static final String USER = "collector";
  public static final String PASSWORD = "collector-test-secret";

  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresServer.class);
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static volatile PostgresServer running;

  private final Path bin;
  private final Path dir;
  private final Path data;
  private final boolean asRoot;
  private final int port;

  /** The extension JUnit instantiates; the server itself is made by {@link #start()}. */
  public PostgresServer() {
    this(null, Path.of("/nonexistent"), false, 0);
  }

  private PostgresServer(Path bin, Path dir, boolean asRoot, int port) {
    this.bin = bin;
    this.dir = dir;
    this.data = dir.resolve("data");
    this.asRoot = asRoot;
    this.port = port;
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

  int port() {
    return port;
  }

  /** Creates an empty database and answers its URL ({@code postgresql://user@127.0.0.1:port/db}). */
  public String newDatabase() {
    String name = "ec_test_" + DATABASES.incrementAndGet();
    Vertx vertx = Vertx.vertx();
    try {
      Pool admin = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
        .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(port).setUser(USER).setPassword(PASSWORD)
          .setDatabase("postgres"))
        .using(vertx).build();
      // The name is made here, never by a client.
      TestCollector.await(admin.query("CREATE DATABASE " + name).execute());
      TestCollector.await(admin.close());
    } finally {
      TestCollector.await(vertx.close());
    }
    return "postgresql://" + USER + "@127.0.0.1:" + port + "/" + name;
  }

  /** {@code config} switched to the postgres backend on a new database. */
  public JsonObject configure(JsonObject config) {
    Config.set(config, ConfigKeys.Storage.BACKEND, "postgres");
    Config.set(config, ConfigKeys.Storage.PG_URL, newDatabase());
    Config.set(config, ConfigKeys.Storage.PG_PASSWORD, PASSWORD);
    return config;
  }

  private static PostgresServer start() {
    try {
      Path bin = binaries();
      boolean asRoot = "root".equals(System.getProperty("user.name"));
      Path dir = Files.createTempDirectory("ec-postgres-");
      Files.writeString(dir.resolve("pwfile"), PASSWORD + "\n", StandardCharsets.UTF_8);
      if (asRoot) {
        run(List.of("chown", "-R", "postgres:postgres", dir.toString()), dir, 30);
      }
      PostgresServer server = new PostgresServer(bin, dir, asRoot, freePort());
      server.pg(List.of("initdb", "-D", server.data.toString(), "-U", USER, "--pwfile=" + dir.resolve("pwfile"),
        "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"), 120);
      server.pg(List.of("pg_ctl", "-D", server.data.toString(), "-l", dir.resolve("server.log").toString(),
        "-w", "-t", "60", "-o", "-p " + server.port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories="
          + dir + " -c fsync=off -c max_connections=100", "start"), 90);
      Runtime.getRuntime().addShutdownHook(new Thread(server::stopQuietly));
      return server;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start PostgreSQL", e);
    }
  }

  /** The newest installed {@code /usr/lib/postgresql/<version>/bin}. */
  private static Path binaries() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(root)) {
      try (Stream<Path> versions = Files.list(root)) {
        var found = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparingInt(b -> Integer.parseInt(b.getParent().getFileName().toString().replaceAll("\\D", "0"))));
        if (found.isPresent()) {
          return found.get();
        }
      }
    }
    throw new IllegalStateException("PostgreSQL is not installed: apt-get install -y postgresql postgresql-contrib");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private void pg(List<String> command, int timeoutSeconds) throws IOException {
    List<String> full = new ArrayList<>();
    if (asRoot) {
      full.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    full.add(bin.resolve(command.get(0)).toString());
    full.addAll(command.subList(1, command.size()));
    run(full, dir, timeoutSeconds);
  }

  private static void run(List<String> command, Path dir, int timeoutSeconds) throws IOException {
    File log = dir.resolve("command.log").toFile();
    Process process = new ProcessBuilder(command).directory(new File("/tmp")).redirectErrorStream(true)
      .redirectOutput(ProcessBuilder.Redirect.appendTo(log)).start();
    try {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " did not finish in " + timeoutSeconds + " s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (process.exitValue() != 0) {
      String output = Files.exists(log.toPath()) ? Files.readString(log.toPath()) : "";
      Path serverLog = dir.resolve("server.log");
      if (Files.exists(serverLog)) {
        output += "\n" + Files.readString(serverLog);
      }
      throw new IllegalStateException(command + " failed (" + process.exitValue() + "):\n" + output);
    }
  }

  private synchronized void stopQuietly() {
    if (!Files.exists(data.resolve("postmaster.pid"))) {
      deleteDir();
      return;
    }
    try {
      pg(List.of("pg_ctl", "-D", data.toString(), "-m", "fast", "-w", "-t", "30", "stop"), 45);
    } catch (IOException | RuntimeException e) {
      System.err.println("PostgreSQL test server did not stop: " + e.getMessage());
    }
    deleteDir();
  }

  private void deleteDir() {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; nothing else depends on it
    }
  }

  @Override
  public void close() {
    stopQuietly();
    running = null;
  }
}
