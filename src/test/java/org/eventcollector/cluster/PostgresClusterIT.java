package org.eventcollector.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.core.buffer.Buffer;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two clustered collector JVMs, both with the storage role, on one PostgreSQL database: neither
 * owns the store, both commit, and the survivor goes on alone when the other is killed.
 */
@ExtendWith(PostgresServer.class)
class PostgresClusterIT {

  private static final Pattern COMMITS = Pattern.compile("(?m)^event_collector_storage_commit_events_count\\S* (\\S+)$");

  @Test
  @DisplayName("two clustered storage nodes on one PostgreSQL database both commit, with no owner, and either may die")
  void bothStorageNodesServeWithoutAnOwner() throws Exception {
    Map<String, String> env = Map.of("EC_STORAGE", "postgres", "EC_PG_URL", PostgresServer.get().newDatabase(),
      "EC_PG_PASSWORD", PostgresServer.PASSWORD, "EC_RATE_LIMIT_PER_SECOND", "100000", "EC_RATE_LIMIT_BURST", "100000");
    Vertx vertx = Vertx.vertx();
    try (ClusterFixture cluster = new ClusterFixture("postgres")) {
      ClusterFixture.Node a = cluster.start("a", "storage,ratelimit,ingest", env);
      ClusterFixture.Node b = cluster.start("b", "storage,ratelimit,ingest", env);
      for (ClusterFixture.Node node : List.of(a, b)) {
        node.await(Pattern.compile("PostgreSQL store open"), 60);
      }
      WebClient web = WebClient.create(vertx);

      // Node a takes ids 0..199 and node b 100..299, in batches of 20, all at once.
      List<Future<HttpResponse<Buffer>>> answers = new ArrayList<>();
      for (int from = 0; from < 200; from += 20) {
        answers.add(web.post(a.port, "127.0.0.1", "/events/batch").sendJson(batch(from, 20)));
        answers.add(web.post(b.port, "127.0.0.1", "/events/batch").sendJson(batch(from + 100, 20)));
      }
      int stored = 0;
      int duplicates = 0;
      for (Future<HttpResponse<Buffer>> answer : answers) {
        HttpResponse<Buffer> response = answer.await(60, TimeUnit.SECONDS);
        assertEquals(201, response.statusCode(), response.bodyAsString());
        JsonObject body = response.bodyAsJsonObject();
        assertEquals(20, body.getInteger("collected"), body.encode());
        duplicates += body.getInteger("duplicates", 0);
        stored += body.getInteger("collected") - body.getInteger("duplicates", 0);
      }
      assertEquals(300, stored);
      assertEquals(100, duplicates);
      for (ClusterFixture.Node node : List.of(a, b)) {
        assertEquals(300, count(web, node));
        assertTrue(commits(web, node) > 0, node.name + " never committed: both storage nodes serve");
        assertFalse(node.logText().contains("Owner of event-collector.storage.owner"), node.name + " took an owner lock");
        assertFalse(node.logText().contains("Standby for event-collector.storage.owner"), node.name + " stood by");
      }

      a.kill();
      // The survivor needs no takeover; only the cluster's view of the dead member has to settle
      // (a write sent to the dead node's consumers meanwhile is sent again once the cluster drops it).
      int collected = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      for (int i = 0; collected < 20 && System.nanoTime() < deadline; i++) {
        HttpResponse<Buffer> response = web.post(b.port, "127.0.0.1", "/events")
          .sendJson(event("after-kill-" + i)).await(90, TimeUnit.SECONDS);
        if (response.statusCode() == 201) {
          collected++;
        } else {
          assertEquals(503, response.statusCode(), response.bodyAsString());
        }
      }
      assertEquals(20, collected);
      assertEquals(320, count(web, b));
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  private static JsonObject event(String id) {
    return new JsonObject().put("event_id", id).put("source_system", "oneiric").put("event_type", "cluster.write");
  }

  private static JsonArray batch(int from, int size) {
    JsonArray events = new JsonArray();
    for (int i = from; i < from + size; i++) {
      events.add(event("pg-" + i));
    }
    return events;
  }

  private static int count(WebClient web, ClusterFixture.Node node) throws Exception {
    return web.get(node.port, "127.0.0.1", "/events/count").send().await(30, TimeUnit.SECONDS)
      .bodyAsJsonObject().getInteger("count");
  }

  private static double commits(WebClient web, ClusterFixture.Node node) throws Exception {
    String metrics = web.get(node.port, "127.0.0.1", "/metrics").send().await(30, TimeUnit.SECONDS).bodyAsString();
    var matcher = COMMITS.matcher(metrics);
    return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
  }
}
