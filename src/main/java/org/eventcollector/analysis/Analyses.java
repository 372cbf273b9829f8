package org.eventcollector.analysis;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;

/** Shapes storage aggregates into the analysis answers (CONTRACT.md sections 3 and 10); no I/O. */
final class Analyses {

  static final long HOUR = 3_600_000L;
  /** An hour at least this many population standard deviations from the mean is a pattern. */
  static final double THRESHOLD = 2.0;
  static final List<String> SEVERITIES = List.of("debug", "info", "warning", "error", "critical");

  private static final DateTimeFormatter MILLIS =
    DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter SECONDS =
    DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private Analyses() {
  }

  /** The start of the clock hour holding {@code time}. */
  static long hourOf(long time) {
    return Math.floorDiv(time, HOUR) * HOUR;
  }

  /** A query object for {@code [from, to]}, both inclusive (the end bound of a query is exclusive). */
  static JsonObject window(long from, long to) {
    return new JsonObject()
      .put("start_time", MILLIS.format(Instant.ofEpochMilli(from)))
      .put("end_time", MILLIS.format(Instant.ofEpochMilli(to + 1)));
  }

  /** The key of an hour bucket: its ISO start, e.g. {@code 2026-11-22T13:00:00Z}. */
  static String hourKey(long hourStart) {
    return SECONDS.format(Instant.ofEpochMilli(hourStart).truncatedTo(ChronoUnit.SECONDS));
  }

  static JsonObject errors(JsonObject counts, JsonObject recent, JsonObject groups) {
    JsonObject by = counts.getJsonObject("groups");
    return new JsonObject()
      .put("total_errors", counts.getLong("total"))
      .put("critical_errors", by.getJsonObject("severity").getLong("critical", 0L))
      .put("errors_by_type", by.getJsonObject("event_type"))
      .put("errors_by_system", by.getJsonObject("source_system"))
      .put("errors_by_component", by.getJsonObject("source_component"))
      .put("recent_errors", recent.getJsonArray("events"))
      .put("error_groups", groups.getJsonArray("groups"))
      .put("distinct_error_groups", groups.getLong("distinct"));
  }

  /**
   * The hourly pattern answer over {@code hours} clock-hour buckets starting at {@code first}.
   * Every bucket counts, empty ones too; σ is the population standard deviation.
   */
  static JsonObject patterns(long first, int hours, JsonObject counts, JsonObject buckets, JsonObject durations) {
    long[] perHour = new long[hours];
    for (String key : buckets.fieldNames()) {
      long index = (Long.parseLong(key) - first) / HOUR;
      if (index >= 0 && index < hours) {
        perHour[(int) index] += buckets.getLong(key);
      }
    }
    JsonObject distribution = new JsonObject();
    for (int i = 0; i < hours; i++) {
      distribution.put(hourKey(first + i * HOUR), perHour[i]);
    }
    JsonArray patterns = new JsonArray();
    for (int i : outliers(perHour)) {
      patterns.add(new JsonObject()
        .put("hour", hourKey(first + i * HOUR))
        .put("count", perHour[i])
        .put("deviation", round(deviation(perHour, i), 2)));
    }
    JsonObject by = counts.getJsonObject("groups");
    Double avg = durations.getDouble("avg");
    return new JsonObject()
      .put("total_events", counts.getLong("total"))
      .put("hourly_distribution", distribution)
      .put("event_types", by.getJsonObject("event_type"))
      .put("systems", by.getJsonObject("source_system"))
      .put("avg_duration_ms", avg)
      .put("patterns", patterns);
  }

  /** Indexes of the buckets whose count is at least {@link #THRESHOLD} σ from the mean, in order. */
  static int[] outliers(long[] counts) {
    double sigma = sigma(counts);
    if (sigma == 0) {
      return new int[0];
    }
    return java.util.stream.IntStream.range(0, counts.length)
      .filter(i -> Math.abs(deviation(counts, i)) >= THRESHOLD)
      .toArray();
  }

  static double mean(long[] counts) {
    double sum = 0;
    for (long c : counts) {
      sum += c;
    }
    return counts.length == 0 ? 0 : sum / counts.length;
  }

  static double sigma(long[] counts) {
    double mean = mean(counts);
    double squares = 0;
    for (long c : counts) {
      squares += (c - mean) * (c - mean);
    }
    return counts.length == 0 ? 0 : Math.sqrt(squares / counts.length);
  }

  /** Signed distance of bucket {@code i} from the mean, in σ. */
  static double deviation(long[] counts, int i) {
    return (counts[i] - mean(counts)) / sigma(counts);
  }

  static JsonObject report(int hours, JsonObject counts, JsonObject durations, JsonObject recent) {
    JsonObject by = counts.getJsonObject("groups");
    JsonObject severities = new JsonObject();
    for (String severity : SEVERITIES) {
      severities.put(severity, by.getJsonObject("severity").getLong(severity, 0L));
    }
    return new JsonObject()
      .put("period_hours", hours)
      .put("total_events", counts.getLong("total"))
      .put("severity_distribution", severities)
      .put("system_distribution", by.getJsonObject("source_system"))
      .put("event_type_distribution", by.getJsonObject("event_type"))
      .put("duration_stats", new JsonObject()
        .put("count", durations.getLong("count"))
        .put("min", durations.getLong("min"))
        .put("max", durations.getLong("max"))
        .put("avg", durations.getDouble("avg"))
        .put("p50", durations.getLong("p50"))
        .put("p95", durations.getLong("p95"))
        .put("p99", durations.getLong("p99")))
      .put("recent_events", recent.getJsonArray("events"));
  }

  static double round(double value, int places) {
    double scale = Math.pow(10, places);
    return Math.round(value * scale) / scale;
  }
}
