package org.eventcollector.bench;

import io.vertx.core.json.JsonObject;

/**
 * One row of the benchmark: a scenario and variant with its rate, its same-run limit (NaN where the
 * scenario has none), latency percentiles in milliseconds (NaN where not measured), and a note.
 */
record Result(String scenario, String variant, double eventsPerSecond, double limitPerSecond,
              double p50Ms, double p99Ms, double value, String unit, String note) {

  static Result rate(String scenario, String variant, double eventsPerSecond, double limitPerSecond,
                     Latencies latencies, String note) {
    return new Result(scenario, variant, eventsPerSecond, limitPerSecond,
      latencies == null ? Double.NaN : latencies.percentileMs(50),
      latencies == null ? Double.NaN : latencies.percentileMs(99), Double.NaN, null, note);
  }

  static Result latency(String scenario, String variant, Latencies latencies, String note) {
    return new Result(scenario, variant, Double.NaN, Double.NaN, latencies.percentileMs(50),
      latencies.percentileMs(99), Double.NaN, null, note);
  }

  static Result measure(String scenario, String variant, double value, String unit, String note) {
    return new Result(scenario, variant, Double.NaN, Double.NaN, Double.NaN, Double.NaN, value, unit, note);
  }

  static Result unavailable(String scenario, String variant, String why) {
    return new Result(scenario, variant, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, null,
      "unavailable: " + why);
  }

  double ratio() {
    return Double.isNaN(eventsPerSecond) || Double.isNaN(limitPerSecond) || limitPerSecond <= 0
      ? Double.NaN : eventsPerSecond / limitPerSecond;
  }

  JsonObject toJson() {
    JsonObject json = new JsonObject()
      .put("scenario", scenario)
      .put("variant", variant)
      .put("events_per_second", number(eventsPerSecond, 1))
      .put("limit_per_second", number(limitPerSecond, 1))
      .put("ratio", number(ratio(), 4))
      .put("p50_ms", number(p50Ms, 3))
      .put("p99_ms", number(p99Ms, 3));
    if (!Double.isNaN(value)) {
      json.put("value", number(value, 3)).put("unit", unit);
    }
    if (note != null) {
      json.put("note", note);
    }
    return json;
  }

  private static Double number(double value, int decimals) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return null;
    }
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }
}
