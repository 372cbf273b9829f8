package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
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
 * ahead and near now, coarse ones that bound the partitions far times make, their split once now
 * reaches them, retention by dropping partitions, gapless positions, the password file.
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
    admin = PostgresServer.connect(vertx, url);
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

  /** The partition holding time {@code ts}, or null. */
  private String holder(long ts) {
    var rows = sql("SELECT name FROM events_partition_ranges WHERE (lo IS NULL OR lo <= " + ts + ")"
      + " AND (hi IS NULL OR " + ts + " < hi)");
    return rows.size() == 0 ? null : rows.iterator().next().getString(0);
  }

  /** The range of ts of a partition, MIN_VALUE / MAX_VALUE where unbounded. */
  private long[] range(String name) {
    Row row = sql("SELECT lo, hi FROM events_partition_ranges WHERE name = '" + name + "'").iterator().next();
    return new long[] {row.getLong(0) == null ? Long.MIN_VALUE : row.getLong(0), row.getLong(1) == null ? Long.MAX_VALUE : row.getLong(1)};
  }

  private List<String> partitionNames() {
    List<String> names = new ArrayList<>();
    sql("SELECT name FROM events_partition_ranges ORDER BY lo NULLS FIRST").forEach(row -> names.add(row.getString(0)));
    return names;
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
    // 2023-11-14 to 16, years from any day this runs on: the year is one partition.
    assertEquals(List.of("events_2023"), List.of(holder(t), holder(t + DAY), holder(t + 2 * DAY)).stream().distinct().toList());
    assertEquals(3L, number("SELECT COUNT(*) FROM events_2023"));
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
  void daysNearNowGetTheirOwnPartitionsAndFarTimesCoarserOnesThatNeverMeetTheNearDays() {
    PgEventStore store = open();
    long today = PgEventStore.day(System.currentTimeMillis());
    for (long d = today; d <= today + 3; d++) {
      assertTrue(exists(partition(d)), "made ahead: " + partition(d));
    }
    long nearPast = (today - PgEventStore.NEAR_DAYS) * DAY + 5;
    long nearFuture = (today + 3 + PgEventStore.NEAR_DAYS) * DAY + 5;
    long past = (today - 40) * DAY + 5_000;
    long future = (today + 50) * DAY + 7_000;
    long[] seqs = await(store.insert(List.of(event("near-past", nearPast), event("past", past),
      event("now", System.currentTimeMillis()), event("near-future", nearFuture), event("future", future))));
    assertEquals(5, Set.of(seqs[0], seqs[1], seqs[2], seqs[3], seqs[4]).size());
    assertEquals(partition(today - PgEventStore.NEAR_DAYS), holder(nearPast));
    assertEquals(partition(today + 3 + PgEventStore.NEAR_DAYS), holder(nearFuture));
    for (long far : new long[] {past, future}) {
      // A day, a month or a year, never holding a day of the near window.
      long[] range = range(holder(far));
      assertTrue(range[0] <= far && far < range[1], holder(far));
      assertTrue(range[1] <= (today - PgEventStore.NEAR_DAYS) * DAY || range[0] >= (today + 4 + PgEventStore.NEAR_DAYS) * DAY,
        holder(far) + " meets the near days");
    }
    assertEquals(Event.formatTime(future), await(store.get("future")).getString("timestamp"));
    assertEquals(0L, number("SELECT COUNT(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
      + " WHERE i.inhparent = 'events'::regclass AND pg_get_expr(c.relpartbound, c.oid) = 'DEFAULT'"), "no DEFAULT partition");

    // Another node knows nothing of these days yet, and races for a new one.
    PgEventStore other = open();
    List<Future<long[]>> both = List.of(store.insert(List.of(event("a-race", (today + 9) * DAY))),
      other.insert(List.of(event("b-race", (today + 9) * DAY + 1))));
    await(Future.all(both));
    assertEquals(2L, number("SELECT COUNT(*) FROM " + partition(today + 9)));
    // A node that still believes in a partition another node dropped makes it again.
    String dropped = holder(past);
    long end = range(dropped)[1];
    long before = number("SELECT COUNT(*) FROM events WHERE ts < " + end);
    assertEquals(before, (long) await(other.deleteBefore(end, 100)));
    assertTrue(!exists(dropped));
    assertTrue(await(store.insert(List.of(event("late", past + 1))))[0] > 0);
    assertEquals(dropped, holder(past + 1));
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

  /** Epoch ms of a UTC date and time, e.g. {@code 2100-06-15T00:00:00Z}. */
  private static long at(String time) {
    return Event.parseTime(time);
  }

  private String create(String time, String nearFirst, String nearLast) {
    return sql("SELECT events_partition_create(" + at(time) + ", " + PgEventStore.day(at(nearFirst)) + ", "
      + PgEventStore.day(at(nearLast)) + ")").iterator().next().getString(0);
  }

  @Test
  void aMissingTimeGetsItsDayNearNowElseTheCoarsestFreeUnitAndTheCatchAllsOutside1970To2200() {
    PgEventStore store = open();
    String first = "2100-06-08T00:00:00Z";
    String last = "2100-06-25T00:00:00Z";
    assertEquals("events_21000616", create("2100-06-16T12:00:00Z", first, last), "a day of the near window");
    assertEquals("events_210002", create("2100-02-03T00:00:00Z", first, last), "decade and year meet the near window");
    assertNull(create("2100-02-20T00:00:00Z", first, last), "the month holds it already");
    assertEquals("events_21000630", create("2100-06-30T00:00:00Z", first, last), "its month meets the near window");
    assertEquals("events_2104", create("2104-05-05T00:00:00Z", first, last), "its decade meets the near window");
    assertEquals("events_2150s", create("2150-01-01T00:00:00Z", first, last));
    assertNull(create("2159-12-31T23:59:59.999Z", first, last), "the decade holds it");
    assertEquals("events_before_1970", create("1969-12-31T23:59:59.999Z", first, last));
    assertNull(create("0001-01-01T00:00:00Z", first, last));
    assertEquals("events_1970s", create("1970-01-01T00:00:00Z", first, last));
    assertEquals("events_from_2200", create("2200-01-01T00:00:00Z", first, last));
    assertEquals("events_2190s", create("2199-12-31T23:59:59.999Z", first, last));
    assertNull(create("9999-12-31T23:59:59.999Z", first, last));
    // The near window moves on: a day of 2104 goes to the year made before, a day of a month
    // already holding a day gets its own, and a decade with a day in it gets years.
    assertNull(create("2104-05-06T00:00:00Z", "2104-05-01T00:00:00Z", "2104-05-18T00:00:00Z"), "into events_2104");
    assertEquals("events_21000620", create("2100-06-20T00:00:00Z", "2101-01-01T00:00:00Z", "2101-01-18T00:00:00Z"));
    assertEquals("events_210007", create("2100-07-05T00:00:00Z", "2101-01-01T00:00:00Z", "2101-01-18T00:00:00Z"));
    assertEquals("events_210009", create("2100-09-05T00:00:00Z", "2101-01-01T00:00:00Z", "2101-01-18T00:00:00Z"));
    assertEquals("events_2107", create("2107-03-05T00:00:00Z", "2130-01-01T00:00:00Z", "2130-01-18T00:00:00Z"));
    // No two partitions overlap, and together they leave no hole between their ends.
    List<long[]> ranges = new ArrayList<>();
    for (String name : partitionNames()) {
      ranges.add(range(name));
    }
    for (int i = 1; i < ranges.size(); i++) {
      assertTrue(ranges.get(i - 1)[1] <= ranges.get(i)[0], "overlap at " + partitionNames().get(i));
    }
    await(store.close());
  }

  @Test
  void aThousandEventsOnAThousandFarDaysMakeAFewPartitionsAndAllReadBack() {
    PgEventStore store = open();
    int before = partitionNames().size();
    long today = PgEventStore.day(System.currentTimeMillis());
    List<Event> events = new ArrayList<>();
    List<Long> times = new ArrayList<>();
    // Days from 1900 to 2300 (146 097 days), one in every 146, at varied hours; none near today.
    long from = PgEventStore.day(at("1900-01-01T00:00:00Z"));
    for (int i = 0; events.size() < 1000; i++) {
      long d = from + i * 146L;
      if (Math.abs(d - today) <= 30) {
        d += 61;
      }
      long ts = d * DAY + (i % 24) * 3_600_000L + i;
      times.add(ts);
      events.add(event("far-" + i, ts));
    }
    assertEquals(1000, java.util.Arrays.stream(await(store.insert(events))).filter(seq -> seq > 0).count());
    List<String> made = partitionNames();
    // At most the two catch-alls, 23 decades, the other 9 years of today's decade, the other 11
    // months of today's year (and of the next, near its end), and days of those months.
    assertTrue(made.size() - before <= 2 + 23 + 9 + 22 + 31, "partitions made: " + (made.size() - before) + " " + made);
    assertTrue(made.contains("events_before_1970") && made.contains("events_from_2200") && made.contains("events_2110s"), made.toString());
    assertEquals(1000L, await(store.count(EventQuery.all(1))));
    for (int i = 0; i < 1000; i += 37) {
      assertEquals(Event.formatTime(times.get(i)), await(store.get("far-" + i)).getString("timestamp"));
    }
    QueryParser parser = new QueryParser(Set.of("akosha"));
    String[][] spans = {{"1969-06-01T00:00:00Z", "1970-03-01T00:00:00Z"}, {"1990-01-01T00:00:00Z", "2000-01-01T00:00:00Z"},
      {"2100-06-01T00:00:00Z", "2101-07-01T00:00:00Z"}, {"2199-01-01T00:00:00Z", "2200-06-01T00:00:00Z"},
      {"1900-01-01T00:00:00Z", "2300-01-01T00:00:00Z"}};
    for (String[] span : spans) {
      long start = at(span[0]);
      long end = at(span[1]);
      Set<String> expected = new HashSet<>();
      for (int i = 0; i < times.size(); i++) {
        if (times.get(i) >= start && times.get(i) < end) {
          expected.add("far-" + i);
        }
      }
      assertTrue(!expected.isEmpty(), span[0]);
      JsonObject range = new JsonObject().put("start_time", span[0]).put("end_time", span[1]).put("limit", 1000);
      assertEquals(expected, new HashSet<>(ids(await(store.query(parser.parse(range, 0))))), span[0] + " to " + span[1]);
      assertEquals((long) expected.size(), await(store.count(parser.parse(range, 0))));
    }
    await(store.close());
  }

  @Test
  void timesFromYearOneToTheLastMillisecondAreStoredAndReadBack() {
    PgEventStore store = open();
    String[] wire = {"0001-01-01T00:00:00.000Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00.000Z",
      "2199-12-31T23:59:59.999Z", "2200-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z", "+12332-03-21T05:20:00.000Z",
      Event.formatTime(Long.MAX_VALUE)};
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < wire.length; i++) {
      events.add(event("edge-" + i, at(wire[i])));
    }
    await(store.insert(events));
    for (int i = 0; i < wire.length; i++) {
      assertEquals(wire[i], await(store.get("edge-" + i)).getString("timestamp"));
    }
    assertEquals("events_before_1970", holder(at(wire[0])));
    assertEquals("events_before_1970", holder(at(wire[1])));
    assertEquals("events_1970s", holder(at(wire[2])));
    assertEquals("events_2190s", holder(at(wire[3])));
    assertEquals("events_from_2200", holder(Long.MAX_VALUE));
    assertEquals(4L, number("SELECT COUNT(*) FROM events_from_2200"));
    assertEquals(List.of("edge-7", "edge-6", "edge-5", "edge-4"), ids(await(store.query(new QueryParser(Set.of("akosha"))
      .parse(new JsonObject().put("start_time", "2200-01-01T00:00:00Z"), 0)))));
    await(store.close());
  }

  @Test
  void twoNodesRacingForOverlappingRangesNeverFailACommit() {
    PgEventStore a = open();
    PgEventStore b = open();
    List<Future<long[]>> commits = new ArrayList<>();
    // Each round both nodes send days of one decade at once, one from its start, the other from
    // its end: the decade, years, months and days they would make overlap.
    for (int round = 0; round < 6; round++) {
      long start = PgEventStore.day(at((2110 + round * 10) + "-01-01T00:00:00Z"));
      List<Event> left = new ArrayList<>();
      List<Event> right = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        left.add(event("l-" + round + "-" + i, (start + i * 29L) * DAY));
        right.add(event("r-" + round + "-" + i, (start + 3651 - i * 31L) * DAY));
      }
      commits.add(a.insert(left));
      commits.add(b.insert(right));
    }
    await(Future.all(commits));
    assertEquals(480L, await(a.count(EventQuery.all(1))));
    assertEquals(480L, number("SELECT COUNT(*) FROM event_ids"));
    List<String> names = partitionNames();
    for (int round = 0; round < 6; round++) {
      assertTrue(names.contains("events_" + (2110 + round * 10) + "s"), names.toString());
    }
    await(a.close());
    await(b.close());
  }

  @Test
  void retentionThroughAYearPartitionDeletesExactlyTheEventsBeforeTheCutoff() {
    PgEventStore store = open();
    int year = java.time.LocalDate.ofEpochDay(PgEventStore.day(System.currentTimeMillis())).getYear();
    // A year of today's decade at least two years away: the decade holds the days made ahead, so
    // that year is one partition.
    int far = year - 3 >= year / 10 * 10 ? year - 3 : year + 3;
    long cutoff = at(far + "-07-01T00:00:00Z");
    List<Event> events = new ArrayList<>();
    String[] times = {"0001-01-01T00:00:00Z", "1969-05-05T00:00:00Z", far + "-01-01T00:00:00Z", far + "-02-03T10:00:00Z",
      far + "-06-30T23:59:59.999Z", far + "-07-01T00:00:00Z", far + "-12-31T23:59:59.999Z", "2150-05-05T00:00:00Z",
      "2300-01-01T00:00:00Z"};
    for (int i = 0; i < times.length; i++) {
      events.add(event("r-" + i, at(times[i]), "t"));
    }
    events.add(event("now", System.currentTimeMillis(), "t"));
    await(store.insert(events));
    assertEquals("events_" + far, holder(at(far + "-03-01T00:00:00Z")));
    Set<String> kept = new HashSet<>();
    for (Event e : events) {
      if (e.timestamp() >= cutoff) {
        kept.add(e.eventId());
      }
    }
    int deleted = events.size() - kept.size();
    assertEquals(deleted, await(Retention.deleteAll(vertx, store, cutoff, 2)));
    assertTrue(!exists("events_before_1970"), "a partition wholly before the cutoff is dropped");
    assertTrue(exists("events_" + far), "the year holding the cutoff stays");
    assertEquals(kept, new HashSet<>(ids(await(store.query(EventQuery.all(100))))));
    assertEquals((long) kept.size(), await(store.health()).getLong("total_events"));
    assertEquals((long) kept.size(), number("SELECT COUNT(*) FROM event_ids"));
    assertEquals(0, await(store.deleteBefore(cutoff, 2)));
    assertTrue(await(store.insert(List.of(event("r-1", at("1969-05-05T00:00:00Z")))))[0] > 0, "a deleted id may come again");
    assertEquals((long) kept.size() + 1, await(store.count(EventQuery.all(1))));
    await(store.close());
  }

  @Test
  void aPartitionMadeForFutureTimesIsSplitIntoDaysOnceTheNearWindowReachesIt() {
    PgEventStore store = open();
    // As if this month had been made as one partition back when a client sent a time in it ahead.
    LocalDate today = LocalDate.ofEpochDay(PgEventStore.day(System.currentTimeMillis()));
    LocalDate monthStart = today.withDayOfMonth(1);
    long first = monthStart.toEpochDay() * DAY;
    long end = monthStart.plusMonths(1).toEpochDay() * DAY;
    for (String name : partitionNames()) {
      sql("DROP TABLE " + name);
    }
    String month = "events_" + monthStart.format(DateTimeFormatter.ofPattern("yyyyMM"));
    sql("CREATE TABLE " + month + " PARTITION OF events FOR VALUES FROM (" + first + ") TO (" + end + ")");
    List<Event> events = List.of(event("start", first), event("today", today.toEpochDay() * DAY + 1000),
      event("end", end - 1));
    long[] seqs = await(store.insert(events));
    assertEquals(month, holder(today.toEpochDay() * DAY));
    long nearFirst = today.toEpochDay() - PgEventStore.NEAR_DAYS;
    long nearLast = today.toEpochDay() + 3 + PgEventStore.NEAR_DAYS;
    assertEquals(-1L, number("SELECT events_partition_split('" + month + "', " + nearFirst + ", " + nearLast + ", 2)"),
      "one holding too many events stays");
    assertTrue(exists(month));

    PgEventStore other = open();
    assertTrue(!exists(month), "split at open");
    for (long d = today.toEpochDay(); d <= today.toEpochDay() + 3; d++) {
      assertEquals(partition(d), holder(d * DAY));
    }
    for (String name : partitionNames()) {
      long[] range = range(name);
      assertTrue(range[1] <= nearFirst * DAY || range[0] >= (nearLast + 1) * DAY || range[1] - range[0] == DAY,
        name + " meets the near window");
    }
    for (int i = 0; i < events.size(); i++) {
      assertEquals(events.get(i).timestamp(), Event.parseTime(await(other.get(events.get(i).eventId())).getString("timestamp")));
      assertEquals(seqs[i], number("SELECT seq FROM events WHERE event_id = '" + events.get(i).eventId() + "'"));
    }
    assertEquals(3L, await(other.health()).getLong("total_events"));
    assertEquals(List.of("today", "end"), ids(await(other.after("start", EventQuery.all(1), 10))));
    // The node that still knows the month finds the partitions again, and makes one for a day of
    // the month that none holds now.
    long later = end - 2;
    for (long d = first / DAY + 1; d < end / DAY - 1; d++) {
      if (d < nearFirst || d > nearLast) {
        later = d * DAY;
      }
    }
    assertTrue(await(store.insert(List.of(event("later", later))))[0] > 0);
    assertNotNull(holder(later));
    assertEquals(4L, await(other.count(EventQuery.all(1))));
    await(other.close());
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
  void aCommitWaitingForTheClockSeesTheIdsCommittedBeforeItAndTakesBackRolledBackPositions() {
    PgEventStore store = open();
    long now = System.currentTimeMillis();
    assertEquals(1L, await(store.insert(List.of(event("first", now))))[0]);
    PgConnectOptions options = PgConnectOptions.fromUri(url).setPassword(PostgresServer.PASSWORD);

    // Another writer holds the clock row in an open transaction that stores x and y (positions 2
    // and 3); this node's commit of y and z must wait for it, then see y as stored.
    SqlConnection holder = await(PgConnection.connect(vertx, options));
    await(holder.query("BEGIN").execute());
    RowSet<Row> held = await(holder.preparedQuery(PgEventStore.COMMIT_EVENTS)
      .execute(PgEventStore.commitArgs(List.of(event("x", now), event("y", now)), List.of(0, 1))));
    assertEquals(2, held.size());
    Future<long[]> waiting = store.insert(List.of(event("y", now), event("z", now)));
    awaitCommitsWaitingForTheClock(1);
    assertTrue(!waiting.isComplete(), "the commit waits for the clock row");
    await(holder.query("COMMIT").execute());
    long[] seqs = await(waiting);
    assertEquals(-1L, seqs[0], "y was committed by the writer before: a duplicate");
    assertEquals(4L, seqs[1], "z follows the positions of the writer before");

    // The same, but the writer holding the clock rolls back: its positions 5 and 6 and its id r2
    // are free again, so the waiting commit stores r2 and w at 5 and 6.
    await(holder.query("BEGIN").execute());
    await(holder.preparedQuery(PgEventStore.COMMIT_EVENTS)
      .execute(PgEventStore.commitArgs(List.of(event("r1", now), event("r2", now)), List.of(0, 1))));
    waiting = store.insert(List.of(event("r2", now), event("w", now)));
    awaitCommitsWaitingForTheClock(1);
    await(holder.query("ROLLBACK").execute());
    seqs = await(waiting);
    assertEquals(5L, seqs[0]);
    assertEquals(6L, seqs[1]);
    await(holder.close());

    List<String> order = new ArrayList<>();
    sql("SELECT event_id FROM events ORDER BY seq").forEach(row -> order.add(row.getString(0)));
    assertEquals(List.of("first", "x", "y", "z", "r2", "w"), order);
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), numbers("SELECT seq FROM events ORDER BY seq"));
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), numbers("SELECT seq FROM event_ids ORDER BY seq"));
    assertEquals(6L, number("SELECT last_seq FROM commit_clock"));
    assertEquals(6L, number("SELECT total_events FROM commit_clock"));
    await(store.close());
  }

  @Test
  void aCommitIntoAPartitionDroppedBehindTheNodesBackMakesItAgainAndKeepsThePositionsGapless() {
    PgEventStore store = open();
    long now = System.currentTimeMillis();
    assertEquals(1L, await(store.insert(List.of(event("before", now))))[0]);
    // Another node's retention dropped today's partition; this node still knows it.
    String today = holder(now);
    sql("DELETE FROM event_ids");
    sql("DROP TABLE " + today);
    sql("UPDATE commit_clock SET total_events = 0");
    long[] seqs = await(store.insert(List.of(event("after", now), event("later", now + 1))));
    assertEquals(2L, seqs[0], "the failed attempt gave its positions back");
    assertEquals(3L, seqs[1]);
    assertEquals(today, holder(now));
    assertEquals(List.of(2L, 3L), numbers("SELECT seq FROM events ORDER BY seq"));
    assertEquals(2L, number("SELECT total_events FROM commit_clock"));
    await(store.close());
  }

  private List<Long> numbers(String text) {
    List<Long> numbers = new ArrayList<>();
    sql(text).forEach(row -> numbers.add(row.getLong(0)));
    return numbers;
  }

  /** Polls (bounded) until {@code n} backends wait for a lock inside {@code events_commit}. */
  private void awaitCommitsWaitingForTheClock(int n) {
    for (int i = 0; i < 500; i++) {
      if (number("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
          + " AND wait_event_type = 'Lock' AND query LIKE '%events_commit%'") == n) {
        return;
      }
      await(vertx.timer(10));
    }
    throw new AssertionError(n + " commit(s) waiting for the clock row expected");
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
