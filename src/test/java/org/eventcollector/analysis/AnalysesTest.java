package org.eventcollector.analysis;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class AnalysesTest {

  @Test
  void flagsHighAndLowHoursWithASignedDeviationInPopulationSigma() {
    long[] counts = new long[24];
    java.util.Arrays.fill(counts, 100);
    counts[3] = 0;
    counts[17] = 200;
    // mean 100, population σ = sqrt((100² + 100²) / 24)
    double sigma = Math.sqrt(20_000 / 24.0);
    assertEquals(sigma, Analyses.sigma(counts), 1e-9);
    assertArrayEquals(new int[] {3, 17}, Analyses.outliers(counts));
    assertEquals(-100 / sigma, Analyses.deviation(counts, 3), 1e-9);
    assertEquals(100 / sigma, Analyses.deviation(counts, 17), 1e-9);
  }

  @Test
  void flatHoursHaveNoPatterns() {
    assertArrayEquals(new int[0], Analyses.outliers(new long[] {5, 5, 5, 5}));
    assertArrayEquals(new int[0], Analyses.outliers(new long[] {0, 0, 0}));
  }

  @Test
  void bucketsAreKeyedByTheirIsoHourStartAndEmptyHoursCount() {
    long first = 1_795_870_800_000L; // 2026-11-28T13:00:00Z
    JsonObject counts = new JsonObject().put("total", 10)
      .put("groups", new JsonObject().put("event_type", new JsonObject()).put("source_system", new JsonObject()));
    JsonObject buckets = new JsonObject().put(Long.toString(first + 3_600_000L), 10);
    JsonObject answer = Analyses.patterns(first, 3, counts, buckets, new JsonObject().put("avg", (Double) null));
    assertEquals(new JsonObject().put("2026-11-28T13:00:00Z", 0).put("2026-11-28T14:00:00Z", 10)
      .put("2026-11-28T15:00:00Z", 0), answer.getJsonObject("hourly_distribution"));
    // counts 0, 10, 0: mean 3.33, σ 4.71, the middle hour is 1.41 σ away: no pattern.
    assertEquals(new JsonArray(), answer.getJsonArray("patterns"));
  }
}
