package org.eventcollector.storage;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.eventcollector.bus.Addresses;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.config.Defaults;
import org.eventcollector.event.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code search} over a known corpus: the FTS5 trigram index on SQLite, the same answers in memory. */
@ExtendWith(VertxExtension.class)
@ExtendWith(PostgresServer.class)
class FullTextSearchTest {

  private static final long T0 = Event.parseTime("2026-11-01T00:00:00Z");

  @TempDir
  Path dir;

  private String storage;

  private static final Map<String, String[]> CORPUS = new java.util.LinkedHashMap<>();

  static {
    CORPUS.put("e1", new String[] {"Deploy finished", "the Kubernetes rollout completed"});
    CORPUS.put("e2", new String[] {"Disk usage 95%", "volume /data at 95% capacity"});
    CORPUS.put("e3", new String[] {"Quote test", "he said \"hello world\" and left"});
    CORPUS.put("e4", new String[] {"file_name_v2 missing", "underscore literal"});
    CORPUS.put("e5", new String[] {"Glob *.py", "star literal"});
    CORPUS.put("e6", new String[] {"KUBERNETES pod crashed", "OOMKilled"});
    CORPUS.put("e7", new String[] {"ab", "x"});
    CORPUS.put("e8", new String[] {"it's done", "o'clock"});
  }

  private void start(Vertx vertx, String backend) throws Exception {
    JsonObject conf = Defaults.config();
    Config.set(conf, ConfigKeys.Storage.BACKEND, backend);
    Config.set(conf, ConfigKeys.Storage.SQLITE_PATH, dir.resolve("events.db").toString());
    if (backend.equals("postgres")) {
      PostgresServer.get().configure(conf);
    }
    storage = await(vertx.deployVerticle(StorageVerticle.class, new DeploymentOptions().setConfig(conf)));
    JsonArray events = new JsonArray();
    int i = 0;
    for (Map.Entry<String, String[]> entry : CORPUS.entrySet()) {
      events.add(new JsonObject().put("event_id", entry.getKey()).put("timestamp", Event.formatTime(T0 + i++ * 1000L))
        .put("source_system", "mahavishnu").put("event_type", "test").put("severity", "info")
        .put("title", entry.getValue()[0]).put("description", entry.getValue()[1])
        .put("data", new JsonObject()).put("tags", new JsonArray()).put("metadata", new JsonObject()));
    }
    await(vertx.eventBus().request(Addresses.STORAGE_INSERT, new JsonObject().put("events", events)));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void findsWordsInTitleOrDescriptionCaseInsensitively(String backend, Vertx vertx) throws Exception {
    start(vertx, backend);
    assertEquals(List.of("e1", "e6"), search(vertx, "kubernetes"));
    assertEquals(List.of("e1", "e6"), search(vertx, "KuBeRnEtEs"));
    assertEquals(List.of("e1"), search(vertx, "rollout"), "a word only in the description");
    assertEquals(List.of("e6"), search(vertx, "oomkilled"));
    assertEquals(List.of("e1"), search(vertx, "kubernetes rollout"), "every term must occur");
    assertEquals(List.of(), search(vertx, "kubernetes missing"));
    assertEquals(List.of("e3"), search(vertx, "hello world"));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void matchesTermsShorterThanATrigramWithinTheOtherTerms(String backend, Vertx vertx) throws Exception {
    start(vertx, backend);
    assertEquals(List.of("e7"), search(vertx, "ab"));
    assertEquals(List.of("e1"), search(vertx, "kubernetes ro"));
    assertEquals(List.of("e3"), search(vertx, "he hello"));
    assertEquals(List.of("e2"), search(vertx, "95 di"), "only short terms");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void treatsPercentUnderscoreStarAndQuotesLiterally(String backend, Vertx vertx) throws Exception {
    start(vertx, backend);
    assertEquals(List.of("e2"), search(vertx, "%"));
    assertEquals(List.of("e2"), search(vertx, "95%"));
    assertEquals(List.of("e4"), search(vertx, "_"));
    assertEquals(List.of("e4"), search(vertx, "name_v2"));
    assertEquals(List.of("e5"), search(vertx, "*"));
    assertEquals(List.of("e5"), search(vertx, "*.py"));
    assertEquals(List.of("e3"), search(vertx, "\"hello"));
    assertEquals(List.of("e3"), search(vertx, "\"hello world\""));
    assertEquals(List.of("e8"), search(vertx, "it's"));
    assertEquals(List.of("e8"), search(vertx, "'"));
    assertEquals(List.of(), search(vertx, "NOT"));
    assertEquals(List.of(), search(vertx, "OR AND NEAR"));
    assertEquals(List.of(), search(vertx, "'); DROP TABLE events; --"));
    assertEquals(8, await(vertx.eventBus().<JsonObject>request(Addresses.COUNT, new JsonObject())).body().getLong("count"));
  }

  @Test
  void deletesKeepTheIndexInStep(Vertx vertx) throws Exception {
    start(vertx, "sqlite");
    JsonObject deleted = await(vertx.eventBus().<JsonObject>request(Addresses.STORAGE_DELETE,
      new JsonObject().put("before", T0 + 1000L))).body();
    assertEquals(1, deleted.getInteger("deleted"));
    assertEquals(List.of(), search(vertx, "rollout"));
    assertEquals(List.of("e6"), search(vertx, "kubernetes"));
    await(vertx.undeploy(storage));
    try (Connection conn = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("events.db"));
         Statement st = conn.createStatement()) {
      st.execute("INSERT INTO events_fts (events_fts) VALUES ('integrity-check')");
      try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM events_fts WHERE events_fts MATCH '\"rollout\"'")) {
        rs.next();
        assertEquals(0, rs.getInt(1));
      }
      try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM events_fts WHERE events_fts MATCH '\"kubernetes\"'")) {
        rs.next();
        assertEquals(1, rs.getInt(1));
      }
    }
  }

  private static List<String> search(Vertx vertx, String terms) throws Exception {
    JsonObject answer = await(vertx.eventBus().<JsonObject>request(Addresses.QUERY,
      new JsonObject().put("search", terms).put("limit", 1000))).body();
    TreeSet<String> ids = new TreeSet<>();
    answer.getJsonArray("events").forEach(e -> ids.add(((JsonObject) e).getString("event_id")));
    return new ArrayList<>(ids);
  }

  static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
