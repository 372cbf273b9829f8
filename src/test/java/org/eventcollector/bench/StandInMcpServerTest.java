package org.eventcollector.mirror;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stand-in speaks the Streamable HTTP transport as the MCP specification describes it. */
@ExtendWith(VertxExtension.class)
class StandInMcpServerTest {

  private StandInMcpServer standIn;
  private WebClient web;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    standIn = new StandInMcpServer(vertx);
    standIn.start(0).toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    web = WebClient.create(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    web.close();
    standIn.stop().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private HttpRequest<Buffer> post(String session) {
    HttpRequest<Buffer> request = web.postAbs(standIn.url())
      .putHeader("Content-Type", "application/json")
      .putHeader("Accept", "application/json, text/event-stream");
    if (session != null) {
      request.putHeader("Mcp-Session-Id", session);
    }
    return request;
  }

  private static HttpResponse<Buffer> await(io.vertx.core.Future<HttpResponse<Buffer>> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private String initialize(String version) throws Exception {
    HttpResponse<Buffer> answer = await(post(null).sendJsonObject(new JsonObject().put("jsonrpc", "2.0").put("id", 1)
      .put("method", "initialize").put("params", new JsonObject().put("protocolVersion", version)
        .put("capabilities", new JsonObject()).put("clientInfo", new JsonObject().put("name", "t").put("version", "1")))));
    assertEquals(200, answer.statusCode());
    assertEquals("2025-06-18", answer.bodyAsJsonObject().getJsonObject("result").getString("protocolVersion"));
    String session = answer.getHeader("Mcp-Session-Id");
    assertNotNull(session);
    assertTrue(session.chars().allMatch(c -> c >= 0x21 && c <= 0x7E), "visible ASCII session id");
    return session;
  }

  @Test
  void offersItsOwnVersionToAClientAskingForAnUnknownOne() throws Exception {
    initialize("2099-01-01");
  }

  @Test
  void acceptsNotificationsWith202AndAnswersRequestsInTheSession() throws Exception {
    String session = initialize("2025-06-18");
    HttpResponse<Buffer> notified = await(post(session).sendJsonObject(new JsonObject().put("jsonrpc", "2.0")
      .put("method", "notifications/initialized")));
    assertEquals(202, notified.statusCode());
    HttpResponse<Buffer> tools = await(post(session).sendJsonObject(new JsonObject().put("jsonrpc", "2.0").put("id", 2)
      .put("method", "tools/list")));
    assertEquals(200, tools.statusCode());
    assertEquals(6, tools.bodyAsJsonObject().getJsonObject("result").getJsonArray("tools").size());
  }

  @Test
  void refusesARequestWithoutSession400AndWithAnUnknownOne404() throws Exception {
    JsonObject ping = new JsonObject().put("jsonrpc", "2.0").put("id", 2).put("method", "ping");
    assertEquals(400, await(post(null).sendJsonObject(ping)).statusCode());
    assertEquals(404, await(post("no-such-session").sendJsonObject(ping)).statusCode());
  }

  @Test
  void refusesAClientThatDoesNotAcceptBothAnswerTypes() throws Exception {
    HttpResponse<Buffer> answer = await(web.postAbs(standIn.url()).putHeader("Accept", "application/json")
      .sendJsonObject(new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")));
    assertEquals(406, answer.statusCode());
  }

  @Test
  void answersWithAnEventStreamInStreamMode() throws Exception {
    String session = initialize("2025-06-18");
    standIn.mode(StandInMcpServer.Mode.SSE);
    HttpResponse<Buffer> answer = await(post(session).sendJsonObject(new JsonObject().put("jsonrpc", "2.0").put("id", 2)
      .put("method", "ping")));
    assertTrue(answer.getHeader("Content-Type").startsWith("text/event-stream"));
    assertTrue(answer.bodyAsString().contains("data: "));
  }

  @Test
  void endsASessionOnDeleteAndHasNoServerStream() throws Exception {
    String session = initialize("2025-06-18");
    assertEquals(405, await(web.getAbs(standIn.url()).putHeader("Mcp-Session-Id", session).send()).statusCode());
    assertEquals(200, await(web.requestAbs(HttpMethod.DELETE, standIn.url()).putHeader("Mcp-Session-Id", session).send())
      .statusCode());
    assertEquals(404, await(post(session).sendJsonObject(new JsonObject().put("jsonrpc", "2.0").put("id", 2)
      .put("method", "ping"))).statusCode());
  }
}
