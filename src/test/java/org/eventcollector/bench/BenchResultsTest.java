package org.eventcollector.bench;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchResultsTest {

  @Test
  void percentilesAreNearestRank() {
    Latencies latencies = new Latencies();
    for (int i = 100; i >= 1; i--) {
      latencies.add(i * 1_000_000L);
    }
    assertEquals(50.0, latencies.percentileMs(50));
    assertEquals(99.0, latencies.percentileMs(99));
    assertEquals(100.0, latencies.percentileMs(100));
    assertTrue(Double.isNaN(new Latencies().percentileMs(50)));
  }

  @Test
  void aRowCarriesItsRatioToTheLimitAndNullsWhereNothingWasMeasured() {
    JsonObject row = Result.rate("ingest-batch", "of 100", 600, 1000, null, "note").toJson();
    assertEquals(0.6, row.getDouble("ratio"));
    assertEquals(600.0, row.getDouble("events_per_second"));
    assertNull(row.getValue("p50_ms"));
    JsonObject query = Result.unavailable("stream", "1 client", "404").toJson();
    assertTrue(query.containsKey("limit_per_second"));
    assertNull(query.getValue("ratio"));
    assertEquals("unavailable: 404", query.getString("note"));
  }

  @Test
  void theTableAlignsItsColumns() {
    String table = Table.render(List.of(
      Result.rate("ingest-http", "16 connections", 12345, 23456, null, "a"),
      Result.measure("footprint", "DB bytes per event", 512.5, "B", "b")));
    String[] lines = table.split("\n");
    assertEquals(4, lines.length);
    assertEquals(lines[0].indexOf("variant"), lines[2].indexOf("16 connections"));
    assertTrue(lines[2].contains("53 %"), table);
  }

  @Test
  void theFilledWeekSpreadsEveryMillionOverTheSevenDaysBeforeTheEnd() {
    long end = 1_800_000_000_000L;
    for (long i : new long[] {0, 999_999, 1_000_000, 4_999_999}) {
      long ts = PlainJdbc.timestamp(i, end);
      assertTrue(ts >= end - PlainJdbc.SPAN_MS && ts < end, "event " + i);
    }
  }
}
