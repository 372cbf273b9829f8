package org.eventcollector.storage;

import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;

import java.util.HashMap;
import java.util.Map;

/** Duration statistics; every value null when no event has a duration. Percentiles are nearest-rank. */
record DurationStats(long count, Long min, Long max, Double avg, Long p50, Long p95, Long p99) {

  static final DurationStats EMPTY = new DurationStats(0, null, null, null, null, null, null);

  /** The 1-based nearest rank of percentile {@code p} among {@code n} sorted values: ceil(p / 100 * n). */
  static long rank(int p, long n) {
    return Math.max(1, (n * p + 99) / 100);
  }

  /** From values sorted ascending ({@code sorted[0..n)}). */
  static DurationStats of(long[] sorted, int n, boolean percentiles) {
    if (n == 0) {
      return EMPTY;
    }
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += sorted[i];
    }
    return new DurationStats(n, sorted[0], sorted[n - 1], sum / n,
      percentiles ? sorted[(int) rank(50, n) - 1] : null,
      percentiles ? sorted[(int) rank(95, n) - 1] : null,
      percentiles ? sorted[(int) rank(99, n) - 1] : null);
  }

  /**
   * From the rows of a ranked-durations query: {@code (rank, duration, count, average)}, holding
   * the ranks of the minimum, the maximum and each percentile.
   */
  static DurationStats ofRanks(RowSet<Row> rows) {
    Map<Long, Long> byRank = new HashMap<>();
    long n = 0;
    double avg = 0;
    for (Row row : rows) {
      byRank.put(row.getLong(0), row.getLong(1));
      n = row.getLong(2);
      avg = ((Number) row.getValue(3)).doubleValue();
    }
    if (n == 0) {
      return EMPTY;
    }
    return new DurationStats(n, byRank.get(1L), byRank.get(n), avg, byRank.get(rank(50, n)),
      byRank.get(rank(95, n)), byRank.get(rank(99, n)));
  }

  JsonObject toJson() {
    return new JsonObject().put("count", count).put("min", min).put("max", max)
      .put("avg", avg == null ? null : Math.round(avg * 100) / 100.0)
      .put("p50", p50).put("p95", p95).put("p99", p99);
  }
}
