package org.eventcollector.storage;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.eventcollector.bus.Addresses;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventQuery;
import org.eventcollector.event.QueryParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SQLite schema of version 5: migrated from a version 4 file without loss, searches complete
 * while the indexer is behind, and counts from the hourly rollups equal to COUNT(*) over the rows.
 */
@ExtendWith(VertxExtension.class)
class SqliteSchemaV5Test {

  private static final long T0 = Event.parseTime("2026-11-01T00:00:00Z");
  private static final long HOUR = 3_600_000L;
  private static final List<String> SYSTEMS = List.of("mahavishnu", "crackerjack", "akosha");
  private static final List<String> TYPES = List.of("build.done", "test.failed", "deploy.started", "job.queued");
  private static final List<String> SEVERITIES = List.of("debug", "info", "warning", "error", "critical");
  private static final List<String> WORDS = List.of("deploy", "timeout", "cache", "Kubernetes", "Grüße", "payment",
    "worker", "queue", "100%_done", "naïve");
  private static final QueryParser PARSER = new QueryParser(Set.copyOf(SYSTEMS));

  @TempDir
  Path dir;

  private Connection connect() throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("events.db"));
  }

  private String start(Vertx vertx) throws Exception {
    JsonObject conf = Defaults.config();
    Config.set(conf, ConfigKeys.Storage.BACKEND, "sqlite");
    Config.set(conf, ConfigKeys.Storage.SQLITE_PATH, dir.resolve("events.db").toString());
    Config.set(conf, ConfigKeys.SYSTEMS, new JsonArray(SYSTEMS));
    return await(vertx.deployVerticle(StorageVerticle.class, new DeploymentOptions().setConfig(conf)));
  }

  /** Event {@code i} of a seeded spread over {@code hours} hours after T0. */
  private static JsonObject event(Random random, String id, int hours) {
    JsonArray tags = new JsonArray();
    for (int t = random.nextInt(4); t > 0; t--) {
      tags.add("t" + random.nextInt(6));
    }
    return new JsonObject().put("event_id", id)
      .put("timestamp", Event.formatTime(T0 + (long) (random.nextDouble() * hours * HOUR)))
      .put("source_system", SYSTEMS.get(random.nextInt(SYSTEMS.size())))
      .put("event_type", TYPES.get(random.nextInt(TYPES.size())))
      .put("severity", SEVERITIES.get(random.nextInt(SEVERITIES.size())))
      .put("title", WORDS.get(random.nextInt(WORDS.size())) + " " + WORDS.get(random.nextInt(WORDS.size())))
      .put("description", "in " + WORDS.get(random.nextInt(WORDS.size())) + " #" + random.nextInt(50))
      .put("correlation_id", random.nextInt(3) == 0 ? null : "c-" + random.nextInt(20))
      .put("source_component", random.nextInt(4) == 0 ? null : "comp-" + random.nextInt(3))
      .put("duration_ms", random.nextInt(5) == 0 ? null : (long) random.nextInt(1000))
      .put("data", new JsonObject().put("k", id)).put("tags", tags).put("metadata", new JsonObject());
  }

  /** The filters each check runs, as the REST query string would give them. */
  private static final List<JsonObject> FILTERS = List.of(
    new JsonObject(),
    new JsonObject().put("source_system", "akosha"),
    new JsonObject().put("source_system", "akosha").put("severity", "error"),
    new JsonObject().put("event_type", "test.failed,job.queued"),
    new JsonObject().put("min_severity", "warning"),
    new JsonObject().put("source_component", "comp-1"),
    new JsonObject().put("tags", "t1"),
    new JsonObject().put("tags", "t1,t2"),
    new JsonObject().put("any_tags", "t3,t4"),
    new JsonObject().put("tags", "t2").put("source_system", "mahavishnu").put("min_severity", "info"),
    new JsonObject().put("correlation_id", "c-3"),
    new JsonObject().put("search", "deploy"),
    new JsonObject().put("search", "grüsse"),
    new JsonObject().put("search", "NAÏVE"),
    new JsonObject().put("search", "naïve kub"),
    new JsonObject().put("search", "100%_"),
    new JsonObject().put("search", "ca #1"),
    new JsonObject().put("search", "timeout").put("tags", "t0"),
    new JsonObject().put("start_time", Event.formatTime(T0 + 90 * 60_000L)).put("end_time", Event.formatTime(T0 + 4 * HOUR + 7)),
    new JsonObject().put("start_time", Event.formatTime(T0 + 2 * HOUR)).put("source_system", "crackerjack").put("tags", "t5"));

  @Test
  void migratesAVersionFourFileWithoutLoss(Vertx vertx) throws Exception {
    Random random = new Random(4);
    List<Event> events = new ArrayList<>();
    try (Connection conn = connect(); Statement st = conn.createStatement()) {
      for (int v = 1; v <= 4; v++) {
        for (String statement : SchemaMigrator.script(v)) {
          st.execute(statement);
        }
      }
      st.execute("PRAGMA user_version = 4");
      conn.setAutoCommit(false);
      try (PreparedStatement insert = conn.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
           PreparedStatement tag = conn.prepareStatement("INSERT OR IGNORE INTO event_tags (tag, seq) VALUES (?, ?)")) {
        for (int i = 1; i <= 600; i++) {
          Event e = Event.fromJson(event(random, "v4-" + i, 8));
          events.add(e);
          Object[] row = {(long) i, e.eventId(), e.timestamp(), e.sourceSystem(), e.eventType(), e.severity().rank(),
            e.title(), e.description(), e.correlationId(), e.sourceComponent(), e.durationMs(), e.data().encode(),
            new JsonArray(e.tags()).encode(), e.metadata().encode()};
          for (int c = 0; c < row.length; c++) {
            insert.setObject(c + 1, row[c]);
          }
          insert.executeUpdate();
          for (String t : e.tags()) {
            tag.setString(1, t);
            tag.setLong(2, i);
            tag.executeUpdate();
          }
        }
      }
      st.execute("INSERT INTO mirror_outbox (seq, enqueued_at) SELECT seq, 1700000000000 FROM events WHERE seq > 590");
      st.execute("INSERT INTO mirror_graph (name, last_event_id) VALUES ('system:akosha', NULL), ('correlation:c-1', 'v4-7')");
      st.execute("INSERT INTO mirror_state (key, value) VALUES ('started', 590)");
      conn.commit();
    }
    start(vertx);
    checkAnswers(vertx, events);
    try (Connection conn = connect(); Statement st = conn.createStatement()) {
      assertEquals(List.of(5L), longs(st, "PRAGMA user_version"));
      assertEquals(List.of(591L, 600L, 10L), longs(st, "SELECT MIN(seq), MAX(seq), COUNT(*) FROM mirror_outbox"));
      assertEquals(List.of(2L, 590L), longs(st, "SELECT (SELECT COUNT(*) FROM mirror_graph), value FROM mirror_state"));
      assertEquals(List.of(600L), longs(st, "SELECT value FROM search_state WHERE key = 'indexed'"));
      st.execute("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')");
      assertEquals("ok", text(st, "PRAGMA integrity_check"));
    }
  }

  @Test
  void searchesAreCompleteWhileTheIndexerIsBehind(Vertx vertx) throws Exception {
    SqliteEventStore store = new SqliteEventStore(vertx, dir.resolve("events.db"), false, 16, 64, 2);
    await(store.open());
    try {
      Random random = new Random(5);
      List<Event> stored = new ArrayList<>();
      List<Event> next = events(batch(random, 0));
      store.pauseIndexer(true);
      Future<?> inFlight = store.insert(next);
      for (int b = 1; b <= 12; b++) {
        // Held back for two rounds, then let go for two: the searches below run with the watermark
        // behind or part-way, while the next commit is under way.
        store.pauseIndexer(b % 4 == 0 || b % 4 == 1);
        await(inFlight);
        stored.addAll(next);
        next = events(batch(random, b));
        inFlight = store.insert(next);
        long lag = await(store.health()).getLong("search_index_lag");
        if (b % 4 == 1) {
          assertTrue(lag >= 800, "lag " + lag);
        }
        // Batch b lies in hour b: the window holds exactly the acknowledged batches.
        String before = Event.formatTime(T0 + b * HOUR);
        for (String terms : List.of("deploy", "grüße cache", "NAÏVE", "ue #4", "100%_done work", "kubernetes")) {
          JsonObject filter = new JsonObject().put("search", terms).put("end_time", before);
          EventQuery query = PARSER.parse(filter.copy().put("limit", 1000), System.currentTimeMillis());
          List<String> found = await(store.query(query)).stream().map(e -> e.getString("event_id")).toList();
          assertEquals(expected(stored, filter, 1000), found, terms + " after batch " + b + ", lag " + lag);
          assertEquals(expected(stored, filter, Integer.MAX_VALUE).size(), await(store.count(query)), terms);
          // Without a window, newest first through chunks of positions: the batch in flight may be in.
          for (int limit : new int[] {5, 100, 1000}) {
            JsonObject all = new JsonObject().put("search", terms);
            List<String> page = await(store.query(PARSER.parse(all.copy().put("limit", limit), System.currentTimeMillis())))
              .stream().map(e -> e.getString("event_id")).toList();
            List<Event> withNext = new ArrayList<>(stored);
            withNext.addAll(next);
            assertTrue(page.equals(expected(stored, all, limit)) || page.equals(expected(withNext, all, limit)),
              terms + " (limit " + limit + ") after batch " + b + ": " + page);
          }
        }
      }
      await(inFlight);
      store.pauseIndexer(false);
    } finally {
      await(store.close());
    }
    try (Connection conn = connect(); Statement st = conn.createStatement()) {
      assertEquals(longs(st, "SELECT MAX(seq) FROM events"), longs(st, "SELECT value FROM search_state WHERE key = 'indexed'"));
      st.execute("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')");
    }
  }

  private static List<Event> events(List<JsonObject> json) {
    return json.stream().map(Event::fromJson).toList();
  }

  /** 800 events in hour {@code hour} after T0. */
  private static List<JsonObject> batch(Random random, int hour) {
    List<JsonObject> events = new ArrayList<>();
    for (int i = 0; i < 800; i++) {
      events.add(event(random, "s-" + hour + "-" + i, 1)
        .put("timestamp", Event.formatTime(T0 + hour * HOUR + random.nextInt((int) HOUR))));
    }
    return events;
  }

  @Test
  void countsFromRollupsEqualCountStarForRandomWindows(Vertx vertx) throws Exception {
    start(vertx);
    Random random = new Random(6);
    List<JsonObject> all = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      all.add(event(random, "r-" + i, 10));
    }
    for (int from = 0; from < all.size(); from += 500) {
      await(insert(vertx, all.subList(from, from + 500)));
    }
    compareCounts(vertx, random, 80);
    // Retention and DELETE /events keep the rollups and the search index exact.
    JsonObject deleted = await(vertx.eventBus().<JsonObject>request(Addresses.STORAGE_DELETE,
      new JsonObject().put("before", T0 + 3 * HOUR + 1234).put("chunk", 97))).body();
    assertTrue(deleted.getInteger("deleted") > 500, deleted.encode());
    compareCounts(vertx, random, 40);
    List<Event> left = new ArrayList<>();
    all.stream().map(Event::fromJson).filter(e -> e.timestamp() >= T0 + 3 * HOUR + 1234).forEach(left::add);
    checkAnswers(vertx, left);
    try (Connection conn = connect(); Statement st = conn.createStatement()) {
      st.execute("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')");
      assertEquals(longs(st, "SELECT COUNT(*) FROM events WHERE instr(lower(title), 'deploy') > 0 OR instr(lower(description), 'deploy') > 0"),
        longs(st, "SELECT COUNT(*) FROM events_fts WHERE events_fts MATCH '\"deploy\"'"));
      assertEquals(List.of(0L), longs(st, "SELECT COUNT(*) FROM event_tags t LEFT JOIN events e ON e.seq = t.seq WHERE e.seq IS NULL"));
    }
  }

  /** Counts, stats and hourly buckets against COUNT(*) over the rows, for random windows and filters. */
  private void compareCounts(Vertx vertx, Random random, int windows) throws Exception {
    try (Connection conn = connect()) {
      for (int w = 0; w < windows; w++) {
        JsonObject filter = new JsonObject();
        List<Object> params = new ArrayList<>();
        StringBuilder where = new StringBuilder("1");
        int shape = random.nextInt(4);
        long from = T0 - HOUR + (long) (random.nextDouble() * 12 * HOUR);
        long to = from + (long) (random.nextDouble() * 6 * HOUR);
        if (shape == 1) {
          from = Math.floorDiv(from, HOUR) * HOUR;
          to = Math.floorDiv(to, HOUR) * HOUR;
        }
        if (shape != 2) {
          filter.put("start_time", Event.formatTime(from));
          where.append(" AND ts >= ?");
          params.add(from);
        }
        if (shape != 3) {
          filter.put("end_time", Event.formatTime(to));
          where.append(" AND ts < ?");
          params.add(to);
        }
        if (random.nextBoolean()) {
          String system = SYSTEMS.get(random.nextInt(SYSTEMS.size()));
          filter.put("source_system", system);
          where.append(" AND source_system = ?");
          params.add(system);
        }
        switch (random.nextInt(4)) {
          case 0 -> {
            filter.put("severity", "error,debug");
            where.append(" AND severity IN (0, 3)");
          }
          case 1 -> {
            filter.put("min_severity", "warning");
            where.append(" AND severity >= 2");
          }
          case 2 -> {
            filter.put("event_type", "job.queued");
            where.append(" AND event_type = 'job.queued'");
          }
          default -> {
            filter.put("source_component", "comp-2");
            where.append(" AND source_component = 'comp-2'");
          }
        }
        long count = await(vertx.eventBus().<JsonObject>request(Addresses.COUNT, filter.copy())).body().getLong("count");
        assertEquals(sqlLongs(conn, "SELECT COUNT(*) FROM events WHERE " + where, params).get(0), count, filter.encode());
        JsonObject stats = await(vertx.eventBus().<JsonObject>request(Addresses.STORAGE_AGGREGATE, new JsonObject()
          .put("query", filter.copy()).put("group_by", new JsonArray().add("source_component").add("severity")))).body();
        assertEquals(count, stats.getLong("total"), filter.encode());
        Map<String, Long> components = new TreeMap<>();
        try (PreparedStatement ps = prepared(conn, "SELECT COALESCE(source_component, 'unknown'), COUNT(*) FROM events WHERE "
          + where + " GROUP BY 1", params); ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            components.put(rs.getString(1), rs.getLong(2));
          }
        }
        Map<String, Long> answered = new TreeMap<>();
        stats.getJsonObject("groups").getJsonObject("source_component").forEach(e -> answered.put(e.getKey(), ((Number) e.getValue()).longValue()));
        assertEquals(components, answered, filter.encode());
        JsonObject buckets = await(vertx.eventBus().<JsonObject>request(Addresses.STORAGE_COUNT_HOURLY,
          new JsonObject().put("query", filter.copy()))).body().getJsonObject("buckets");
        Map<String, Long> hours = new TreeMap<>();
        try (PreparedStatement ps = prepared(conn, "SELECT ts / 3600000 * 3600000, COUNT(*) FROM events WHERE " + where
          + " GROUP BY 1", params); ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            hours.put(Long.toString(rs.getLong(1)), rs.getLong(2));
          }
        }
        Map<String, Long> answeredHours = new TreeMap<>();
        buckets.forEach(e -> answeredHours.put(e.getKey(), ((Number) e.getValue()).longValue()));
        assertEquals(hours, answeredHours, filter.encode());
      }
    }
  }

  /** Every filter of {@link #FILTERS}: the page, the count, as the in-memory twin of the filter gives them. */
  private void checkAnswers(Vertx vertx, List<Event> events) throws Exception {
    for (JsonObject filter : FILTERS) {
      assertEquals(expected(events, filter, 1000), ids(vertx, filter, 1000), filter.encode());
      assertEquals(expected(events, filter, 7), ids(vertx, filter, 7), filter.encode());
      long count = await(vertx.eventBus().<JsonObject>request(Addresses.COUNT, filter.copy())).body().getLong("count");
      assertEquals(expected(events, filter, Integer.MAX_VALUE).size(), count, filter.encode());
    }
  }

  private static List<String> expected(List<Event> events, JsonObject filter, int limit) {
    EventQuery query = PARSER.parse(filter.copy(), System.currentTimeMillis());
    return events.stream().filter(query::matches)
      .sorted(Comparator.comparingLong(Event::timestamp).thenComparing(Event::eventId).reversed())
      .limit(limit).map(Event::eventId).toList();
  }

  private static List<String> ids(Vertx vertx, JsonObject filter, int limit) throws Exception {
    JsonObject answer = await(vertx.eventBus().<JsonObject>request(Addresses.QUERY, filter.copy().put("limit", limit))).body();
    List<String> ids = new ArrayList<>();
    answer.getJsonArray("events").forEach(e -> ids.add(((JsonObject) e).getString("event_id")));
    return ids;
  }

  private static Future<?> insert(Vertx vertx, List<JsonObject> events) {
    return vertx.eventBus().request(Addresses.STORAGE_INSERT, new JsonObject().put("events", new JsonArray(new ArrayList<>(events))));
  }

  private static PreparedStatement prepared(Connection conn, String sql, List<Object> params) throws Exception {
    PreparedStatement ps = conn.prepareStatement(sql);
    for (int i = 0; i < params.size(); i++) {
      ps.setObject(i + 1, params.get(i));
    }
    return ps;
  }

  private static List<Long> sqlLongs(Connection conn, String sql, List<Object> params) throws Exception {
    try (PreparedStatement ps = prepared(conn, sql, params); ResultSet rs = ps.executeQuery()) {
      List<Long> values = new ArrayList<>();
      while (rs.next()) {
        for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
          values.add(rs.getLong(c));
        }
      }
      return values;
    }
  }

  private static List<Long> longs(Statement st, String sql) throws Exception {
    try (ResultSet rs = st.executeQuery(sql)) {
      List<Long> values = new ArrayList<>();
      while (rs.next()) {
        for (int c = 1; c <= rs.getMetaData().getColumnCount(); c++) {
          values.add(rs.getLong(c));
        }
      }
      return values;
    }
  }

  private static String text(Statement st, String sql) throws Exception {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
