package org.eventcollector.storage;

import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;
import org.eventcollector.bus.Addresses;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code events.storage.range} and the resume position of {@code events.storage.replay}, per backend. */
class StorageRangeTest {

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory"})
  void aRangeOfPositionsAnswersTheStoredEventsAmongThemInOrder(String backend) throws Exception {
    try (TestCollector node = TestCollector.start(TestCollector.config(dir, backend))) {
      JsonArray batch = new JsonArray();
      for (int i = 1; i <= 5; i++) {
        batch.add(new JsonObject().put("event_id", "e" + i).put("source_system", "akosha").put("event_type", "t"));
      }
      assertEquals(201, node.post("/events/batch", batch).status());

      assertEquals(List.of("2:e2", "3:e3", "4:e4"), range(node, 1, 4));
      // Positions never taken are simply absent.
      assertEquals(List.of("4:e4", "5:e5"), range(node, 3, 100));
      assertEquals(List.of(), range(node, 5, 9));

      JsonObject replay = request(node, Addresses.STORAGE_REPLAY,
        new JsonObject().put("after", "e3").put("query", new JsonObject()).put("max", 10));
      assertEquals(3L, replay.getLong("after_seq"));
      assertEquals(2, replay.getJsonArray("events").size());

      ReplyException refused = assertThrows(ReplyException.class,
        () -> request(node, Addresses.STORAGE_RANGE, new JsonObject().put("after", "one")));
      assertEquals(400, refused.failureCode());
    }
  }

  private static List<String> range(TestCollector node, long after, long to) throws Exception {
    List<String> found = new ArrayList<>();
    long last = after;
    for (Object item : request(node, Addresses.STORAGE_RANGE, new JsonObject().put("after", after).put("to", to))
      .getJsonArray("events")) {
      JsonObject event = (JsonObject) item;
      long seq = event.getLong("_seq");
      assertTrue(seq > last && seq <= to, "position " + seq);
      last = seq;
      found.add(seq + ":" + event.getString("event_id"));
    }
    return found;
  }

  private static JsonObject request(TestCollector node, String address, JsonObject body) throws Exception {
    try {
      return node.vertx().eventBus().<JsonObject>request(address, body).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS).body();
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof ReplyException reply ? reply : e;
    }
  }
}
