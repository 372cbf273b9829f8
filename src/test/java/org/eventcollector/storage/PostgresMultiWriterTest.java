package org.eventcollector.storage;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.TestCollector;
import org.eventcollector.TestCollector.Response;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.event.EventQuery;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two collector nodes, each a {@code MainVerticle} in its own Vert.x with the storage role, writing
 * to one PostgreSQL database at the same time.
 */
@ExtendWith(PostgresServer.class)
class PostgresMultiWriterTest {

  @TempDir
  Path dir;

  private JsonObject config;
  private TestCollector nodeA;
  private TestCollector nodeB;
  private ExecutorService threads;

  @BeforeEach
  void startTwoNodesOnOneDatabase() {
    config = PostgresServer.get().configure(TestCollector.config(dir, "postgres"));
    nodeA = TestCollector.start(config.copy());
    nodeB = TestCollector.start(config.copy());
    threads = Executors.newFixedThreadPool(6);
  }

  @AfterEach
  void stop() throws InterruptedException {
    threads.shutdownNow();
    assertTrue(threads.awaitTermination(30, TimeUnit.SECONDS));
    nodeA.close();
    nodeB.close();
  }

  private static JsonObject event(String id) {
    return new JsonObject().put("event_id", id).put("source_system", "akosha").put("event_type", "load.tick")
      .put("tags", new JsonArray().add("load").add(id.endsWith("0") ? "round" : "odd"));
  }

  private static <T> List<T> all(List<Future<T>> futures) throws Exception {
    List<T> results = new ArrayList<>();
    for (Future<T> future : futures) {
      results.add(future.get(120, TimeUnit.SECONDS));
    }
    return results;
  }

  @Test
  void overlappingBatchesFromTwoNodesStoreEachIdOnceAndReportTheRestAsDuplicates() throws Exception {
    nodeA.ingest(event("origin"));
    // Node A takes ids 0..999, node B 500..1499, in batches of 50 sent at the same time.
    List<Callable<JsonObject>> tasks = new ArrayList<>();
    for (int from = 0; from < 1000; from += 50) {
      tasks.add(batch(nodeA, from, 50));
      tasks.add(batch(nodeB, from + 500, 50));
    }
    List<Future<JsonObject>> futures = new ArrayList<>();
    tasks.forEach(task -> futures.add(threads.submit(task)));
    int stored = 0;
    int duplicates = 0;
    for (JsonObject answer : all(futures)) {
      assertEquals(50, answer.getInteger("collected"), answer.encode());
      assertEquals(0, answer.getInteger("failed"), answer.encode());
      duplicates += answer.getInteger("duplicates", 0);
      stored += answer.getInteger("collected") - answer.getInteger("duplicates", 0);
    }
    assertEquals(1500, stored);
    assertEquals(500, duplicates);
    for (TestCollector node : List.of(nodeA, nodeB)) {
      assertEquals(1501, node.get("/events/count").json().getInteger("count"));
      assertEquals(1501, node.get("/events/count?tags=load").json().getInteger("count"));
      assertEquals(150, node.get("/events/count?tags=load,round").json().getInteger("count"));
    }
    assertEquals(1501L, TestCollector.await(nodeA.vertx().eventBus().<JsonObject>request(
      org.eventcollector.bus.Addresses.STORAGE_HEALTH, new JsonObject())).body().getLong("total_events"));
    // One row per id in the table itself.
    PgEventStore reader = openReader();
    try {
      List<JsonObject> everything = TestCollector.await(reader.after("origin", EventQuery.all(1), 10_000));
      Set<String> ids = new HashSet<>();
      everything.forEach(e -> assertTrue(ids.add(e.getString("event_id")), "stored twice: " + e.getString("event_id")));
      assertEquals(1500, ids.size());
    } finally {
      TestCollector.await(reader.close());
    }
  }

  @Test
  void theSameIdSentToBothNodesAtOnceIsCollectedOnceAndDuplicateOnce() throws Exception {
    for (int round = 0; round < 20; round++) {
      String id = "race-" + round;
      Future<Response> a = threads.submit(() -> nodeA.post("/events", event(id)));
      Future<Response> b = threads.submit(() -> nodeB.post("/events", event(id)));
      List<Integer> statuses = new ArrayList<>(List.of(a.get(30, TimeUnit.SECONDS).status(), b.get(30, TimeUnit.SECONDS).status()));
      statuses.sort(null);
      assertEquals(List.of(200, 201), statuses, id);
    }
    // A duplicate inside one batch keeps the first and is counted.
    JsonArray batch = new JsonArray().add(event("twin").put("title", "first")).add(event("twin").put("title", "second"));
    JsonObject answer = nodeB.post("/events/batch", batch).json();
    assertEquals(2, answer.getInteger("collected"), answer.encode());
    assertEquals(1, answer.getInteger("duplicates"), answer.encode());
    assertEquals("first", nodeA.get("/events/twin").json().getString("title"));
    assertEquals(21, nodeA.get("/events/count").json().getInteger("count"));
  }

  @Test
  void replayAfterAnIdReturnsExactlyTheEventsCommittedLaterInCommitOrderWhileBothNodesWrite() throws Exception {
    nodeA.ingest(event("origin"));
    AtomicBoolean writing = new AtomicBoolean(true);
    List<Future<JsonObject>> writers = new ArrayList<>();
    for (int w = 0; w < 4; w++) {
      TestCollector node = w % 2 == 0 ? nodeA : nodeB;
      int writer = w;
      writers.add(threads.submit(() -> {
        for (int b = 0; b < 40; b++) {
          batch(node, 100_000 * (writer + 1) + b * 10, 10).call();
        }
        return null;
      }));
    }
    // A third storage node follows the commits with `after`, as a resuming stream does.
    PgEventStore reader = openReader();
    try {
      Future<List<String>> follower = threads.submit(() -> {
        List<String> seen = new ArrayList<>();
        String cursor = "origin";
        long lastSeq = 0;
        boolean finalPass = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
          boolean done = !writing.get();
          List<JsonObject> page = TestCollector.await(reader.after(cursor, EventQuery.all(1), 200));
          for (JsonObject e : page) {
            long seq = e.getLong("_seq");
            assertTrue(seq > lastSeq, "positions increase: " + seq + " after " + lastSeq);
            lastSeq = seq;
            seen.add(e.getString("event_id"));
            cursor = e.getString("event_id");
          }
          if (page.isEmpty() && done) {
            if (finalPass) {
              return seen;
            }
            finalPass = true;
          }
        }
        throw new AssertionError("follower did not finish");
      });
      all(writers);
      writing.set(false);
      List<String> followed = follower.get(150, TimeUnit.SECONDS);
      List<String> stored = new ArrayList<>();
      TestCollector.await(reader.after("origin", EventQuery.all(1), 10_000)).forEach(e -> stored.add(e.getString("event_id")));
      assertEquals(1600, stored.size());
      int firstDifference = 0;
      while (firstDifference < Math.min(stored.size(), followed.size())
        && stored.get(firstDifference).equals(followed.get(firstDifference))) {
        firstDifference++;
      }
      assertEquals(stored.size(), firstDifference, "the follower saw every commit once, in position order, with no gap;"
        + " it saw " + followed.size() + " events and differs from the stored order at " + firstDifference);
      assertEquals(stored.size(), followed.size());
    } finally {
      TestCollector.await(reader.close());
    }
  }

  private PgEventStore openReader() {
    Vertx vertx = nodeA.vertx();
    PgEventStore store = new PgEventStore(vertx, Config.string(config, ConfigKeys.Storage.PG_URL, ""),
      PostgresServer.PASSWORD, 2);
    TestCollector.await(store.open());
    return store;
  }

  private static Callable<JsonObject> batch(TestCollector node, int from, int size) {
    return () -> {
      JsonArray events = new JsonArray();
      for (int i = from; i < from + size; i++) {
        events.add(event("id-" + i));
      }
      Response response = node.post("/events/batch", events);
      assertEquals(201, response.status(), response.toString());
      return response.json();
    };
  }
}
