package org.eventcollector.bench;

import io.vertx.core.json.JsonArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code bench <scenario>}: measures the collector against the limits of this machine, in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
  description = {"Benchmark the collector against the limits of this machine, measured in the same run.",
    "Scenarios: ingest-http, ingest-batch, ingest-bus, ingest-embedded, query, stream, footprint, mirror, all.",
    "With --storage postgres: ingest-http, ingest-batch, query, all (those three)."})
public final class BenchCommand implements Callable<Integer> {

  static final List<String> SCENARIOS = List.of("ingest-http", "ingest-batch", "ingest-bus", "ingest-embedded",
    "query", "stream", "footprint", "mirror");
  /** The scenarios {@code --storage postgres} runs ({@code all} means these). */
  static final List<String> POSTGRES_SCENARIOS = List.of("ingest-http", "ingest-batch", "query");

  @Parameters(index = "0", defaultValue = "all", paramLabel = "SCENARIO",
    description = "ingest-http, ingest-batch, ingest-bus, ingest-embedded, query, stream, footprint, mirror or all (default)")
  String scenario;

  @Option(names = "--events", defaultValue = "100000", description = "Events per ingest measurement (default ${DEFAULT-VALUE})")
  long events;

  @Option(names = "--seconds", defaultValue = "30", description = "Time bound of each measured loop (default ${DEFAULT-VALUE})")
  double seconds;

  @Option(names = "--connections", split = ",", defaultValue = "16", description = "HTTP connections for ingest-http (list, default ${DEFAULT-VALUE})")
  List<Integer> connections;

  @Option(names = "--batch-connections", defaultValue = "4", description = "HTTP connections for ingest-batch (default ${DEFAULT-VALUE})")
  int batchConnections;

  @Option(names = "--batch-sizes", split = ",", defaultValue = "100,1000", description = "Batch sizes (default ${DEFAULT-VALUE})")
  List<Integer> batchSizes;

  @Option(names = "--window", defaultValue = "128", description = "Requests in flight on the event bus (default ${DEFAULT-VALUE})")
  int window;

  @Option(names = "--query-sizes", split = ",", description = "Stored events for query (list, default 1000000,5000000;"
    + " 1000000 with --storage postgres)")
  List<Long> querySizes;

  @Option(names = "--queries", defaultValue = "200", description = "Queries per shape (default ${DEFAULT-VALUE})")
  int queries;

  @Option(names = "--stream-clients", split = ",", defaultValue = "0,1,10,50",
    description = "WebSocket clients per variant (list, default ${DEFAULT-VALUE}); idle:N connects N clients whose filter"
      + " matches no event, 0 measures the acknowledgement without clients")
  List<String> streamClients;

  @Option(names = "--stream-rate", defaultValue = "10000", description = "Events/s ingested during stream (default ${DEFAULT-VALUE})")
  int streamRate;

  @Option(names = "--stream-seconds", defaultValue = "10", description = "Seconds of ingest per stream variant (default ${DEFAULT-VALUE})")
  double streamSeconds;

  @Option(names = "--storage", defaultValue = "sqlite", description = "Storage of the collectors started: sqlite"
    + " (default) or postgres (ingest-http, ingest-batch and query)")
  String storage;

  @Option(names = "--storage-nodes", split = ",", defaultValue = "1,2", description = "With postgres: storage-only collector"
    + " JVMs beside one ingest node, one variant each (list, default ${DEFAULT-VALUE})")
  List<Integer> storageNodes;

  @Option(names = "--pg-url", paramLabel = "URL", description = "With postgres: the server to use, postgresql://user@host:port/db"
    + " (its user needs CREATEDB; default EC_PG_URL; without either, a throwaway server is started from"
    + " /usr/lib/postgresql/*/bin)")
  String pgUrl;

  @Option(names = "--pg-password-file", paramLabel = "FILE", description = "With --pg-url: a file holding the password"
    + " (default EC_PG_PASSWORD)")
  Path pgPasswordFile;

  @Option(names = "--url", description = "Target a running collector instead of starting one (limits still start here)")
  String url;

  @Option(names = "--json", paramLabel = "FILE", description = "Write the results as a JSON array")
  Path json;

  @Option(names = "--jfr", paramLabel = "DIR", description = "Record a JFR profile of every collector JVM started into DIR")
  Path jfr;

  @Option(names = "--work-dir", paramLabel = "DIR", description = "Where data files and child logs go (default: a new temp dir)")
  Path workDir;

  PrintStream out = System.out;

  @Override
  public Integer call() throws Exception {
    if ("serve-trivial".equals(scenario)) {
      Servers.serveTrivial();
      return 0;
    }
    if ("serve-echo".equals(scenario)) {
      Servers.serveEcho();
      return 0;
    }
    if (!"sqlite".equals(storage) && !"postgres".equals(storage)) {
      System.err.println("bench: unknown storage '" + storage + "' (sqlite, postgres)");
      return 2;
    }
    boolean postgres = "postgres".equals(storage);
    List<String> offered = postgres ? POSTGRES_SCENARIOS : SCENARIOS;
    List<String> chosen = "all".equals(scenario) ? offered : List.of(scenario);
    if (!offered.containsAll(chosen)) {
      System.err.println("bench: unknown scenario '" + scenario + "'" + (postgres ? " with --storage postgres" : "")
        + " (" + String.join(", ", offered) + ", all)");
      return 2;
    }
    if (storageNodes.isEmpty() || storageNodes.stream().anyMatch(n -> n < 1)) {
      System.err.println("bench: --storage-nodes takes counts of 1 or more");
      return 2;
    }
    if (querySizes == null) {
      querySizes = postgres ? List.of(1_000_000L) : List.of(1_000_000L, 5_000_000L);
    }
    Path dir = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("ec-bench");
    List<Result> results = new ArrayList<>();
    out.println(Machine.describe());
    out.println("Work dir: " + dir + (url == null ? "" : "; target: " + url));
    out.println("Rate limits of the collectors started here are raised to " + Scenarios.RAISED_LIMIT
      + "/s (burst " + Scenarios.RAISED_LIMIT + ") so that they measure throughput, not the limiter.");
    try (Scenarios run = new Scenarios(this, dir, results)) {
      for (String name : chosen) {
        out.println("== " + name);
        int before = results.size();
        try {
          run.run(name);
        } catch (Exception e) {
          results.add(Result.unavailable(name, "-", e.getClass().getSimpleName() + ": " + e.getMessage()));
        }
        results.subList(before, results.size()).forEach(r -> out.println("   " + Table.line(r)));
      }
    }
    out.println();
    out.println(Table.render(results));
    if (json != null) {
      JsonArray array = new JsonArray();
      results.forEach(r -> array.add(r.toJson()));
      Path parent = json.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(json, array.encodePrettily());
      out.println("Wrote " + json);
    }
    return 0;
  }

  /** {@code --pg-url}, else {@code EC_PG_URL}; null for a throwaway server. */
  String pgUrl() {
    String value = pgUrl != null ? pgUrl : System.getenv("EC_PG_URL");
    return value == null || value.isBlank() ? null : value.strip();
  }

  /** The contents of {@code --pg-password-file} (without its line end), else {@code EC_PG_PASSWORD}. */
  String pgPassword() throws java.io.IOException {
    return pgPasswordFile != null ? Files.readString(pgPasswordFile).strip() : System.getenv("EC_PG_PASSWORD");
  }

  static String format(double value) {
    if (Double.isNaN(value)) {
      return "-";
    }
    if (Math.abs(value) >= 1000) {
      return String.format(Locale.ROOT, "%,.0f", value);
    }
    if (Math.abs(value) >= 10) {
      return String.format(Locale.ROOT, "%.1f", value);
    }
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
