package org.eventcollector.bench;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The PostgreSQL server of a {@code --storage postgres} run: the one named by {@code --pg-url}, or
 * a throwaway one started here from the Debian binaries ({@code initdb} and {@code pg_ctl} of the
 * newest {@code /usr/lib/postgresql/<version>/bin}, on a free loopback port, as the
 * {@code postgres} OS user when run as root) and stopped and deleted at the end. Every measured
 * variant gets a database of its own ({@link #newDatabase()}), dropped at the end.
 */
public final class PgServer implements AutoCloseable {

  public static final String USER = "collector";

  private final Vertx vertx;
  private final PgConnectOptions admin;
  private final String password;
  private final Path dir;
  private final Path bin;
  private final boolean asRoot;
  private final List<String> databases = new ArrayList<>();
  private final String prefix;

  private PgServer(Vertx vertx, PgConnectOptions admin, String password, Path dir, Path bin, boolean asRoot,
                   String prefix) {
    this.prefix = prefix;
    this.vertx = vertx;
    this.admin = admin;
    this.password = password;
    this.dir = dir;
    this.bin = bin;
    this.asRoot = asRoot;
  }

  /** The server at {@code url} (its user needs CREATEDB); databases are made beside the URL's own. */
  static PgServer at(Vertx vertx, String url, String password) {
    PgConnectOptions options = PgConnectOptions.fromUri(url.startsWith("postgres://") ? "postgresql://" + url.substring(11) : url);
    if (password != null && !password.isEmpty()) {
      options.setPassword(password);
    }
    return new PgServer(vertx, options, options.getPassword(), null, null, false, benchPrefix());
  }

  /** Starts a throwaway server from the installed Debian binaries. */
  static PgServer start(Vertx vertx) throws IOException {
    // PostgreSQL's defaults otherwise (fsync and synchronous_commit on): an acknowledged event is durable.
    return start(vertx, HexFormat.of().formatHex(new SecureRandom().generateSeed(12)), benchPrefix(),
      List.of("max_connections=200", "shared_buffers=256MB", "max_wal_size=2GB"));
  }

  private static String benchPrefix() {
    return "ec_bench_" + ProcessHandle.current().pid() + "_";
  }

  /**
   * Starts a throwaway server from the installed Debian binaries for the user {@value #USER} with
   * {@code password}, its databases named {@code databasePrefix} and a number, with the server
   * {@code settings} ({@code name=value}) on top of PostgreSQL's defaults.
   */
  public static PgServer start(Vertx vertx, String password, String databasePrefix, List<String> settings)
    throws IOException {
    Path bin = binaries();
    boolean asRoot = "root".equals(System.getProperty("user.name"));
    // Its own directory in the system temp dir: the work dir may not be reachable by the postgres user.
    Path dir = Files.createTempDirectory("ec-pg-");
    Files.writeString(dir.resolve("pwfile"), password + "\n", StandardCharsets.UTF_8);
    int port = freePort();
    PgServer server = new PgServer(vertx, new PgConnectOptions().setHost("127.0.0.1").setPort(port).setUser(USER)
      .setPassword(password).setDatabase("postgres"), password, dir, bin, asRoot, databasePrefix);
    try {
      if (asRoot) {
        run(List.of("chown", "-R", "postgres:postgres", dir.toString()), dir, 30);
      }
      Path data = dir.resolve("data");
      server.pg(List.of("initdb", "-D", data.toString(), "-U", USER, "--pwfile=" + dir.resolve("pwfile"),
        "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"), 120);
      StringBuilder options = new StringBuilder("-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir);
      settings.forEach(setting -> options.append(" -c ").append(setting));
      server.pg(List.of("pg_ctl", "-D", data.toString(), "-l", dir.resolve("server.log").toString(), "-w", "-t", "60",
        "-o", options.toString(), "start"), 90);
    } catch (IOException | RuntimeException e) {
      server.close();
      throw e;
    }
    // A run stopped by a signal still stops its server.
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "pg-server-stop"));
    return server;
  }

  /** A new empty database on this server, as a {@code postgresql://user@host:port/db} URL. */
  public synchronized String newDatabase() throws Exception {
    String name = prefix + (databases.size() + 1);
    // The name is made here, never taken from input.
    withAdmin(pool -> Load.await(pool.query("CREATE DATABASE " + name).execute(), 60));
    databases.add(name);
    return url(name);
  }

  String url(String database) {
    return "postgresql://" + admin.getUser() + "@" + admin.getHost() + ":" + admin.getPort() + "/" + database;
  }

  public String password() {
    return password;
  }

  /** What the run measured against: the PostgreSQL version and where it runs. */
  String describe() throws Exception {
    String[] version = new String[1];
    withAdmin(pool -> version[0] = Load.await(pool.query("SHOW server_version").execute(), 30).iterator().next().getString(0));
    return "PostgreSQL " + version[0] + " at " + admin.getHost() + ":" + admin.getPort()
      + (dir == null ? " (--pg-url)" : " (throwaway server in " + dir + ", PostgreSQL defaults, fsync on)");
  }

  private interface AdminWork {
    void run(Pool pool) throws Exception;
  }

  private void withAdmin(AdminWork work) throws Exception {
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).connectingTo(new PgConnectOptions(admin)).using(vertx).build();
    try {
      work.run(pool);
    } finally {
      Load.await(pool.close(), 30);
    }
  }

  /** Drops the databases made here, then stops and deletes a throwaway server. */
  @Override
  public void close() {
    if (dir == null) {
      for (String name : databases) {
        try {
          withAdmin(pool -> Load.await(pool.query("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").execute(), 60));
        } catch (Exception e) {
          System.err.println("bench: could not drop database " + name + ": " + e.getMessage());
        }
      }
      return;
    }
    stop();
  }

  /** Stops and deletes a throwaway server; once only. */
  private synchronized void stop() {
    if (!Files.exists(dir)) {
      return;
    }
    try {
      if (Files.exists(dir.resolve("data").resolve("postmaster.pid"))) {
        pg(List.of("pg_ctl", "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "-t", "60", "stop"), 90);
      }
    } catch (IOException | RuntimeException e) {
      System.err.println("the PostgreSQL server in " + dir + " did not stop: " + e.getMessage());
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temporary directory; nothing depends on it
    }
  }

  /** The newest installed {@code /usr/lib/postgresql/<version>/bin} holding {@code initdb}. */
  static Path binaries() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(root)) {
      try (Stream<Path> versions = Files.list(root)) {
        var found = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
          .max(Comparator.comparingInt(b -> Integer.parseInt("0" + b.getParent().getFileName().toString().replaceAll("\\D", ""))));
        if (found.isPresent()) {
          return found.get();
        }
      }
    }
    throw new IllegalStateException("no PostgreSQL binaries in /usr/lib/postgresql/*/bin: install them"
      + " (apt-get install postgresql postgresql-contrib) or name a server with --pg-url");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private void pg(List<String> command, int timeoutSeconds) throws IOException {
    List<String> full = new ArrayList<>();
    if (asRoot) {
      // PostgreSQL refuses to run as root.
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
      throw new IllegalStateException(command.get(command.size() > 4 && command.get(0).equals("runuser") ? 4 : 0)
        + " failed (" + process.exitValue() + "):\n" + output);
    }
  }
}
