package org.eventcollector.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigTest {

  @TempDir
  Path dir;

  @Test
  void appliesFlagOverEnvironmentOverFileOverDefault() throws Exception {
    Path file = dir.resolve("config.json");
    Files.writeString(file, "{\"http\": {\"port\": 9001, \"host\": \"0.0.0.0\"}, \"storage\": {\"memory\": {\"max_events\": 7}}}");
    JsonObject config = Config.load(file,
      Map.of("EC_HTTP_PORT", "9002", "EC_STORAGE_MEMORY_MAX_EVENTS", "8", "EC_STORAGE", "memory"),
      Map.of(ConfigKeys.Http.PORT, 9003));
    assertEquals(9003, Config.integer(config, ConfigKeys.Http.PORT, 0));
    assertEquals("0.0.0.0", Config.string(config, ConfigKeys.Http.HOST, null));
    assertEquals(8, Config.integer(config, ConfigKeys.Storage.MEMORY_MAX_EVENTS, 0));
    assertEquals("memory", Config.string(config, ConfigKeys.Storage.BACKEND, null));
    assertEquals(2000, Config.integer(config, ConfigKeys.RateLimit.BURST, 0));
  }

  @Test
  void readsTheFixedEnvironmentNames() {
    JsonObject config = Config.load(null, Map.of(
      "EC_DB_PATH", "/tmp/x.db", "EC_CLUSTER", "true", "EC_ROLES", "ingest,stream",
      "EC_RATE_LIMIT_PER_SECOND", "0.5", "EC_RATE_LIMIT_BURST", "10", "EC_API_KEYS_FILE", "/k.json",
      "EC_RETENTION_DAYS", "30", "EC_SESSION_BUDDY_URL", "http://sb/mcp", "EC_RATE_LIMIT_SYSTEMS_AKOSHA_PER_SECOND", "3"), Map.of());
    assertEquals("/tmp/x.db", Config.string(config, ConfigKeys.Storage.SQLITE_PATH, null));
    assertEquals(true, Config.bool(config, ConfigKeys.CLUSTER, false));
    assertEquals(new JsonArray().add("ingest").add("stream"), config.getJsonArray(ConfigKeys.ROLES));
    assertEquals(0.5, Config.decimal(config, ConfigKeys.RateLimit.PER_SECOND, 0));
    assertEquals(10, Config.integer(config, ConfigKeys.RateLimit.BURST, 0));
    assertEquals("/k.json", Config.string(config, ConfigKeys.Auth.API_KEYS_FILE, null));
    assertEquals(30, Config.integer(config, ConfigKeys.Retention.DAYS, 0));
    assertEquals("http://sb/mcp", Config.string(config, ConfigKeys.Storage.SESSION_BUDDY_URL, null));
    assertEquals(3, Config.integer(config, "rate_limit.systems.akosha.per_second", 0));
  }

  @Test
  void refusesBadValuesWithTheirName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
      () -> Config.load(null, Map.of("EC_CLUSTER", "maybe"), Map.of()));
    assertEquals(true, e.getMessage().contains("EC_CLUSTER"));
    assertThrows(IllegalArgumentException.class, () -> Config.load(dir.resolve("missing.json"), Map.of(), Map.of()));
  }
}
