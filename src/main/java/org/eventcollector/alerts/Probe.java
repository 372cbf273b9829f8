package org.eventcollector.alerts;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.CodedException;
import org.eventcollector.event.Event;
import org.eventcollector.event.SavedParams;
import org.eventcollector.event.Severity;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Computes a rule's figure at a moment through storage's counts and error groups (nothing is
 * loaded event by event): the count in the window ({@code threshold}, {@code absence}), the last
 * complete clock hour's count against the same hour of the previous days ({@code anomaly}), or the
 * number of error groups first seen in the window ({@code new_error_group}).
 */
final class Probe {

  static final long MINUTE = 60_000L;
  static final long HOUR = 3_600_000L;
  static final long DAY = 86_400_000L;
  static final int SAMPLE = 5;
  private static final List<String> PAGING = List.of("limit", "offset", "sort_by", "sort_order");
  private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(60_000);

  /** A rule's evaluated figure, whether its condition holds, and how to fetch the events concerned. */
  record Figure(long value, boolean firing, Supplier<Future<JsonArray>> sample) {
  }

  private final EventBus bus;

  Probe(EventBus bus) {
    this.bus = bus;
  }

  Future<Figure> evaluate(JsonObject rule, long now) {
    return params(rule.getValue("query")).compose(base -> switch (rule.getString("kind")) {
      case "threshold", "absence" -> window(rule, base, now);
      case "anomaly" -> anomaly(rule, base, now);
      case "new_error_group" -> newErrorGroups(rule, base, now);
      default -> Future.failedFuture(new IllegalStateException("unknown rule kind " + rule.getString("kind")));
    });
  }

  /** The rule's query as a bus query object, without paging; a saved query is looked up. */
  private Future<JsonObject> params(Object query) {
    Future<Map<String, List<String>>> params = query instanceof String name
      ? SavedParams.lookup(bus, name)
      : Future.succeededFuture(SavedParams.toMap(query instanceof JsonObject object ? object : new JsonObject()));
    return params.compose(map -> {
      JsonObject object = new JsonObject();
      for (Map.Entry<String, List<String>> param : map.entrySet()) {
        if (Specs.WINDOWS.contains(param.getKey())) {
          return Future.failedFuture(CodedException.badRequest("query", "the rule's saved query sets "
            + param.getKey() + ": window_minutes sets the window"));
        }
        if (!PAGING.contains(param.getKey())) {
          List<String> values = param.getValue();
          object.put(param.getKey(), values.size() == 1 ? values.get(0) : new JsonArray(new ArrayList<>(values)));
        }
      }
      return Future.succeededFuture(object);
    });
  }

  private Future<Figure> window(JsonObject rule, JsonObject base, long now) {
    JsonObject query = within(base, now - rule.getLong("window_minutes") * MINUTE, now);
    return count(query).map(n -> {
      boolean firing;
      if (rule.getString("kind").equals("absence")) {
        firing = n == 0;
      } else {
        double value = rule.getNumber("value").doubleValue();
        firing = "<=".equals(rule.getString("op")) ? n <= value : n >= value;
      }
      return new Figure(n, firing, () -> newest(query));
    });
  }

  private Future<Figure> anomaly(JsonObject rule, JsonObject base, long now) {
    long hour = Math.floorDiv(now, HOUR) * HOUR - HOUR;
    int days = rule.getInteger("days");
    double sigma = rule.getNumber("sigma").doubleValue();
    JsonObject last = within(base, hour, hour + HOUR);
    List<Future<Long>> history = new ArrayList<>(days);
    for (int d = 1; d <= days; d++) {
      long start = hour - d * DAY;
      history.add(count(within(base, start, start + HOUR)));
    }
    Future<Long> current = count(last);
    return Future.all(current, Future.all(history)).map(v -> {
      long c = current.result();
      double mean = history.stream().mapToLong(Future::result).average().orElse(0);
      double variance = history.stream().mapToDouble(f -> (f.result() - mean) * (f.result() - mean)).average().orElse(0);
      double deviation = Math.sqrt(variance);
      boolean firing = deviation == 0 ? c != mean : Math.abs(c - mean) >= sigma * deviation;
      return new Figure(c, firing, () -> newest(last));
    });
  }

  private Future<Figure> newErrorGroups(JsonObject rule, JsonObject base, long now) {
    JsonObject errors = base.copy();
    Severity min = Severity.parse(String.valueOf(errors.getValue("min_severity")));
    if (min == null || min.rank() < Severity.ERROR.rank()) {
      errors.put("min_severity", Severity.ERROR.wire());
    }
    long start = now - rule.getLong("window_minutes") * MINUTE;
    return groups(within(errors, start, now), null).compose(recent -> {
      if (recent.isEmpty()) {
        return Future.succeededFuture(new Figure(0, false, () -> Future.succeededFuture(new JsonArray())));
      }
      JsonArray fingerprints = new JsonArray();
      recent.forEach(group -> fingerprints.add(group.getString("fingerprint")));
      return groups(within(errors, start - rule.getInteger("days") * DAY, start), fingerprints).map(before -> {
        Set<String> known = new HashSet<>();
        before.forEach(group -> known.add(group.getString("fingerprint")));
        List<JsonObject> fresh = recent.stream().filter(group -> !known.contains(group.getString("fingerprint"))).toList();
        return new Figure(fresh.size(), !fresh.isEmpty(), () -> lastEvents(fresh));
      });
    });
  }

  private static JsonObject within(JsonObject base, long start, long end) {
    return base.copy().put("start_time", Event.formatTime(start)).put("end_time", Event.formatTime(end));
  }

  private Future<Long> count(JsonObject query) {
    return bus.<JsonObject>request(Addresses.COUNT, query, TIMEOUT).map(reply -> reply.body().getLong("count"));
  }

  private Future<JsonArray> newest(JsonObject query) {
    return bus.<JsonObject>request(Addresses.QUERY, query.copy().put("limit", SAMPLE), TIMEOUT)
      .map(reply -> reply.body().getJsonArray("events"));
  }

  /** The error groups of {@code query} (only those of {@code fingerprints} when given). */
  private Future<List<JsonObject>> groups(JsonObject query, JsonArray fingerprints) {
    JsonObject request = new JsonObject().put("query", query).put("top", 1000);
    if (fingerprints != null) {
      request.put("fingerprints", fingerprints);
    }
    return bus.<JsonObject>request(Addresses.STORAGE_GROUP_ERRORS, request, TIMEOUT).map(Message::body).map(body -> {
      List<JsonObject> groups = new ArrayList<>();
      body.getJsonArray("groups", new JsonArray()).forEach(group -> groups.add((JsonObject) group));
      return groups;
    });
  }

  /** The newest event of each new group, at most {@link #SAMPLE}. */
  private Future<JsonArray> lastEvents(List<JsonObject> groups) {
    List<Future<JsonObject>> events = new ArrayList<>();
    for (JsonObject group : groups.subList(0, Math.min(SAMPLE, groups.size()))) {
      events.add(bus.<JsonObject>request(Addresses.GET, new JsonObject().put("event_id", group.getString("last_event_id")), TIMEOUT)
        .map(Message::body).otherwise((JsonObject) null));
    }
    return Future.all(events).map(v -> {
      JsonArray sample = new JsonArray();
      events.stream().map(Future::result).filter(e -> e != null).forEach(sample::add);
      return sample;
    });
  }
}
