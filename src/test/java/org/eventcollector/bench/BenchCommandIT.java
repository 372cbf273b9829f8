package org.eventcollector.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A smoke run of every scenario with tiny sizes against real child JVMs, so the command cannot rot.
 * The figures are never asserted: only that each scenario ran and reported its rows.
 */
class BenchCommandIT {

  private static final Set<String> INGEST = Set.of("ingest-http", "ingest-batch", "ingest-bus", "ingest-embedded");

  @Test
  @Timeout(300)
  void everyScenarioRunsWithTinySizesAndWritesItsRowsAsJson(@TempDir Path dir) throws Exception {
    Path json = dir.resolve("bench.json");
    int code = new CommandLine(new Main()).execute("bench", "all", "--events", "400", "--seconds", "3",
      "--connections", "4", "--batch-sizes", "100", "--batch-connections", "2", "--window", "16",
      "--query-sizes", "2000", "--queries", "5", "--stream-clients", "1,2", "--stream-rate", "200",
      "--stream-seconds", "1", "--work-dir", dir.resolve("work").toString(), "--json", json.toString());
    assertEquals(0, code);
    JsonArray rows = new JsonArray(Files.readString(json));
    List<JsonObject> all = rows.stream().map(JsonObject.class::cast).toList();
    assertEquals(Set.copyOf(BenchCommand.SCENARIOS), all.stream().map(r -> r.getString("scenario")).collect(Collectors.toSet()));
    for (JsonObject row : all) {
      for (String key : List.of("scenario", "variant", "events_per_second", "limit_per_second", "ratio", "p50_ms", "p99_ms")) {
        assertTrue(row.containsKey(key), key + " missing in " + row);
      }
      String note = row.getString("note", "");
      if (INGEST.contains(row.getString("scenario"))) {
        assertFalse(note.startsWith("unavailable"), row.encode());
        assertTrue(row.getDouble("events_per_second") > 0, row.encode());
        assertTrue(row.getDouble("limit_per_second") > 0, row.encode());
        assertNotNull(row.getDouble("ratio"), row.encode());
        assertNotNull(row.getDouble("p99_ms"), row.encode());
        assertFalse(note.contains("failed"), row.encode());
      }
    }
    List<JsonObject> queries = all.stream().filter(r -> r.getString("scenario").equals("query")
      && !r.getString("variant").startsWith("/analysis")).toList();
    assertEquals(8, queries.size());
    queries.forEach(r -> assertNotNull(r.getDouble("p99_ms"), r.encode()));
    List<JsonObject> stream = all.stream().filter(r -> r.getString("scenario").equals("stream")).toList();
    assertFalse(stream.isEmpty());
    for (JsonObject row : stream) {
      assertNotNull(row.getDouble("p99_ms"), row.encode());
      assertTrue(row.getString("note").contains("frames "), row.encode());
      assertFalse(row.getString("note").contains("failed"), row.encode());
    }
    List<JsonObject> report = all.stream().filter(r -> r.getString("variant").startsWith("/analysis/report")).toList();
    assertEquals(1, report.size(), report.toString());
    assertNotNull(report.get(0).getDouble("p99_ms"), report.get(0).encode());
    Set<String> footprint = all.stream().filter(r -> r.getString("scenario").equals("footprint"))
      .map(r -> r.getString("variant")).collect(Collectors.toSet());
    assertEquals(Set.of("DB bytes per event", "server RSS at rest", "server RSS under load"), footprint);
    all.stream().filter(r -> r.getString("scenario").equals("footprint"))
      .forEach(r -> assertTrue(r.getDouble("value") > 0, r.encode()));
    List<JsonObject> mirror = all.stream().filter(r -> r.getString("scenario").equals("mirror")).toList();
    assertEquals(3, mirror.size(), mirror.toString());
    for (JsonObject row : mirror) {
      assertFalse(row.getString("note", "").startsWith("unavailable"), row.encode());
      assertTrue(row.getDouble("events_per_second") > 0, row.encode());
      assertTrue(row.getDouble("limit_per_second") > 0, row.encode());
    }
    assertTrue(mirror.get(0).getString("variant").startsWith("outbox drain"), mirror.get(0).encode());
    assertNotNull(mirror.get(0).getDouble("p99_ms"), mirror.get(0).encode());
    assertTrue(mirror.get(1).getString("variant").startsWith("outbox drain"), mirror.get(1).encode());
    assertTrue(mirror.get(2).getString("variant").startsWith("ingest with session_buddy"), mirror.get(2).encode());
  }

  @Test
  @Timeout(240)
  void thePostgresScenariosRunOnTwoStorageNodesAgainstAThrowawayServerThatIsRemovedAfterwards(@TempDir Path dir)
    throws Exception {
    Path json = dir.resolve("bench-postgres.json");
    PrintStream console = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
      code = new CommandLine(new Main()).execute("bench", "all", "--storage", "postgres", "--storage-nodes", "2",
        "--events", "200", "--seconds", "2", "--connections", "2", "--batch-sizes", "100", "--batch-connections", "2",
        "--query-sizes", "1000", "--queries", "2", "--work-dir", dir.resolve("work").toString(), "--json", json.toString());
    } finally {
      System.setOut(console);
    }
    String output = captured.toString(StandardCharsets.UTF_8);
    console.print(output);
    assertEquals(0, code, output);
    List<JsonObject> all = new JsonArray(Files.readString(json)).stream().map(JsonObject.class::cast).toList();
    assertEquals(Set.copyOf(BenchCommand.POSTGRES_SCENARIOS), all.stream().map(r -> r.getString("scenario"))
      .collect(Collectors.toSet()));
    for (JsonObject row : all) {
      assertTrue(row.getString("variant").endsWith("postgres, 2 storage nodes"), row.encode());
      assertFalse(row.getString("note", "").startsWith("unavailable"), row.encode());
      assertFalse(row.getString("note", "").contains("failed"), row.encode());
      assertNotNull(row.getDouble("p99_ms"), row.encode());
      if (!row.getString("scenario").equals("query")) {
        assertTrue(row.getDouble("events_per_second") > 0, row.encode());
        assertTrue(row.getDouble("limit_per_second") > 0, row.encode());
      }
    }
    assertEquals(1, all.stream().filter(r -> r.getString("scenario").equals("ingest-batch")).count());
    assertEquals(1, all.stream().filter(r -> r.getString("scenario").equals("ingest-http")).count());
    assertEquals(9, all.stream().filter(r -> r.getString("scenario").equals("query")).count());
    Matcher server = Pattern.compile("throwaway server in (\\S+),").matcher(output);
    assertTrue(server.find(), output);
    assertFalse(Files.exists(Path.of(server.group(1))), "the throwaway server's directory is left behind");
  }

  @Test
  void aScenarioPostgresDoesNotRunIsABadUsage() {
    assertEquals(2, new CommandLine(new Main()).execute("bench", "stream", "--storage", "postgres"));
    assertEquals(2, new CommandLine(new Main()).execute("bench", "query", "--storage", "mysql"));
  }

  @Test
  void anUnknownScenarioIsABadUsage() {
    assertEquals(2, new CommandLine(new Main()).execute("bench", "ingest-everything"));
  }
}
