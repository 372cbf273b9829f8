package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventQuery;
import org.eventcollector.event.QueryParser;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.eventcollector.TestCollector.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Schema version 2 of the PostgreSQL store: the migration from version 1, daily partitions made
 * ahead and on demand, retention by dropping partitions, gapless positions, the password file.
 */
@ExtendWith(PostgresServer.class)
class PostgresPartitionsTest {

  private static final long DAY = PgEventStore.DAY;

  @TempDir
  Path dir;

  private Vertx vertx;
  private String url;
  private Pool admin;

  @BeforeEach
  void freshDatabase() {
    vertx = Vertx.vertx();
    url = PostgresServer.get().newDatabase();
    admin = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
      .connectingTo(PgConnectOptions.fromUri(url).setPassword(PostgresServer.PASSWORD)).using(vertx).build();
  }

  @AfterEach
  void close() {
    await(admin.close());
    await(vertx.close());
  }

  private PgEventStore open() {
    PgEventStore store = new PgEventStore(vertx, url, PostgresServer.PASSWORD, 2);
    await(store.open());
    return store;
  }

  private RowSet<Row> sql(String text) {
    return await(admin.query(text).execute());
  }

  private long number(String text) {
    return sql(text).iterator().next().getLong(0);
  }

  private static Event event(String id, long ts, String... tags) {
    return Event.fromJson(new JsonObject().put("event_id", id).put("timestamp", Event.formatTime(ts))
      .put("source_system", "akosha").put("event_type", "t").put("severity", "info").put("title", "title " + id)
      .put("description", "").put("data", new JsonObject()).put("metadata", new JsonObject())
      .put("tags", new JsonArray(List.of(tags))));
  }

  private static String partition(long day) {
    return "events_" + LocalDate.ofEpochDay(day).format(DateTimeFormatter.BASIC_ISO_DATE);
  }

  private boolean exists(String table) {
    return sql("SELECT to_regclass('" + table + "') IS NOT NULL").iterator().next().getBoolean(0);
  }

  private static List<String> ids(List<JsonObject> events) {
    return events.stream().map(e -> e.getString("event_id")).toList();
  }

  @Test
  void aVersionOneDatabaseMigratesToVersionTwoKeepingItsRowsPositionsAndTags() {
    sql("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
    sql(PgEventStore.script(1));
    sql("INSERT INTO schema_version (version) VALUES (1)");
    long t = 1_700_000_000_000L;
    // Rows as version 1 wrote them: tags as JSON text plus event_tags, U+0000 escaped in JSON.
    String columns = "seq, event_id, ts, source_system, event_type, severity, title, description, correlation_id,"
      + " source_component, duration_ms, data, tags, metadata, exact";
    sql("INSERT INTO events (" + columns + ") VALUES"
      + " (1, 'e1', " + t + ", 'akosha', 't', 1, 'first', 'd', 'c1', NULL, 5, '{\"k\":1}', '[\"x\",\"y\"]', '{}', NULL),"
      + " (2, 'e2', " + (t + DAY) + ", 'akosha', 't', 3, 'second', 'd', NULL, NULL, NULL, '{}', '[\"y\"]', '{}', NULL),"
      + " (3, 'e3', " + (t + 2 * DAY) + ", 'akosha', 't', 1, 'a\uFFFDb', 'd', NULL, NULL, NULL, '{}',"
      + " '[\"n\\u0000l\",\"x\"]', '{}', '{\"title\":\"a\\u0000b\"}')");
    sql("INSERT INTO event_tags (tag, seq) VALUES ('x', 1), ('y', 1), ('y', 2), ('n\uFFFDl', 3), ('x', 3)");
    sql("UPDATE commit_clock SET last_seq = 3, total_events = 3");

    PgEventStore store = open();
    assertEquals((long) PgEventStore.SCHEMA_VERSION, number("SELECT MAX(version) FROM schema_version"));
    assertTrue(!exists("event_tags") && !exists("events_v1"), "the tables of version 1 are gone");
    assertEquals("p", sql("SELECT relkind FROM pg_class WHERE relname = 'events'").iterator().next().getString(0));
    for (int d = 0; d < 3; d++) {
      assertTrue(exists(partition(PgEventStore.day(t + d * DAY))), "partition of day " + d);
    }
    assertEquals(List.of("e3", "e2", "e1"), ids(await(store.query(EventQuery.all(10)))));
    JsonObject first = await(store.get("e1"));
    assertEquals(new JsonArray().add("x").add("y"), first.getJsonArray("tags"));
    assertEquals(new JsonObject().put("k", 1), first.getJsonObject("data"));
    assertEquals("c1", first.getString("correlation_id"));
    JsonObject third = await(store.get("e3"));
    assertEquals(new JsonArray().add("n\u0000l").add("x"), third.getJsonArray("tags"));
    assertEquals("a\u0000b", third.getString("title"));
    QueryParser parser = new QueryParser(Set.of("akosha"));
    assertEquals(List.of("e3", "e1"), ids(await(store.query(parser.parse(new JsonObject().put("tags", "x"), 0)))));
    assertEquals(List.of("e3"), ids(await(store.query(parser.parse(new JsonObject().put("tags", "n\u0000l"), 0)))));
    assertEquals(List.of("e2", "e3"), ids(await(store.after("e1", EventQuery.all(1), 10))));
    assertEquals(4L, await(store.insert(List.of(event("e4", t + 3 * DAY))))[0], "positions go on from version 1");
    assertEquals(-1L, await(store.insert(List.of(event("e2", t + 5 * DAY))))[0], "ids of version 1 stay taken");
    assertEquals(4L, await(store.health()).getLong("total_events"));
    await(store.close());
  }

  @Test
  void partitionsAreMadeAheadAtOpenAndOnDemandForPastAndFutureDays() {
    PgEventStore store = open();
    long today = PgEventStore.day(System.currentTimeMillis());
    for (long d = today; d <= today + 3; d++) {
      assertTrue(exists(partition(d)), "made ahead: " + partition(d));
    }
    long past = (today - 40) * DAY + 5_000;
    long future = (today + 30) * DAY + 7_000;
    assertTrue(!exists(partition(today - 40)) && !exists(partition(today + 30)));
    long[] seqs = await(store.insert(List.of(event("past", past), event("now", System.currentTimeMillis()),
      event("future", future))));
    assertEquals(3, Set.of(seqs[0], seqs[1], seqs[2]).size());
    assertTrue(exists(partition(today - 40)) && exists(partition(today + 30)));
    assertEquals(1L, number("SELECT COUNT(*) FROM " + partition(today - 40)));
    assertEquals(Event.formatTime(future), await(store.get("future")).getString("timestamp"));
    assertEquals(0L, number("SELECT COUNT(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
      + " WHERE i.inhparent = 'events'::regclass AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'"), "no DEFAULT partition");

    // Another node knows nothing of these days yet, and races for a new one.
    PgEventStore other = open();
    List<Future<long[]>> both = List.of(store.insert(List.of(event("a-race", (today + 50) * DAY))),
      other.insert(List.of(event("b-race", (today + 50) * DAY + 1))));
    await(Future.all(both));
    assertEquals(2L, number("SELECT COUNT(*) FROM " + partition(today + 50)));
    // A node that still believes in a partition another node dropped makes it again.
    assertEquals(1, await(other.deleteBefore((today - 39) * DAY, 100)));
    assertTrue(!exists(partition(today - 40)));
    assertTrue(await(store.insert(List.of(event("late", past + 1))))[0] > 0);
    assertEquals(List.of("late"), ids(await(store.query(new QueryParser(Set.of("akosha")).parse(new JsonObject()
      .put("start_time", Event.formatTime(past - 1000)).put("end_time", Event.formatTime(past + 1000)), 0)))));
    await(other.close());
    await(store.close());
  }

  @Test
  void retentionDropsWholePartitionsDeletesTheStraddlingOneRowWiseAndKeepsTheTotalExact() {
    PgEventStore store = open();
    long today = PgEventStore.day(System.currentTimeMillis());
    long straddling = (today - 1) * DAY;
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      events.add(event("five-" + i, (today - 5) * DAY + i * 1000L, "t"));
    }
    for (int i = 0; i < 2; i++) {
      events.add(event("four-" + i, (today - 4) * DAY + i * 1000L, "t"));
    }
    events.add(event("cut-1", straddling + 3_600_000L, "t"));
    events.add(event("cut-2", straddling + 7_200_000L, "t"));
    events.add(event("kept-1", straddling + 13 * 3_600_000L, "t"));
    events.add(event("kept-2", today * DAY + 1000L, "t"));
    await(store.insert(events));
    assertEquals(9L, await(store.health()).getLong("total_events"));

    long before = straddling + 12 * 3_600_000L;
    assertEquals(7, await(Retention.deleteAll(vertx, store, before, 2)));
    assertTrue(!exists(partition(today - 5)) && !exists(partition(today - 4)), "whole days are dropped");
    assertTrue(exists(partition(today - 1)), "the day holding the cutoff stays");
    assertEquals(List.of("kept-2", "kept-1"), ids(await(store.query(EventQuery.all(10)))));
    assertEquals(2L, await(store.health()).getLong("total_events"));
    assertEquals(2L, number("SELECT COUNT(*) FROM event_ids"), "the ids of deleted events are gone");
    assertEquals(0, await(store.deleteBefore(before, 2)));
    assertNull(await(store.get("five-0")));
    assertTrue(await(store.insert(List.of(event("five-0", (today - 5) * DAY))))[0] > 0, "a deleted id may be stored again");
    assertEquals(3L, await(store.health()).getLong("total_events"));
    assertEquals(3L, await(store.count(EventQuery.all(1))));
    await(store.close());
  }

  @Test
  void duplicatesFromTwoConcurrentWritersLeaveNoHoleInThePositions() {
    PgEventStore a = open();
    PgEventStore b = open();
    long now = System.currentTimeMillis();
    List<Future<long[]>> commits = new ArrayList<>();
    // Writer a sends ids 0..599, writer b 285..884, both in batches of 30 at once, so batches
    // overlap in part; b's batches also repeat an id within themselves.
    for (int from = 0; from < 600; from += 30) {
      List<Event> left = new ArrayList<>();
      List<Event> right = new ArrayList<>();
      for (int i = from; i < from + 30; i++) {
        left.add(event("id-" + i, now + i));
        right.add(event("id-" + (i + 285), now + i));
      }
      right.add(event("id-" + (from + 285), now));
      commits.add(a.insert(left));
      commits.add(b.insert(right));
    }
    await(Future.all(commits));
    Set<Long> given = new HashSet<>();
    int duplicates = 0;
    for (Future<long[]> commit : commits) {
      for (long seq : commit.result()) {
        if (seq < 0) {
          duplicates++;
        } else {
          assertTrue(given.add(seq), "position given twice: " + seq);
        }
      }
    }
    assertEquals(885, given.size());
    assertEquals(315 + 20, duplicates);
    List<Long> stored = new ArrayList<>();
    sql("SELECT seq FROM events ORDER BY seq").forEach(row -> stored.add(row.getLong(0)));
    List<Long> gapless = new ArrayList<>();
    for (long s = 1; s <= 885; s++) {
      gapless.add(s);
    }
    assertEquals(gapless, stored, "positions 1..885 without a hole");
    assertEquals(885L, number("SELECT last_seq FROM commit_clock"));
    assertEquals(885L, number("SELECT COUNT(*) FROM event_ids e JOIN events v USING (event_id, seq)"));
    assertEquals(886L, await(a.insert(List.of(event("next", now))))[0], "the next position is the last plus one");
    await(a.close());
    await(b.close());
  }

  @Test
  void thePasswordComesFromTheFileWhenNoneIsSetAndAnUnreadableFileFailsTheOpen() throws Exception {
    Path file = dir.resolve("pg-password");
    Files.writeString(file, PostgresServer.PASSWORD + "\n");
    PgEventStore fromFile = new PgEventStore(vertx, new PgEventStore.Settings(url, "", file.toString(), 1, 16, 1));
    await(fromFile.open());
    assertEquals("healthy", await(fromFile.health()).getString("status"));
    await(fromFile.close());

    Path wrong = dir.resolve("wrong-password");
    Files.writeString(wrong, "not-it\n");
    PgEventStore explicit = new PgEventStore(vertx, new PgEventStore.Settings(url, PostgresServer.PASSWORD, wrong.toString(), 1, 16, 1));
    await(explicit.open());
    await(explicit.close());

    Path missing = dir.resolve("missing");
    PgEventStore unreadable = new PgEventStore(vertx, new PgEventStore.Settings(url, "", missing.toString(), 1, 16, 1));
    Throwable failure = await(unreadable.open().transform(ar -> Future.succeededFuture(ar.cause())));
    assertNotNull(failure, "the open fails");
    assertTrue(failure.getMessage().contains("storage.postgres.password_file") && failure.getMessage().contains(missing.toString()),
      failure.getMessage());
    await(unreadable.close());

    JsonObject conf = Config.load(null, Map.of("EC_STORAGE_POSTGRES_PASSWORD_FILE", file.toString(),
      "EC_STORAGE_POSTGRES_POOL_SIZE", "3", "EC_STORAGE_POSTGRES_PIPELINING_LIMIT", "32"), Map.of());
    PgEventStore.Settings settings = PgEventStore.Settings.of(conf);
    assertEquals(file.toString(), settings.passwordFile());
    assertEquals(3, settings.poolSize());
    assertEquals(32, settings.pipeliningLimit());
    assertEquals(3, PgEventStore.Settings.of(Defaults.config()).partitionsAhead());
    assertEquals(8, PgEventStore.Settings.of(Defaults.config()).poolSize());
    assertEquals(256, Config.integer(Defaults.config(), ConfigKeys.Storage.PG_PIPELINING_LIMIT, 0));
  }
}
