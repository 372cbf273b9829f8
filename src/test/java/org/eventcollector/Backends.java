package org.eventcollector;

import io.vertx.core.json.JsonObject;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.storage.PostgresServer;

/**
 * The storage backends a backend-independent test runs on. A test class using {@link #POSTGRES}
 * carries {@code @ExtendWith(PostgresServer.class)}; each node on it gets a fresh database.
 */
public final class Backends {

  public static final String SQLITE = "sqlite";
  public static final String MEMORY = "memory";
  public static final String POSTGRES = "postgres";

  private Backends() {
  }

  /** {@code config} switched to {@code backend}: a SQLite file stays where the config puts it; postgres gets a new database. */
  public static JsonObject on(String backend, JsonObject config) {
    if (POSTGRES.equals(backend)) {
      return PostgresServer.get().configure(config);
    }
    Config.set(config, ConfigKeys.Storage.BACKEND, backend);
    return config;
  }
}
