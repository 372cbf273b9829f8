package org.eventcollector.bench;

import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark's plain PostgreSQL writer against a real server and the collector's own schema. */
@ExtendWith(PostgresServer.class)
@Timeout(120)
class PlainPgTest {

  private Vertx vertx;
  private String url;
  private Pool check;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    url = PostgresServer.get().newDatabase();
    check = PostgresServer.connect(vertx, url);
  }

  @AfterEach
  void tearDown() throws Exception {
    Load.await(check.close(), 30);
    Load.await(vertx.close(), 30);
  }

  @Test
  void batchedInsertsWriteEveryEventWithItsIdAndTagsInOneTransactionPerBatch() throws Exception {
    try (PlainPg plain = PlainPg.open(vertx, url, PostgresServer.PASSWORD, 2)) {
      assertTrue(plain.describe().startsWith("event_ids (event_id, ts, seq) and events (seq, event_id, ts,"),
        plain.describe());
      Load.Outcome outcome = plain.batchedInsertRate(vertx, 50, 2, 500, 60, new Latencies());
      assertEquals(10, outcome.ok(), String.valueOf(outcome.firstError()));
      assertEquals(0, outcome.failed());
    }
    assertEquals(500, number("SELECT COUNT(*) FROM events"));
    assertEquals(500, number("SELECT COUNT(DISTINCT seq) FROM events"));
    assertEquals(500, number("SELECT COUNT(*) FROM event_ids x JOIN events e"
      + " ON e.event_id = x.event_id AND e.ts = x.ts AND e.seq = x.seq"));
    long tags = 0;
    for (long i = 0; i < 500; i++) {
      tags += Events.event("x", i).getJsonArray("tags").size();
    }
    assertEquals(tags, number("SELECT SUM(cardinality(tags)) FROM events"));
    assertEquals(Events.event("pg-7", 7).getJsonArray("tags").getList(),
      List.of(Load.await(check.query("SELECT tags FROM events WHERE event_id = 'pg-7'").execute(), 30)
        .iterator().next().getArrayOfStrings(0)));
    // The limit takes no commit-clock lock and leaves the clock alone.
    assertEquals(0, number("SELECT last_seq FROM commit_clock"));
  }

  @Test
  void theFillWritesEveryDaysPartitionEndsWithTheStoresIndexesAndMovesTheCommitClockPastItsRows() throws Exception {
    Set<String> before;
    long end = System.currentTimeMillis();
    try (PlainPg plain = PlainPg.open(vertx, url, PostgresServer.PASSWORD, 2)) {
      before = indexes();
      // The first rows of a fill lie seven days before its end, the last ones just before it.
      plain.fill(vertx, 0, 3_000, end);
      plain.fill(vertx, PlainJdbc.CHUNK - 3_000, PlainJdbc.CHUNK, end);
    }
    assertEquals(before, indexes());
    assertEquals(6_000, number("SELECT COUNT(*) FROM events"));
    assertEquals(6_000, number("SELECT COUNT(*) FROM event_ids x JOIN events e"
      + " ON e.event_id = x.event_id AND e.ts = x.ts AND e.seq = x.seq"));
    assertEquals(PlainJdbc.CHUNK, number("SELECT last_seq FROM commit_clock"));
    assertEquals(6_000, number("SELECT total_events FROM commit_clock"));
    assertEquals(1, number("SELECT COUNT(*) FROM events WHERE event_id = 'q-0000999999' AND seq = 1000000"));
    assertTrue(number("SELECT MIN(ts) FROM events") >= end - PlainJdbc.SPAN_MS);
    assertTrue(number("SELECT MAX(ts) FROM events") < end);
    // Two UTC days a week apart, each row in the partition of its day.
    assertEquals(2, number("SELECT COUNT(DISTINCT ts / 86400000) FROM events"));
    assertEquals(0, number("SELECT COUNT(*) FROM events e JOIN pg_class c ON c.oid = e.tableoid"
      + " WHERE c.relname <> 'events_' || to_char(DATE '1970-01-01' + (e.ts / 86400000)::int, 'YYYYMMDD')"));
    // Vacuumed: index-only scans need not wait for autovacuum.
    assertEquals(0, number("SELECT COUNT(*) FROM pg_stat_user_tables s WHERE s.relid IN (SELECT DISTINCT tableoid FROM events)"
      + " AND s.last_vacuum IS NULL"));
    // Every partition got each index of events back, not only the partitioned table.
    long perTable = number("SELECT COUNT(*) FROM pg_indexes WHERE tablename = 'events'");
    assertEquals(0, number("SELECT COUNT(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
      + " WHERE i.inhparent = 'events'::regclass"
      + " AND (SELECT COUNT(*) FROM pg_index x WHERE x.indrelid = c.oid) <> " + perTable));
  }

  private long number(String sql) throws Exception {
    return Load.await(check.query(sql).execute(), 30).iterator().next().getLong(0);
  }

  private Set<String> indexes() throws Exception {
    Set<String> definitions = new TreeSet<>();
    for (Row row : Load.await(check.query("SELECT indexdef FROM pg_indexes WHERE tablename IN ('events', 'event_ids')")
      .execute(), 30)) {
      definitions.add(row.getString(0));
    }
    assertTrue(definitions.size() > 3, definitions.toString());
    return definitions;
  }
}
