package org.eventcollector.alerts;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.CodedException;
import org.eventcollector.event.QueryParser;
import org.eventcollector.event.SavedParams;

import java.util.List;
import java.util.Set;

/**
 * Checks and normalises the bodies of {@code PUT /queries/{name}} and {@code PUT /alerts/{name}}
 * (CONTRACT.md section 12); every bad field is a 400 naming it. No I/O.
 */
final class Specs {

  static final List<String> KINDS = List.of("threshold", "absence", "anomaly", "new_error_group");
  /** Query parameters that set a time window: a rule's own window replaces them. */
  static final Set<String> WINDOWS = Set.of("start_time", "end_time", "minutes", "hours", "days");
  static final int MAX_WINDOW_MINUTES = 525_600;

  private final QueryParser parser;

  Specs(QueryParser parser) {
    this.parser = parser;
  }

  /** A valid name, else a 400 naming {@code name}. */
  static String name(String name) {
    if (name == null || !SavedParams.NAME.matcher(name).matches()) {
      throw CodedException.badRequest("name", "name must be 1 to 64 characters of a-z, 0-9, _ and -");
    }
    return name;
  }

  /** The saved query to store: {@code {name, params, description}}. */
  JsonObject query(String name, JsonObject body) {
    name(name);
    for (String field : body.fieldNames()) {
      if (!Set.of("name", "params", "description").contains(field)) {
        throw CodedException.badRequest(field, "unknown field '" + field + "' (name, params, description)");
      }
    }
    sameName(name, body);
    Object params = body.getValue("params");
    if (params != null && !(params instanceof JsonObject)) {
      throw CodedException.badRequest("params", "params must be an object of query parameters");
    }
    JsonObject checked = params(params == null ? new JsonObject() : (JsonObject) params, null);
    return new JsonObject().put("name", name).put("params", checked).put("description", description(body));
  }

  /** The rule to store: its fields with defaults applied, without state. */
  JsonObject rule(String name, JsonObject body) {
    name(name);
    sameName(name, body);
    String kind = body.getValue("kind") instanceof String s ? s : null;
    if (kind == null || !KINDS.contains(kind)) {
      throw CodedException.badRequest("kind", "kind must be one of threshold, absence, anomaly, new_error_group");
    }
    Set<String> fields = switch (kind) {
      case "threshold" -> Set.of("op", "value", "window_minutes");
      // An anomaly compares clock hours; a window_minutes given anyway is checked and kept, not used.
      case "anomaly" -> Set.of("sigma", "days", "window_minutes");
      case "new_error_group" -> Set.of("days", "window_minutes");
      default -> Set.of("window_minutes");
    };
    for (String field : body.fieldNames()) {
      boolean common = Set.of("name", "kind", "query", "every_seconds", "description", "state").contains(field);
      if (!common && !fields.contains(field)) {
        throw CodedException.badRequest(field, "unknown field '" + field + "' for a " + kind + " rule");
      }
    }
    JsonObject rule = new JsonObject().put("name", name).put("kind", kind).put("query", ruleQuery(body.getValue("query")));
    if (fields.contains("window_minutes") && (!kind.equals("anomaly") || body.getValue("window_minutes") != null)) {
      rule.put("window_minutes", integer(body, "window_minutes", null, 1, MAX_WINDOW_MINUTES));
    }
    rule.put("every_seconds", integer(body, "every_seconds", 60, 1, 3600));
    switch (kind) {
      case "threshold" -> {
        Object op = body.getValue("op", ">=");
        if (!">=".equals(op) && !"<=".equals(op)) {
          throw CodedException.badRequest("op", "op must be \">=\" or \"<=\"");
        }
        rule.put("op", op).put("value", number(body, "value", null, 0));
      }
      case "anomaly" -> rule.put("sigma", number(body, "sigma", 3, Double.MIN_VALUE)).put("days", integer(body, "days", 7, 1, 365));
      case "new_error_group" -> rule.put("days", integer(body, "days", 30, 1, 365));
      default -> {
      }
    }
    return rule.put("description", description(body));
  }

  /** A rule's {@code query}: a saved query's name, or parameters without a time window. */
  private Object ruleQuery(Object query) {
    if (query == null) {
      return new JsonObject();
    }
    if (query instanceof String name) {
      if (!SavedParams.NAME.matcher(name).matches()) {
        throw CodedException.badRequest("query", "query must name a saved query ([a-z0-9_-]{1,64}) or be an object of parameters");
      }
      return name;
    }
    if (!(query instanceof JsonObject params)) {
      throw CodedException.badRequest("query", "query must name a saved query or be an object of parameters");
    }
    return params(params, "query");
  }

  /**
   * Query parameters as section 3 names them: strings, or arrays of strings for any-of, each
   * checked by the query parser. With {@code rule} set, time windows are refused (the rule sets
   * its own), naming that field.
   */
  JsonObject params(JsonObject params, String rule) {
    for (String name : params.fieldNames()) {
      Object value = params.getValue(name);
      boolean strings = value instanceof JsonArray array && !array.isEmpty() && array.stream().allMatch(String.class::isInstance);
      if (!(value instanceof String) && !strings) {
        throw CodedException.badRequest(name, name + " must be a string or an array of strings");
      }
      if (rule != null && WINDOWS.contains(name)) {
        throw CodedException.badRequest(rule, "a rule's query may not set " + name + ": window_minutes sets the window");
      }
    }
    parser.parse(SavedParams.toMap(params), System.currentTimeMillis());
    return params.copy();
  }

  private static void sameName(String name, JsonObject body) {
    Object given = body.getValue("name");
    if (given != null && !name.equals(given)) {
      throw CodedException.badRequest("name", "name in the body differs from the name in the path");
    }
  }

  private static String description(JsonObject body) {
    Object value = body.getValue("description");
    if (value == null) {
      return "";
    }
    if (!(value instanceof String text) || text.codePointCount(0, text.length()) > 1024) {
      throw CodedException.badRequest("description", "description must be a string of at most 1024 characters");
    }
    return text;
  }

  private static int integer(JsonObject body, String field, Integer fallback, int min, int max) {
    Object value = body.getValue(field);
    if (value == null) {
      if (fallback == null) {
        throw CodedException.badRequest(field, field + " is required (an integer from " + min + " to " + max + ")");
      }
      return fallback;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
      || n.doubleValue() < min || n.doubleValue() > max) {
      throw CodedException.badRequest(field, field + " must be an integer from " + min + " to " + max);
    }
    return n.intValue();
  }

  private static Number number(JsonObject body, String field, Number fallback, double min) {
    Object value = body.getValue(field);
    if (value == null) {
      if (fallback == null) {
        throw CodedException.badRequest(field, field + " is required (a number)");
      }
      return fallback;
    }
    if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue()) || n.doubleValue() < min) {
      throw CodedException.badRequest(field, field + " must be a number of at least " + (min == 0 ? "0" : "more than 0"));
    }
    // An integral value stays an integer on the way out (5, not 5.0).
    return n.doubleValue() == Math.rint(n.doubleValue()) && Math.abs(n.doubleValue()) < 1e15 ? (Number) n.longValue() : n.doubleValue();
  }
}
