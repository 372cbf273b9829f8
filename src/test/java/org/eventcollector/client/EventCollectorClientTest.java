package org.eventcollector.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.eventcollector.Backends;
import org.eventcollector.EventCollector;
import org.eventcollector.storage.PostgresServer;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-process client over the bus addresses, on each storage backend where the store answers. */
@ExtendWith({VertxExtension.class, PostgresServer.class})
class EventCollectorClientTest {

  @TempDir
  Path dir;

  private EventCollector collector;
  private EventCollectorClient client;

  /** Deploys the collector of this test into {@code vertx} on {@code backend}, waiting on the test thread. */
  private void deploy(Vertx vertx, String backend) throws Exception {
    JsonObject config = new JsonObject()
      .put("http", new JsonObject().put("port", 0))
      .put("storage", new JsonObject().put("sqlite", new JsonObject().put("path", dir.resolve("events.db").toString())))
      .put("rate_limit", new JsonObject().put("systems", new JsonObject()
        .put("oneiric", new JsonObject().put("per_second", 0.001).put("burst", 3))));
    collector = EventCollector.deploy(vertx, Backends.on(backend, config)).toCompletionStage().toCompletableFuture()
      .get(60, TimeUnit.SECONDS);
    client = collector.client();
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  @DisplayName("collects events in-process and finds them with the fluent query, count, correlation and stats")
  void collectsAndQueriesInProcess(String backend, Vertx vertx, VertxTestContext ctx) throws Exception {
    deploy(vertx, backend);
    // Times of their own: two events stored within one millisecond would tie on the server's clock.
    Instant now = Instant.now();
    JsonObject first = EventCollectorClient.event("mahavishnu", "workflow.started")
      .put("severity", "info").put("title", "Pipeline alpha started").put("correlation_id", "wf-1")
      .put("tags", new JsonArray().add("workflow").add("rag")).put("timestamp", now.minusSeconds(2).toString());
    JsonObject second = EventCollectorClient.event("mahavishnu", "workflow.failed")
      .put("severity", "error").put("title", "Pipeline alpha failed").put("correlation_id", "wf-1")
      .put("duration_ms", 1500).put("tags", new JsonArray().add("workflow")).put("timestamp", now.minusSeconds(1).toString());
    JsonObject other = EventCollectorClient.event("crackerjack", "test.passed").put("severity", "info");
    client.collect(first)
      .compose(ack -> {
        ctx.verify(() -> assertEquals("collected", ack.getString("status")));
        return client.collectBatch(List.of(second, other));
      })
      .compose(batch -> {
        ctx.verify(() -> assertEquals(2, batch.getInteger("collected")));
        return client.events().system("mahavishnu").severities("error", "critical").tags("workflow")
          .timeRange(Duration.ofHours(1)).orderBy("duration_ms", false).limit(10).execute();
      })
      .compose(errors -> {
        ctx.verify(() -> {
          assertEquals(1, errors.size());
          assertEquals("workflow.failed", errors.get(0).getString("event_type"));
        });
        return client.events().anyTags("rag", "nothing").search("ALPHA started").count();
      })
      .compose(count -> {
        ctx.verify(() -> assertEquals(1L, count));
        return client.correlation("wf-1");
      })
      .compose(trace -> {
        ctx.verify(() -> assertEquals(List.of("workflow.started", "workflow.failed"),
          trace.stream().map(e -> e.getString("event_type")).toList()));
        return client.stats(Instant.now().minusSeconds(3600), null);
      })
      .onComplete(ctx.succeeding(stats -> ctx.verify(() -> {
        assertEquals(3, stats.getInteger("total_events"));
        assertEquals(2, stats.getJsonObject("by_source_system").getInteger("mahavishnu"));
        ctx.completeNow();
      })));
  }

  @Test
  @DisplayName("a refused event fails with the contract's code, 400 for an invalid one")
  void invalidEventFailsWithBadRequest(Vertx vertx, VertxTestContext ctx) throws Exception {
    deploy(vertx, "sqlite");
    client.collect(new JsonObject().put("source_system", "mahavishnu")).onComplete(ctx.failing(e -> ctx.verify(() -> {
      ReplyException reply = assertInstanceOf(ReplyException.class, e);
      assertEquals(400, reply.failureCode());
      assertTrue(reply.getMessage().contains("event_type"), reply.getMessage());
      ctx.completeNow();
    })));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  @DisplayName("a subscription receives the stored events that match its filter and no others")
  void subscriptionReceivesMatchingEvents(String backend, Vertx vertx, VertxTestContext ctx) throws Exception {
    deploy(vertx, backend);
    List<String> seen = new ArrayList<>();
    client.subscribe(EventQuery.filter().minSeverity("warning").tags("db"), event -> {
      seen.add(event.getString("event_id"));
      // Events arrive in commit order: once the last one is here, every earlier one has been seen.
      if (event.getString("event_id").equals("loud-2")) {
        ctx.verify(() -> assertEquals(List.of("loud-1", "loud-2"), seen));
        ctx.completeNow();
      }
    }).compose(subscription -> client.collectBatch(List.of(
        EventCollectorClient.event("akosha", "query").put("event_id", "quiet").put("severity", "info").put("tags", new JsonArray().add("db")),
        EventCollectorClient.event("akosha", "query").put("event_id", "loud-1").put("severity", "error").put("tags", new JsonArray().add("db")),
        EventCollectorClient.event("oneiric", "config").put("event_id", "loud-untagged").put("severity", "critical"),
        EventCollectorClient.event("oneiric", "config").put("event_id", "loud-2").put("severity", "warning").put("tags", new JsonArray().add("db").add("x")))))
      .onComplete(ctx.succeeding(batch -> ctx.verify(() -> assertEquals(4, batch.getInteger("collected")))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  @DisplayName("the timing helper collects started and completed with duration_ms under one correlation id")
  void timingCollectsStartedAndCompleted(String backend, Vertx vertx, VertxTestContext ctx) throws Exception {
    deploy(vertx, backend);
    Timing timing = client.timing("mahavishnu", "workflow.started").component("orchestrator");
    timing.run(() -> {
        io.vertx.core.Promise<String> done = io.vertx.core.Promise.promise();
        vertx.setTimer(30, t -> done.complete("ok"));
        return done.future();
      })
      .compose(result -> {
        ctx.verify(() -> assertEquals("ok", result));
        return client.correlation(timing.correlationId());
      })
      .onComplete(ctx.succeeding(trace -> ctx.verify(() -> {
        assertEquals(List.of("workflow.started", "workflow.completed"), trace.stream().map(e -> e.getString("event_type")).toList());
        assertTrue(trace.get(1).getLong("duration_ms") >= 30, trace.get(1).encode());
        assertEquals("orchestrator", trace.get(0).getString("source_component"));
        ctx.completeNow();
      })));
  }

  @Test
  @DisplayName("the timing helper collects a failed event with the error and passes the failure on")
  void timingCollectsFailure(Vertx vertx, VertxTestContext ctx) throws Exception {
    deploy(vertx, "sqlite");
    Timing timing = client.timing("crackerjack", "quality_check");
    timing.run(() -> Future.failedFuture(new IllegalStateException("lint broke")))
      .onComplete(ctx.failing(error -> {
        ctx.verify(() -> assertEquals("lint broke", error.getMessage()));
        client.correlation(timing.correlationId()).onComplete(ctx.succeeding(trace -> ctx.verify(() -> {
          assertEquals(2, trace.size());
          JsonObject failed = trace.get(1);
          assertEquals("quality_check.failed", failed.getString("event_type"));
          assertEquals("error", failed.getString("severity"));
          assertEquals("IllegalStateException", failed.getJsonObject("data").getString("error_type"));
          assertTrue(failed.containsKey("duration_ms"));
          ctx.completeNow();
        })));
      }));
  }

  @Test
  @DisplayName("the rate limit refuses with 429 past the burst and a changed limit takes effect at once")
  void rateLimitRefusesAndChangesAtOnce(Vertx vertx, VertxTestContext ctx) throws Exception {
    deploy(vertx, "sqlite");
    List<Future<JsonObject>> sends = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      sends.add(client.collect(EventCollectorClient.event("oneiric", "tick")));
    }
    Future.join(sends).otherwiseEmpty().compose(v -> {
      long ok = sends.stream().filter(Future::succeeded).count();
      ctx.verify(() -> {
        assertEquals(3, ok);
        ReplyException refused = assertInstanceOf(ReplyException.class, sends.get(4).cause());
        assertEquals(429, refused.failureCode());
        assertEquals("rate limit exceeded for oneiric", refused.getMessage());
      });
      // A change keeps the tokens left (none here) and refills at the new rate from now on: at
      // 10^9 per second the next event finds a token whatever the timing.
      return WebClient.create(collector.vertx()).put(collector.httpPort(), "127.0.0.1", "/rate-limits/oneiric")
        .sendJsonObject(new JsonObject().put("per_second", 1_000_000_000).put("burst", 100));
    }).compose(changed -> {
      ctx.verify(() -> assertEquals(200, changed.statusCode(), changed.bodyAsString()));
      return client.collect(EventCollectorClient.event("oneiric", "tick"));
    })
      .onComplete(ctx.succeeding(ack -> ctx.verify(() -> {
        assertEquals("collected", ack.getString("status"));
        ctx.completeNow();
      })));
  }

  @Test
  @DisplayName("the seed's form starts its own Vert.x with initialize() and stops with shutdown()")
  void seedStyleInitializeAndShutdown(VertxTestContext ctx) {
    EventCollector own = new EventCollector(new JsonObject().put("http", new JsonObject().put("port", 0))
      .put("storage", new JsonObject().put("backend", "memory")));
    own.initialize()
      .compose(v -> own.client().collect(EventCollectorClient.event("session_buddy", "session.created")))
      .compose(ack -> own.client().events().system("session_buddy").count())
      .compose(count -> {
        ctx.verify(() -> {
          assertEquals(1L, count);
          assertTrue(own.httpPort() > 0);
        });
        return own.shutdown();
      })
      .onComplete(ctx.succeeding(v -> ctx.completeNow()));
  }
}
