package org.eventcollector.config;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads the configuration: built-in defaults, then the file, then {@code EC_*} environment
 * variables, then command-line flags, each overriding the one before.
 */
public final class Config {

  /** Fixed environment names (CONTRACT.md section 1) whose key path does not follow the generic rule. */
  static final Map<String, String> ALIASES = Map.of(
    "EC_STORAGE", ConfigKeys.Storage.BACKEND,
    "EC_DB_PATH", ConfigKeys.Storage.SQLITE_PATH,
    "EC_API_KEYS_FILE", ConfigKeys.Auth.API_KEYS_FILE,
    "EC_SESSION_BUDDY_URL", ConfigKeys.Storage.SESSION_BUDDY_URL,
    "EC_PG_URL", ConfigKeys.Storage.PG_URL,
    "EC_PG_PASSWORD", ConfigKeys.Storage.PG_PASSWORD);

  private Config() {
  }

  /**
   * @param file the config file, or null for {@code conf/config.json} when it exists
   * @param env the environment
   * @param flags key path to value from the command line
   */
  public static JsonObject load(Path file, Map<String, String> env, Map<String, Object> flags) {
    JsonObject config = Defaults.config();
    Path path = file != null ? file : Path.of("conf", "config.json");
    if (file != null || Files.exists(path)) {
      merge(config, readFile(path));
    }
    applyEnv(config, env);
    flags.forEach((key, value) -> set(config, key, value));
    return config;
  }

  static JsonObject readFile(Path path) {
    try {
      return new JsonObject(Files.readString(path));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read config file " + path + ": " + e.getMessage(), e);
    } catch (DecodeException e) {
      throw new IllegalArgumentException("config file " + path + " is not a JSON object: " + e.getMessage(), e);
    }
  }

  static void applyEnv(JsonObject config, Map<String, String> env) {
    Map<String, String> keys = new LinkedHashMap<>();
    flatten("", config, keys);
    for (String system : strings(config.getValue("systems"))) {
      keys.put(envName(ConfigKeys.RateLimit.SYSTEMS + "." + system + ".per_second"), ConfigKeys.RateLimit.SYSTEMS + "." + system + ".per_second");
      keys.put(envName(ConfigKeys.RateLimit.SYSTEMS + "." + system + ".burst"), ConfigKeys.RateLimit.SYSTEMS + "." + system + ".burst");
      keys.put(envName(ConfigKeys.Retention.SYSTEMS + "." + system + ".days"), ConfigKeys.Retention.SYSTEMS + "." + system + ".days");
    }
    ALIASES.forEach(keys::put);
    keys.forEach((name, key) -> {
      String value = env.get(name);
      if (value != null) {
        set(config, key, coerce(get(config, key), value, name));
      }
    });
  }

  private static void flatten(String prefix, JsonObject object, Map<String, String> keys) {
    for (String field : object.fieldNames()) {
      String key = prefix.isEmpty() ? field : prefix + "." + field;
      Object value = object.getValue(field);
      if (value instanceof JsonObject child && !child.isEmpty()) {
        flatten(key, child, keys);
      } else {
        keys.put(envName(key), key);
      }
    }
  }

  static String envName(String key) {
    return "EC_" + key.toUpperCase().replace('.', '_');
  }

  private static Object coerce(Object current, String value, String name) {
    try {
      if (current instanceof Boolean) {
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
          throw new IllegalArgumentException("expected true or false");
        }
        return Boolean.parseBoolean(value);
      }
      if (current instanceof Integer || current instanceof Long) {
        String trimmed = value.trim();
        return trimmed.matches("-?\\d+") ? (Object) Long.parseLong(trimmed) : (Object) Double.parseDouble(trimmed);
      }
      if (current instanceof Number) {
        return Double.parseDouble(value.trim());
      }
      if (current instanceof JsonArray) {
        JsonArray array = new JsonArray();
        Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(array::add);
        return array;
      }
      return value;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("environment variable " + name + "=" + value + " is invalid: " + e.getMessage(), e);
    }
  }

  /** Deep-merges {@code from} into {@code into}. */
  public static void merge(JsonObject into, JsonObject from) {
    for (String field : from.fieldNames()) {
      Object value = from.getValue(field);
      Object existing = into.getValue(field);
      if (value instanceof JsonObject child && existing instanceof JsonObject target) {
        merge(target, child);
      } else {
        into.put(field, value);
      }
    }
  }

  /** The value at a dotted key path, or null. */
  public static Object get(JsonObject config, String key) {
    JsonObject node = config;
    String[] parts = key.split("\\.");
    for (int i = 0; i < parts.length - 1; i++) {
      Object child = node.getValue(parts[i]);
      if (!(child instanceof JsonObject object)) {
        return null;
      }
      node = object;
    }
    return node.getValue(parts[parts.length - 1]);
  }

  /** Sets the value at a dotted key path, creating objects on the way. */
  public static void set(JsonObject config, String key, Object value) {
    JsonObject node = config;
    String[] parts = key.split("\\.");
    for (int i = 0; i < parts.length - 1; i++) {
      Object child = node.getValue(parts[i]);
      if (!(child instanceof JsonObject)) {
        child = new JsonObject();
        node.put(parts[i], child);
      }
      node = (JsonObject) child;
    }
    node.put(parts[parts.length - 1], value);
  }

  public static String string(JsonObject config, String key, String fallback) {
    Object value = get(config, key);
    return value == null ? fallback : value.toString();
  }

  public static long number(JsonObject config, String key, long fallback) {
    Object value = get(config, key);
    if (value instanceof Number n) {
      return n.longValue();
    }
    if (value instanceof String s && !s.isBlank()) {
      return Long.parseLong(s.trim());
    }
    return fallback;
  }

  public static double decimal(JsonObject config, String key, double fallback) {
    Object value = get(config, key);
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    if (value instanceof String s && !s.isBlank()) {
      return Double.parseDouble(s.trim());
    }
    return fallback;
  }

  public static int integer(JsonObject config, String key, int fallback) {
    return (int) number(config, key, fallback);
  }

  public static boolean bool(JsonObject config, String key, boolean fallback) {
    Object value = get(config, key);
    if (value instanceof Boolean b) {
      return b;
    }
    if (value instanceof String s) {
      return Boolean.parseBoolean(s.trim());
    }
    return fallback;
  }

  /** A list setting given as a JSON array or a comma-separated string. */
  public static java.util.List<String> strings(Object value) {
    if (value instanceof JsonArray array) {
      return array.stream().map(String::valueOf).map(String::trim).toList();
    }
    if (value instanceof String s) {
      return Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }
    return java.util.List.of();
  }
}
