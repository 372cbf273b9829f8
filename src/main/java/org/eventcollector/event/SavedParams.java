package org.eventcollector.event;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.bus.Addresses;
import org.eventcollector.bus.CodedException;
import org.eventcollector.bus.Failure;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code ?saved=<name>} (CONTRACT.md section 12): the parameters of a saved query, looked up in
 * storage, combined with those given explicitly. An explicit parameter that the saved query sets
 * with another value is a 400 naming it; windows against times are refused by {@link QueryParser}.
 */
public final class SavedParams {

  /** The query parameter naming a saved query. */
  public static final String PARAM = "saved";
  /** Names of saved queries and alert rules. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,64}");

  private static final DeliveryOptions TIMEOUT = new DeliveryOptions().setSendTimeout(30_000);

  private SavedParams() {
  }

  /** The parameters of a saved query's {@code params} object: strings, or arrays of strings. */
  public static Map<String, List<String>> toMap(JsonObject params) {
    Map<String, List<String>> map = new LinkedHashMap<>();
    for (String name : params.fieldNames()) {
      Object value = params.getValue(name);
      List<String> values = new ArrayList<>();
      if (value instanceof JsonArray array) {
        array.forEach(item -> values.add(String.valueOf(item)));
      } else {
        values.add(String.valueOf(value));
      }
      map.put(name, values);
    }
    return map;
  }

  /**
   * Takes {@code saved} (the parameter {@link #PARAM}) out of {@code params} and answers the
   * parameters to use: those of the saved query combined with the rest, or {@code params} alone
   * when it names none. Fails 400 on a conflict and 404 for an unknown name.
   */
  public static Future<Map<String, List<String>>> apply(EventBus bus, Map<String, List<String>> params, Set<String> allowed) {
    List<String> names = params.remove(PARAM);
    if (names == null) {
      return Future.succeededFuture(params);
    }
    if (names.size() != 1) {
      return Future.failedFuture(CodedException.badRequest(PARAM, "saved may be given only once"));
    }
    String name = names.get(0);
    if (name.isEmpty()) {
      return Future.failedFuture(CodedException.badRequest(PARAM, "saved is empty"));
    }
    return lookup(bus, name).map(saved -> {
      if (allowed != null) {
        for (String param : saved.keySet()) {
          if (!allowed.contains(param)) {
            throw CodedException.badRequest(PARAM, "saved query '" + name + "' sets '" + param
              + "', which is not a filter here");
          }
        }
      }
      return merge(saved, params);
    });
  }

  /** The parameters of the saved query {@code name}; fails 404 when there is none. */
  public static Future<Map<String, List<String>>> lookup(EventBus bus, String name) {
    if (!NAME.matcher(name).matches()) {
      return Future.failedFuture(new CodedException(Failure.NOT_FOUND, "unknown saved query '"
        + EventValidator.abbreviate(name) + "'", PARAM));
    }
    JsonObject request = new JsonObject().put("kind", "queries").put("name", name);
    return bus.<JsonObject>request(Addresses.SAVED_GET, request, TIMEOUT)
      .recover(e -> Future.failedFuture(Failure.codeOf(e) == Failure.NOT_FOUND
        ? new CodedException(Failure.NOT_FOUND, "unknown saved query '" + name + "'", PARAM) : e))
      .map(reply -> toMap(reply.body().getJsonObject("params", new JsonObject())));
  }

  /** {@code saved} and {@code explicit} together; a parameter both set to different values is a 400 naming it. */
  public static Map<String, List<String>> merge(Map<String, List<String>> saved, Map<String, List<String>> explicit) {
    Map<String, List<String>> merged = new LinkedHashMap<>(saved);
    for (Map.Entry<String, List<String>> param : explicit.entrySet()) {
      List<String> before = saved.get(param.getKey());
      if (before != null && !values(before).equals(values(param.getValue()))) {
        throw CodedException.badRequest(param.getKey(), param.getKey()
          + " conflicts with the value the saved query gives it");
      }
      merged.put(param.getKey(), param.getValue());
    }
    return merged;
  }

  private static Set<String> values(List<String> given) {
    Set<String> values = new LinkedHashSet<>();
    for (String value : given) {
      for (String part : value.split(",")) {
        values.add(part.trim());
      }
    }
    return values;
  }
}
