package org.eventcollector.stream;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.eventcollector.Backends;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.storage.PostgresServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The SockJS event-bus bridge; what reaches storage through it, on each storage backend. */
@ExtendWith({VertxExtension.class, PostgresServer.class})
@io.vertx.junit5.Timeout(value = 120, timeUnit = java.util.concurrent.TimeUnit.SECONDS)
class BridgeTest {

  @TempDir
  Path dir;
  private TestNode node;

  @AfterEach
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  private static JsonObject sendIngest(String id, String system) {
    return new JsonObject().put("type", "send").put("address", "events.ingest").put("replyAddress", "reply-" + id)
      .put("body", TestNode.event(id, system, "bridge.test"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void sockJsClientReceivesOnTheWholeStreamAndOnItsSystemsStream(String backend, Vertx vertx, VertxTestContext test) throws Exception {
    node = TestNode.start(dir, config -> Backends.on(backend, config));
    SockJsSession.open(node, vertx, "").onComplete(test.succeeding(session -> {
      session.register("events.stream")
        .compose(v -> session.register("events.stream.akosha"))
        // Refused inbound by default; the refusal also tells that both registrations were handled.
        .compose(v -> session.send(sendIngest("via-bridge", "akosha")))
        .compose(v -> session.await(m -> "err".equals(m.getString("type"))))
        .compose(err -> {
          test.verify(() -> assertEquals("access_denied", err.getString("body")));
          return node.ingest(new JsonArray().add(TestNode.event("b-1", "mahavishnu", "x")).add(TestNode.event("b-2", "akosha", "y")));
        })
        .compose(v -> session.await(m -> "events.stream.akosha".equals(m.getString("address"))))
        .compose(perSystem -> {
          test.verify(() -> assertEquals("b-2", perSystem.getJsonObject("body").getString("event_id")));
          return session.await(m -> "events.stream".equals(m.getString("address"))
            && "b-2".equals(m.getJsonObject("body").getString("event_id")));
        })
        .onComplete(test.succeeding(all -> test.verify(() -> {
          var whole = session.received().stream().filter(m -> "events.stream".equals(m.getString("address")))
            .map(m -> m.getJsonObject("body").getString("event_id")).toList();
          assertEquals(java.util.List.of("b-1", "b-2"), whole);
          var perSystem = session.received().stream().filter(m -> "events.stream.akosha".equals(m.getString("address")))
            .map(m -> m.getJsonObject("body").getString("event_id")).toList();
          assertEquals(java.util.List.of("b-2"), perSystem);
          test.completeNow();
        })));
    }));
  }

  @Test
  void inboundIngestIsRefusedByDefaultAndNothingIsStored(Vertx vertx, VertxTestContext test) throws Exception {
    node = TestNode.start(dir, config -> {
    });
    SockJsSession.open(node, vertx, "").onComplete(test.succeeding(session -> session.send(sendIngest("refused-1", "akosha"))
      .compose(v -> session.await(m -> "err".equals(m.getString("type"))))
      .compose(err -> node.web.get(node.port, "127.0.0.1", "/events/refused-1").send())
      .onComplete(test.succeeding(response -> test.verify(() -> {
        assertEquals(404, response.statusCode());
        test.completeNow();
      })))));
  }

  @Test
  void registeringOutsideTheStreamAddressesIsRefused(Vertx vertx, VertxTestContext test) throws Exception {
    node = TestNode.start(dir, config -> {
    });
    SockJsSession.open(node, vertx, "").onComplete(test.succeeding(session -> session.register("events.storage.insert")
      .compose(v -> session.await(m -> "err".equals(m.getString("type"))))
      .onComplete(test.succeeding(err -> test.verify(() -> {
        assertEquals("access_denied", err.getString("body"));
        test.completeNow();
      })))));
  }

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "memory", "postgres"})
  void inboundIngestWhenEnabledAnswersLikeTheBus(String backend, Vertx vertx, VertxTestContext test) throws Exception {
    node = TestNode.start(dir, config -> Config.set(Backends.on(backend, config), ConfigKeys.Stream.INBOUND_INGEST, true));
    SockJsSession.open(node, vertx, "").onComplete(test.succeeding(session -> session.send(sendIngest("allowed-1", "akosha"))
      .compose(v -> session.await(m -> "reply-allowed-1".equals(m.getString("address"))))
      .onComplete(test.succeeding(reply -> test.verify(() -> {
        assertEquals("collected", reply.getJsonObject("body").getString("status"));
        assertEquals("allowed-1", reply.getJsonObject("body").getString("event_id"));
        test.completeNow();
      })))));
  }
}
