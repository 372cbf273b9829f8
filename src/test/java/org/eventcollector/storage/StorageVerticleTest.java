package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.eventcollector.Backends;
import org.eventcollector.TestCollector;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.event.QueryParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(PostgresServer.class)
class StorageVerticleTest {

  @TempDir
  Path dir;

  private Connection connect() throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("events.db"));
  }

  @Test
  void migratesAVersionOneDatabaseAndIndexesItsRowsForSearch() throws Exception {
    try (Connection conn = connect(); Statement st = conn.createStatement()) {
      for (String statement : SchemaMigrator.script(1)) {
        st.execute(statement);
      }
      st.execute("PRAGMA user_version = 1");
      st.execute("INSERT INTO events VALUES (1, 'old-1', 1700000000000, 'akosha', 't', 1, 'Legacy title', 'kept across versions',"
        + " NULL, NULL, NULL, '{}', '[]', '{}')");
    }
    try (TestCollector collector = TestCollector.start(TestCollector.config(dir, "sqlite"))) {
      assertEquals(1, collector.get("/events/count?search=across").json().getInteger("count"));
      String id = collector.ingest(new JsonObject().put("source_system", "akosha").put("event_type", "t"));
      assertEquals(200, collector.get("/events/" + id).status());
      assertEquals(200, collector.get("/events/old-1").status());
    }
    try (Connection conn = connect(); Statement st = conn.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
      rs.next();
      assertEquals(SchemaMigrator.CURRENT, rs.getInt(1));
    }
  }

  @Test
  void refusesADatabaseFromANewerVersion() throws Exception {
    try (Connection conn = connect(); Statement st = conn.createStatement()) {
      st.execute("PRAGMA user_version = 99");
    }
    AssertionError error = assertThrows(AssertionError.class, () -> TestCollector.start(TestCollector.config(dir, "sqlite")));
    assertTrue(error.getMessage().contains("newer"), error.getMessage());
  }

  @Test
  void servesTheQueryShapesFromIndexes() throws Exception {
    TestCollector.start(TestCollector.config(dir, "sqlite")).close();
    QueryParser parser = new QueryParser(Set.of("mahavishnu", "akosha"));
    Map<String, String> shapes = Map.of(
      "source_system=mahavishnu&severity=error", "events_system_severity_ts",
      "source_system=mahavishnu", "events_system_ts",
      "correlation_id=wf-1", "events_correlation_ts",
      "event_type=test.failed", "events_ts",
      "min_severity=error", "events_",
      "tags=production", "event_tags",
      "search=database", "events_fts");
    try (Connection conn = connect(); Statement st = conn.createStatement()) {
      st.execute("ANALYZE");
      for (Map.Entry<String, String> shape : shapes.entrySet()) {
        Map<String, List<String>> params = new java.util.LinkedHashMap<>();
        for (String pair : shape.getKey().split("&")) {
          String[] kv = pair.split("=");
          params.put(kv[0], List.of(kv[1]));
        }
        var query = parser.parse(params, System.currentTimeMillis());
        SqlFilter filter = SqlFilter.of(query);
        String sql = "EXPLAIN QUERY PLAN SELECT seq" + SqliteEventStore.from(query) + filter.whereClause() + SqlFilter.orderBy(query) + " LIMIT 100";
        StringBuilder plan = new StringBuilder();
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
          for (int i = 0; i < filter.params.size(); i++) {
            ps.setObject(i + 1, filter.params.get(i));
          }
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              plan.append(rs.getString(4)).append('\n');
            }
          }
        }
        assertTrue(plan.toString().contains(shape.getValue()), shape.getKey() + " plan:\n" + plan);
        assertFalse(plan.toString().lines().anyMatch(line -> line.equals("SCAN events")), shape.getKey() + " scans the table:\n" + plan);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void groupsConcurrentWritesIntoFewerCommits(String backend) {
    try (TestCollector collector = TestCollector.start(Backends.on(backend, TestCollector.config(dir, backend)))) {
      var client = io.vertx.ext.web.client.WebClient.create(collector.vertx());
      // The meters are JVM-wide: count the commits of this test only.
      double before = commitCount(collector);
      List<Future<?>> posts = new ArrayList<>();
      for (int i = 0; i < 400; i++) {
        posts.add(client.post(collector.port(), "127.0.0.1", "/events").sendJsonObject(
          new JsonObject().put("source_system", "akosha").put("event_type", "t").put("event_id", "g-" + i))
          .map(r -> {
            if (r.statusCode() != 201) {
              throw new IllegalStateException(r.bodyAsString());
            }
            return r;
          }));
      }
      TestCollector.await(Future.all(posts));
      assertEquals(400, collector.get("/events/count").json().getInteger("count"));
      double commits = commitCount(collector) - before;
      assertTrue(commits < 400, "commits " + commits);
    }
  }

  private static double commitCount(TestCollector collector) {
    String metrics = collector.get("/metrics").body().toString();
    return metrics.lines().filter(l -> l.startsWith("event_collector_storage_commit_events_count"))
      .findFirst().map(l -> Double.parseDouble(l.split(" ")[1])).orElse(0.0);
  }

  @Test
  void boundsTheMemoryStoreDroppingTheOldest() {
    JsonObject config = TestCollector.config(dir, "memory");
    Config.set(config, ConfigKeys.Storage.MEMORY_MAX_EVENTS, 10);
    try (TestCollector collector = TestCollector.start(config)) {
      for (int i = 0; i < 15; i++) {
        collector.ingest(new JsonObject().put("source_system", "akosha").put("event_type", "t").put("event_id", "m-" + i));
      }
      assertEquals(10, collector.get("/events/count").json().getInteger("count"));
      assertEquals(404, collector.get("/events/m-4").status());
      assertEquals(200, collector.get("/events/m-5").status());
      assertTrue(collector.get("/metrics").body().toString().contains("event_collector_events_evicted_total 5.0"));
    }
  }
}
