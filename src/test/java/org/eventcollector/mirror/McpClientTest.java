package org.eventcollector.mirror;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.eventcollector.bench.StandInMcpServer;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class McpClientTest {

  private StandInMcpServer standIn;
  private McpClient client;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    standIn = new StandInMcpServer(vertx);
    standIn.start(0).onComplete(ctx.succeeding(port -> {
      client = new McpClient(vertx, standIn.url(), 10_000);
      ctx.completeNow();
    }));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    client.close().compose(v -> standIn.stop()).onComplete(ctx.succeedingThenComplete());
  }

  private static JsonObject entity(String name) {
    return new JsonObject().put("name", name).put("entity_type", "event");
  }

  @Test
  void opensASessionThenCallsAToolWithJsonAnswers(VertxTestContext ctx) {
    client.callTool("create_entity", entity("e-1").put("observations", List.of("started")))
      .onComplete(ctx.succeeding(text -> ctx.verify(() -> {
        assertTrue(text.startsWith("✅ Entity 'e-1' created"), text);
        assertEquals("2025-06-18", client.protocolVersion());
        assertNotNull(client.sessionId());
        assertEquals("session-buddy-stand-in", client.serverInfo().getString("name"));
        List<JsonObject> calls = standIn.calls();
        assertEquals(1, calls.size());
        assertEquals(client.sessionId(), calls.get(0).getString("session"));
        assertEquals(List.of("started"), standIn.entities().get("e-1").getJsonArray("observations").getList());
        ctx.completeNow();
      })));
  }

  @Test
  void readsAnswersFromAnEventStream(VertxTestContext ctx) {
    standIn.mode(StandInMcpServer.Mode.SSE);
    client.callTool("create_entity", entity("e-1"))
      .compose(text -> client.callTool("get_knowledge_graph_stats", new JsonObject()))
      .onComplete(ctx.succeeding(text -> ctx.verify(() -> {
        assertTrue(text.contains("Total Entities: 1"), text);
        ctx.completeNow();
      })));
  }

  @Test
  void mixesJsonAndStreamAnswersInOneSession(VertxTestContext ctx) {
    standIn.mode(StandInMcpServer.Mode.ALTERNATE);
    Future<String> chain = Future.succeededFuture();
    for (int i = 0; i < 6; i++) {
      String name = "e-" + i;
      chain = chain.compose(t -> client.callTool("create_entity", entity(name)));
    }
    chain.onComplete(ctx.succeeding(text -> ctx.verify(() -> {
      assertEquals(6, standIn.entities().size());
      assertEquals(1, standIn.initializations());
      ctx.completeNow();
    })));
  }

  @Test
  void takesATextBeginningWithCrossMarkAsAFailedCall(VertxTestContext ctx) {
    client.callTool("create_entity", entity("e-1"))
      .compose(t -> client.callTool("create_entity", entity("e-1")))
      .onComplete(ctx.failing(e -> ctx.verify(() -> {
        McpException mcp = assertInstanceOf(McpException.class, e);
        assertEquals(McpException.Kind.TOOL_FAILED, mcp.kind());
        assertTrue(GraphMapping.alreadyExists(mcp.getMessage()), mcp.getMessage());
        assertTrue(mcp.reached());
        ctx.completeNow();
      })));
  }

  @Test
  void takesIsErrorAsAFailedCall(VertxTestContext ctx) {
    client.callTool("create_entity", new JsonObject().put("name", "no-type"))
      .onComplete(ctx.failing(e -> ctx.verify(() -> {
        assertEquals(McpException.Kind.TOOL_FAILED, ((McpException) e).kind());
        assertTrue(e.getMessage().contains("entity_type"), e.getMessage());
        ctx.completeNow();
      })));
  }

  @Test
  void takesAnUnknownToolAsAFailedCall(VertxTestContext ctx) {
    client.callTool("drop_everything", new JsonObject())
      .onComplete(ctx.failing(e -> ctx.verify(() -> {
        assertEquals(McpException.Kind.TOOL_FAILED, ((McpException) e).kind());
        assertTrue(e.getMessage().contains("Unknown tool: drop_everything"), e.getMessage());
        ctx.completeNow();
      })));
  }

  @Test
  void takesAJsonRpcErrorAsAFailedCall(Vertx vertx, VertxTestContext ctx) throws Exception {
    HttpServer server = server(vertx, "2025-06-18", request -> request.response().putHeader("Content-Type", "application/json")
      .end("{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":{\"code\":-32602,\"message\":\"Invalid params\"}}"));
    McpClient other = new McpClient(vertx, "http://127.0.0.1:" + server.actualPort() + "/mcp", 2_000);
    other.callTool("create_entity", entity("e-1")).onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertEquals(McpException.Kind.RPC_ERROR, ((McpException) e).kind());
      assertTrue(e.getMessage().contains("-32602"), e.getMessage());
      other.close();
      server.close();
      ctx.completeNow();
    })));
  }

  @Test
  void startsANewSessionWhenTheServerAnswers400ForAnUnknownSessionAsOlderPythonServersDo(VertxTestContext ctx) {
    standIn.unknownSessionStatus(400);
    client.callTool("create_entity", entity("e-1")).compose(t -> {
      String first = client.sessionId();
      standIn.expireSessions();
      return client.callTool("create_entity", entity("e-2")).map(text -> first);
    }).onComplete(ctx.succeeding(first -> ctx.verify(() -> {
      assertEquals(2, standIn.initializations());
      assertFalse(first.equals(client.sessionId()));
      assertEquals(2, standIn.entities().size());
      ctx.completeNow();
    })));
  }

  @Test
  void checksTheToolsAtEveryInitialisationAndCallsNothingWhileOneIsMissing(Vertx vertx, VertxTestContext ctx) {
    McpClient checking = new McpClient(vertx, standIn.url(), 10_000, GraphMapping.REQUIRED_TOOLS);
    standIn.profile(StandInMcpServer.Profile.MINIMAL);
    checking.callTool("create_entity", entity("e-1")).recover(e -> {
      ctx.verify(() -> {
        McpException mcp = assertInstanceOf(McpException.class, e);
        assertEquals(McpException.Kind.TOOLS_MISSING, mcp.kind());
        assertTrue(mcp.reached());
        assertEquals(GraphMapping.REQUIRED_TOOLS, checking.missingTools());
        assertEquals(0, standIn.calls().size(), "no tool called");
      });
      // Checked again at the next call, in the same session.
      return checking.callTool("create_entity", entity("e-1"));
    }).recover(e -> {
      ctx.verify(() -> {
        assertEquals(McpException.Kind.TOOLS_MISSING, ((McpException) e).kind());
        assertEquals(1, standIn.initializations());
        assertEquals(2, standIn.requests("tools/list"));
      });
      // Restarted with the full profile: the session is gone, a new one is checked again.
      standIn.profile(StandInMcpServer.Profile.FULL);
      return checking.callTool("create_entity", entity("e-1"));
    }).onComplete(ctx.succeeding(text -> ctx.verify(() -> {
      assertTrue(text.startsWith("✅"), text);
      assertEquals(2, standIn.initializations());
      assertEquals(3, standIn.requests("tools/list"), "the stale session's check was refused, the new session's counted");
      assertTrue(checking.missingTools().isEmpty());
      assertTrue(checking.tools().contains("batch_create_entities"));
      checking.close();
      ctx.completeNow();
    })));
  }

  @Test
  void startsANewSessionWhenTheServerAnswers404(VertxTestContext ctx) {
    client.callTool("create_entity", entity("e-1")).compose(t -> {
      String first = client.sessionId();
      standIn.expireSessions();
      return client.callTool("create_entity", entity("e-2")).map(text -> first);
    }).onComplete(ctx.succeeding(first -> ctx.verify(() -> {
      assertEquals(2, standIn.initializations());
      assertFalse(first.equals(client.sessionId()));
      assertEquals(2, standIn.entities().size());
      ctx.completeNow();
    })));
  }

  @Test
  void startsOneNewSessionWhenCallsInFlightAllFindTheirSessionGone(VertxTestContext ctx) {
    client.callTool("create_entity", entity("first")).compose(t -> {
      standIn.expireSessions();
      List<Future<String>> calls = new java.util.ArrayList<>();
      for (int i = 0; i < 5; i++) {
        calls.add(client.callTool("create_entity", entity("e-" + i)));
      }
      return Future.all(calls);
    }).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
      assertEquals(2, standIn.initializations());
      assertEquals(6, standIn.entities().size());
      ctx.completeNow();
    })));
  }

  @Test
  void reportsAServerThatIsDownAsUnreachable(VertxTestContext ctx) {
    standIn.stop().compose(v -> client.callTool("create_entity", entity("e-1")))
      .onComplete(ctx.failing(e -> ctx.verify(() -> {
        McpException mcp = assertInstanceOf(McpException.class, e);
        assertEquals(McpException.Kind.UNREACHABLE, mcp.kind());
        assertFalse(mcp.reached());
        ctx.completeNow();
      })));
  }

  @Test
  void givesUpOnASilentServerAfterItsTimeout(Vertx vertx, VertxTestContext ctx) throws Exception {
    HttpServer silent = vertx.createHttpServer().requestHandler(request -> { })
      .listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    McpClient impatient = new McpClient(vertx, "http://127.0.0.1:" + silent.actualPort() + "/mcp", 300);
    long start = System.nanoTime();
    impatient.ping().onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertEquals(McpException.Kind.UNREACHABLE, ((McpException) e).kind());
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
      impatient.close();
      silent.close();
      ctx.completeNow();
    })));
  }

  /** A hand-written server: JSON for initialize, then whatever {@code tools} writes. */
  private static HttpServer server(Vertx vertx, String version, Consumer<HttpServerRequest> tools) throws Exception {
    return vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      JsonObject message = body.toJsonObject();
      String method = message.getString("method");
      if ("initialize".equals(method)) {
        request.response().putHeader("Content-Type", "application/json").putHeader("Mcp-Session-Id", "s-1")
          .end(new JsonObject().put("jsonrpc", "2.0").put("id", message.getValue("id")).put("result", new JsonObject()
            .put("protocolVersion", version).put("capabilities", new JsonObject())
            .put("serverInfo", new JsonObject().put("name", "hand-written"))).encode());
      } else if (message.getValue("id") == null) {
        request.response().setStatusCode(202).end();
      } else {
        tools.accept(request);
      }
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  @Test
  void refusesAServerThatOnlySpeaksAnUnknownProtocolVersion(Vertx vertx, VertxTestContext ctx) throws Exception {
    HttpServer server = server(vertx, "1999-01-01", request -> request.response().setStatusCode(500).end());
    McpClient other = new McpClient(vertx, "http://127.0.0.1:" + server.actualPort() + "/mcp", 2_000);
    other.ping().onComplete(ctx.failing(e -> ctx.verify(() -> {
      assertEquals(McpException.Kind.PROTOCOL, ((McpException) e).kind());
      assertTrue(e.getMessage().contains("1999-01-01"), e.getMessage());
      other.close();
      server.close();
      ctx.completeNow();
    })));
  }

  @Test
  void acceptsAnOlderProtocolVersionAndSendsItBack(Vertx vertx, VertxTestContext ctx) throws Exception {
    List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    HttpServer server = server(vertx, "2025-03-26", request -> {
      seen.add(request.getHeader("MCP-Protocol-Version") + " " + request.getHeader("Mcp-Session-Id"));
      request.response().putHeader("Content-Type", "application/json")
        .end("{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{}}");
    });
    McpClient other = new McpClient(vertx, "http://127.0.0.1:" + server.actualPort() + "/mcp", 2_000);
    other.ping().onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertEquals(List.of("2025-03-26 s-1"), seen);
      other.close();
      server.close();
      ctx.completeNow();
    })));
  }

  @Test
  void doesNotWaitForTheEndOfAStreamThatStaysOpenAfterTheAnswer(Vertx vertx, VertxTestContext ctx) throws Exception {
    HttpServer server = server(vertx, "2025-06-18", request -> {
      JsonObject body = new JsonObject().put("jsonrpc", "2.0").put("id", 2)
        .put("result", new JsonObject().put("content", List.of(new JsonObject().put("type", "text").put("text", "✅ ok"))));
      request.response().setChunked(true).putHeader("Content-Type", "text/event-stream")
        .write("event: message\ndata: " + body.encode() + "\n\n");
    });
    McpClient other = new McpClient(vertx, "http://127.0.0.1:" + server.actualPort() + "/mcp", 5_000);
    long start = System.nanoTime();
    other.callTool("create_entity", entity("e-1")).onComplete(ctx.succeeding(text -> ctx.verify(() -> {
      assertEquals("✅ ok", text);
      assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
      other.close();
      server.close();
      ctx.completeNow();
    })));
  }
}
