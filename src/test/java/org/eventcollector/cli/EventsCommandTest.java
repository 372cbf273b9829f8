package org.eventcollector.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.Backends;
import org.eventcollector.Corpus;
import org.eventcollector.Main;
import org.eventcollector.RunningCollector;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.event.Event;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every {@code events} command against a running collector on each storage backend: tables, {@code --json}, exit codes. */
@ExtendWith(PostgresServer.class)
class EventsCommandTest {

  @TempDir
  static Path dir;

  /** The node of the running test, and the clock hour of its corpus. */
  static RunningCollector collector;
  static long h;
  static final long TRACE_START = Event.parseTime("2026-01-05T10:00:00Z");

  /** A running node holding the corpus, and its clock hour, per backend; started by the first test that asks. */
  private record Node(RunningCollector collector, long h) {
  }

  private static final Map<String, Node> NODES = new HashMap<>();

  /** One run of the CLI: exit code, standard output and error. */
  record Run(int code, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  /** Points {@link #collector} and {@link #h} at the node on {@code backend}, starting it and storing the corpus once. */
  static void use(String backend) throws Exception {
    Node node = NODES.get(backend);
    if (node == null) {
      RunningCollector started = RunningCollector.start(Backends.on(backend, RunningCollector.config(dir)));
      long hour = Corpus.hourOf(System.currentTimeMillis());
      List<JsonObject> events = new ArrayList<>(Corpus.events(hour));
      events.add(traced("trace-a", 0, "workflow.started", "Workflow started", null));
      events.add(traced("trace-b", 1500, "workflow.step", "Step one", 1400L));
      events.add(traced("trace-c", 4000, "workflow.completed", "Workflow completed", 4000L));
      RunningCollector.Reply stored = started.post("/events/batch", Corpus.array(events));
      assertEquals(Corpus.TOTAL_IN_DAY + 4, stored.json().getInteger("collected"), stored.body());
      node = new Node(started, hour);
      NODES.put(backend, node);
    }
    collector = node.collector();
    h = node.h();
  }

  @AfterAll
  static void stop() {
    NODES.values().forEach(node -> node.collector().close());
    NODES.clear();
  }

  static JsonObject traced(String id, long offset, String type, String title, Long duration) {
    return new JsonObject().put("event_id", id).put("timestamp", Event.formatTime(TRACE_START + offset))
      .put("source_system", "mahavishnu").put("event_type", type).put("title", title)
      .put("correlation_id", "wf-trace").put("duration_ms", duration);
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new Main());
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  static Run events(String command, String... args) {
    List<String> all = new ArrayList<>(List.of("events", command, "--url", collector.url));
    all.addAll(Arrays.asList(args));
    return run(all.toArray(String[]::new));
  }

  static String pad(String text, int width) {
    return text + " ".repeat(width - text.length());
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void queryPrintsAHeaderAndOneAlignedLinePerEvent(String backend) throws Exception {
    use(backend);
    Run run = events("query", "--system", "akosha", "--hours", "24");
    assertEquals(0, run.code(), run.err());
    List<String> expected = new ArrayList<>();
    expected.add(pad("TIME", 26) + pad("SYSTEM", 8) + pad("SEVERITY", 10) + pad("TYPE", 16) + "TITLE");
    long spike = Corpus.spikeHour(h);
    for (int i = 2; i >= 0; i--) {
      expected.add(Event.formatTime(spike + (27 + i) * 60_000L) + "  akosha  critical  error.occurred  Database connection lost");
    }
    assertEquals(expected, run.lines());
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void queryPassesEveryFilterFlag(String backend) throws Exception {
    use(backend);
    Run run = events("query", "--system", "mahavishnu,crackerjack", "--event-type", "workflow.failed,test.failed",
      "--severity", "error", "--min-severity", "error", "--component", "orchestrator", "--search", "failed",
      "--days", "1", "--limit", "3", "--offset", "1", "--sort-by", "timestamp", "--asc", "--json");
    assertEquals(0, run.code(), run.err());
    JsonObject answer = new JsonObject(run.out());
    assertEquals(3, answer.getInteger("count"));
    assertEquals(List.of("wf-fail-1", "wf-fail-2", "wf-fail-3"), ids(answer.getJsonArray("events")));
    JsonObject query = answer.getJsonObject("query");
    assertEquals(new JsonArray().add("mahavishnu").add("crackerjack"), query.getJsonArray("source_system"));
    assertEquals("asc", query.getString("sort_order"));
    assertEquals(1, query.getInteger("days"));
    Run tagged = events("query", "--tags", "nope", "--any-tags", "x,y", "--correlation-id", "wf-100", "--json");
    assertEquals(0, new JsonObject(tagged.out()).getInteger("count"));
    Run correlated = events("query", "--correlation-id", "wf-100", "--minutes", "100000", "--json");
    assertEquals(List.of("wf-fail-0"), ids(new JsonObject(correlated.out()).getJsonArray("events")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void queryJsonPrintsTheRestAnswerAsIs(String backend) throws Exception {
    use(backend);
    Run run = events("query", "--system", "oneiric", "--limit", "4", "--json");
    assertEquals(0, run.code());
    assertEquals(collector.get("/events?source_system=oneiric&limit=4").body(), run.out().trim());
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void traceShowsATimelineOldestFirst(String backend) throws Exception {
    use(backend);
    Run run = events("trace", "--correlation-id", "wf-trace");
    assertEquals(0, run.code(), run.err());
    List<String> lines = run.lines();
    assertEquals("Trace wf-trace: 3 events over 4.000s", lines.get(0));
    assertEquals(pad("OFFSET", 9) + pad("TIME", 26) + pad("SYSTEM", 12) + pad("SEVERITY", 10) + pad("TYPE", 20)
      + pad("DURATION", 10) + "TITLE", lines.get(1));
    assertEquals("+0.000s  2026-01-05T10:00:00.000Z  mahavishnu  info      workflow.started    -         Workflow started",
      lines.get(2));
    assertEquals("+1.500s  2026-01-05T10:00:01.500Z  mahavishnu  info      workflow.step       1400 ms   Step one",
      lines.get(3));
    assertEquals("+4.000s  2026-01-05T10:00:04.000Z  mahavishnu  info      workflow.completed  4000 ms   Workflow completed",
      lines.get(4));
    assertEquals(5, lines.size());
    Run json = events("trace", "--correlation-id", "wf-trace", "--json");
    assertEquals(3, new JsonObject(json.out()).getInteger("count"));
    Run none = events("trace", "--correlation-id", "nothing here");
    assertEquals(0, none.code());
    assertEquals("Trace nothing here: no events", none.out().trim());
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void statsPrintsAlignedCountTables(String backend) throws Exception {
    use(backend);
    Run run = events("stats");
    assertEquals(0, run.code(), run.err());
    String expected = String.join("\n",
      "Total events: 76",
      "Time range:   all time",
      "",
      "SOURCE SYSTEM  COUNT",
      "mahavishnu     37",
      "crackerjack    26",
      "oneiric        10",
      "akosha         3",
      "");
    assertTrue(run.out().startsWith(expected), run.out());
    assertTrue(run.lines().contains("SEVERITY  COUNT"));
    assertTrue(run.lines().contains("critical  3"));
    Run json = events("stats", "--json");
    assertEquals(collector.get("/events/stats").json(), new JsonObject(json.out()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void reportPrintsTablesAndWritesTheJsonAnswerToAFile(String backend) throws Exception {
    use(backend);
    Path file = dir.resolve("report-" + backend + ".json");
    Run run = events("report", "--hours", "24", "--output", file.toString());
    assertEquals(0, run.code(), run.err());
    List<String> lines = run.lines();
    assertEquals("Report: last 24 hours, 72 events", lines.get(0));
    assertTrue(lines.contains("critical  3"), run.out());
    String durations = lines.stream().filter(l -> l.startsWith("duration_ms")).findFirst().orElseThrow();
    assertEquals(List.of("duration_ms", "21", "10", "210", "110.0", "110", "200", "210"),
      Arrays.asList(durations.trim().split("\\s+")));
    int header = lines.indexOf("Recent events:");
    assertTrue(lines.get(header + 1).startsWith("TIME"), run.out());
    assertTrue(lines.get(header + 2).contains("Test test_1 passed"), run.out());
    JsonObject written = new JsonObject(Files.readString(file));
    assertEquals(72, written.getLong("total_events"));
    assertEquals(200, written.getJsonObject("duration_stats").getLong("p95"));
    Run json = events("report", "--hours", "24", "--json");
    JsonObject answer = new JsonObject(json.out());
    assertEquals(written, answer);
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void analyzeErrorsPrintsCountsGroupsAndRecentErrors(String backend) throws Exception {
    use(backend);
    Run run = events("analyze-errors", "--hours", "24");
    assertEquals(0, run.code(), run.err());
    List<String> lines = run.lines();
    assertEquals("Errors in the last 24 hours: 20 (3 critical)", lines.get(0));
    assertTrue(lines.contains("workflow.failed  12"), run.out());
    assertTrue(lines.contains("COMPONENT     COUNT"), run.out());
    assertTrue(lines.contains("unknown       5"), run.out());
    int groups = lines.indexOf("Top error groups:");
    assertTrue(lines.get(groups + 1).startsWith("COUNT  FIRST SEEN"), run.out());
    assertTrue(lines.get(groups + 2).startsWith("12     " + Event.formatTime(Corpus.spikeHour(h))), run.out());
    assertTrue(lines.get(groups + 2).endsWith("workflow failed: <id>"), run.out());
    assertTrue(lines.get(groups + 3).startsWith("5      "), run.out());
    assertTrue(lines.get(groups + 4).startsWith("3      "), run.out());
    int recent = lines.indexOf("Recent errors:");
    assertEquals(12, lines.size() - recent, "a title line, a header and 10 errors");
    Run json = events("analyze-errors", "--hours", "24", "--json");
    assertEquals(20, new JsonObject(json.out()).getLong("total_errors"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void healthPrintsTheStatusAndExitsZero(String backend) throws Exception {
    use(backend);
    Run run = events("health");
    assertEquals(0, run.code(), run.err());
    assertEquals("Status: healthy", run.lines().get(0));
    assertTrue(run.lines().stream().anyMatch(l -> l.matches("total_events\\s+76")), run.out());
    Run json = events("health", "--json");
    assertEquals("healthy", new JsonObject(json.out()).getString("status"));
  }

  @Test
  void badUsageExitsTwo() throws Exception {
    use("sqlite");
    assertEquals(2, run("events", "bogus").code());
    assertEquals(2, run("events").code());
    assertEquals(2, events("query", "--bogus").code());
    assertEquals(2, events("query", "--limit", "many").code());
    assertEquals(2, events("query", "--hours", "1", "--days", "1").code());
    assertEquals(2, events("trace").code(), "--correlation-id is required");
    Run refused = events("query", "--system", "nope");
    assertEquals(2, refused.code());
    assertTrue(refused.err().contains("unknown source_system 'nope'"), refused.err());
    assertEquals(2, events("report", "--hours", "0").code());
    assertEquals(2, run("events", "health", "--url", "ftp://example").code());
  }

  @Test
  void anUnreachableCollectorExitsThree() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    Run run = run("events", "health", "--url", "http://127.0.0.1:" + port);
    assertEquals(3, run.code());
    assertTrue(run.err().contains("cannot reach the collector"), run.err());
    assertEquals(3, run("events", "query", "--url", "http://127.0.0.1:" + port, "--json").code());
  }

  @Test
  void aServerErrorExitsOne() throws Exception {
    // A node without the storage and analysis roles: reads are 503 and health is unhealthy.
    var conf = RunningCollector.config(dir.resolve("no-storage"));
    Config.set(conf, ConfigKeys.ROLES, new JsonArray().add("ingest").add("ratelimit"));
    try (RunningCollector bare = RunningCollector.start(conf)) {
      Run query = run("events", "query", "--url", bare.url);
      assertEquals(1, query.code());
      assertTrue(query.err().contains("503"), query.err());
      assertEquals(1, run("events", "report", "--url", bare.url).code());
      Run health = run("events", "health", "--url", bare.url);
      assertEquals(1, health.code());
      assertEquals("Status: unhealthy", health.lines().get(0));
    }
  }

  @Test
  void theApiKeyIsSentAsABearerToken() throws Exception {
    String key = "cli-secret-key";
    String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
      .digest(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    Path keys = dir.resolve("keys.json");
    Files.writeString(keys, new JsonArray().add(new JsonObject().put("key_sha256", hash)
      .put("systems", new JsonArray()).put("scopes", new JsonArray().add("read"))).encode());
    var conf = RunningCollector.config(dir.resolve("auth"));
    Config.set(conf, ConfigKeys.Auth.API_KEYS_FILE, keys.toString());
    try (RunningCollector secured = RunningCollector.start(conf)) {
      Run allowed = run("events", "stats", "--url", secured.url, "--api-key", key);
      assertEquals(0, allowed.code(), allowed.err());
      assertTrue(allowed.out().startsWith("Total events: 0"), allowed.out());
      Run refused = run("events", "stats", "--url", secured.url);
      assertEquals(1, refused.code());
      assertTrue(refused.err().contains("[HTTP 401]"), refused.err());
      assertEquals(1, run("events", "stats", "--url", secured.url, "--api-key", "wrong").code());
    }
  }

  static List<String> ids(JsonArray events) {
    List<String> ids = new ArrayList<>();
    events.forEach(e -> ids.add(((JsonObject) e).getString("event_id")));
    return ids;
  }
}
