package org.eventcollector.bench;

import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashSet;
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
    check = PgBuilder.pool().with(new PoolOptions().setMaxSize(1))
      .connectingTo(PgConnectOptions.fromUri(url).setPassword(PostgresServer.PASSWORD)).using(vertx).build();
  }

  @AfterEach
  void tearDown() throws Exception {
    Load.await(check.close(), 30);
    Load.await(vertx.close(), 30);
  }

  @Test
  void batchedInsertsWriteEveryEventWithItsTagsInOneTransactionPerBatch() throws Exception {
    try (PlainPg plain = PlainPg.open(vertx, url, PostgresServer.PASSWORD, 2)) {
      Load.Outcome outcome = plain.batchedInsertRate(vertx, 50, 2, 500, 60, new Latencies());
      assertEquals(10, outcome.ok(), String.valueOf(outcome.firstError()));
      assertEquals(0, outcome.failed());
    }
    assertEquals(500, number("SELECT COUNT(*) FROM events"));
    long tags = 0;
    for (long i = 0; i < 500; i++) {
      tags += new HashSet<>(Events.event("x", i).getJsonArray("tags").getList()).size();
    }
    assertEquals(tags, number("SELECT COUNT(*) FROM event_tags"));
    assertEquals(500, number("SELECT COUNT(DISTINCT seq) FROM events"));
  }

  @Test
  void theFillEndsWithTheStoresIndexesAndMovesTheCommitClockPastItsRows() throws Exception {
    Set<String> before;
    long end = System.currentTimeMillis();
    try (PlainPg plain = PlainPg.open(vertx, url, PostgresServer.PASSWORD, 2)) {
      before = indexes();
      plain.fill(vertx, 0, 3_000, end);
      plain.fill(vertx, 3_000, 5_000, end);
    }
    assertEquals(before, indexes());
    assertEquals(5_000, number("SELECT COUNT(*) FROM events"));
    assertEquals(5_000, number("SELECT last_seq FROM commit_clock"));
    assertEquals(5_000, number("SELECT total_events FROM commit_clock"));
    assertEquals(1, number("SELECT COUNT(*) FROM events WHERE event_id = 'q-0000004999' AND seq = 5000"));
    assertTrue(number("SELECT MIN(ts) FROM events") >= end - PlainJdbc.SPAN_MS);
    assertTrue(number("SELECT MAX(ts) FROM events") < end);
  }

  private long number(String sql) throws Exception {
    return Load.await(check.query(sql).execute(), 30).iterator().next().getLong(0);
  }

  private Set<String> indexes() throws Exception {
    Set<String> definitions = new TreeSet<>();
    for (Row row : Load.await(check.query("SELECT indexdef FROM pg_indexes WHERE tablename IN ('events', 'event_tags')")
      .execute(), 30)) {
      definitions.add(row.getString(0));
    }
    assertTrue(definitions.size() > 3, definitions.toString());
    return definitions;
  }
}
