package org.eventcollector.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    assertEquals(7, tools.bodyAsJsonObject().getJsonObject("result").getJsonArray("tools").size());
  }

  private JsonObject request(String session, String method, JsonObject params) throws Exception {
    HttpResponse<Buffer> answer = await(post(session).sendJsonObject(new JsonObject().put("jsonrpc", "2.0").put("id", 7)
      .put("method", method).put("params", params)));
    assertEquals(200, answer.statusCode(), answer.bodyAsString());
    return answer.bodyAsJsonObject().getJsonObject("result");
  }

  /** Calls a tool; answers its text, after checking that the answer is not flagged isError. */
  private String tool(String session, String name, JsonObject arguments) throws Exception {
    JsonObject result = request(session, "tools/call", new JsonObject().put("name", name).put("arguments", arguments));
    assertEquals(false, result.getBoolean("isError"), result.encode());
    return result.getJsonArray("content").getJsonObject(0).getString("text");
  }

  private static JsonObject entity(String name) {
    return new JsonObject().put("name", name).put("entity_type", "event");
  }

  @Test
  void listsRelationsWithTheEntitiesIdsAndKeepsARelationMadeTwiceTwice() throws Exception {
    String session = initialize("2025-06-18");
    tool(session, "create_entity", entity("e-1"));
    String created = tool(session, "create_entity", entity("e-2"));
    String id = created.lines().filter(l -> l.startsWith("🆔 ID: ")).findFirst().orElseThrow().substring(7);
    JsonObject relation = new JsonObject().put("from_entity", "e-2").put("to_entity", "e-1").put("relation_type", "follows");
    assertTrue(tool(session, "create_relation", relation).startsWith("✅ Relationship created: e-2 --[follows]--> e-1"));
    tool(session, "create_relation", relation);
    String listed = tool(session, "get_entity_relationships", new JsonObject().put("entity_name", "e-2")
      .put("relation_type", "follows").put("direction", "outgoing"));
    assertTrue(listed.startsWith("🔗 Found 2 relationships for 'e-2':"), listed);
    String e1 = standIn.entities().get("e-1").getString("id");
    assertTrue(listed.contains("\n  " + id + " --[follows]--> " + e1), listed);
    assertFalse(listed.contains("e-1 "), "names are not listed: " + listed);
    assertEquals(2, standIn.relations().size(), "no uniqueness");
    assertEquals("e-2", standIn.relations().get(0).getString("from_entity"));
  }

  @Test
  void answersFailuresAsTextBeginningWithCrossMarkAndIsErrorFalse() throws Exception {
    String session = initialize("2025-06-18");
    tool(session, "create_entity", entity("e-1"));
    assertEquals("❌ Create entity failed: Entity with name 'e-1' already exists", tool(session, "create_entity", entity("e-1")));
    assertEquals("❌ Create relation failed: Entity 'x' not found", tool(session, "create_relation", new JsonObject()
      .put("from_entity", "x").put("to_entity", "e-1").put("relation_type", "follows")));
    assertEquals("❌ Get entity relationships failed: Entity 'x' not found", tool(session, "get_entity_relationships",
      new JsonObject().put("entity_name", "x")));
    assertEquals("🔍 No relationships found for 'e-1'", tool(session, "get_entity_relationships",
      new JsonObject().put("entity_name", "e-1")));
    assertEquals("❌ Add observation failed: Entity 'x' not found", tool(session, "add_observation",
      new JsonObject().put("entity_name", "x").put("observation", "o")));
  }

  @Test
  void createsABatchPastItsFailuresAndNamesOnlyTheFirstTenCreatedAndFiveFailed() throws Exception {
    String session = initialize("2025-06-18");
    JsonArray first = new JsonArray();
    for (int i = 0; i < 8; i++) {
      first.add(entity("b-" + i));
    }
    tool(session, "batch_create_entities", new JsonObject().put("entities", first));
    JsonArray second = new JsonArray();
    for (int i = 0; i < 20; i++) {
      second.add(entity("b-" + i));
    }
    second.add(new JsonObject().put("name", "no-type"));
    String answer = tool(session, "batch_create_entities", new JsonObject().put("entities", second));
    List<String> lines = answer.lines().toList();
    assertEquals("📦 Batch Entity Creation Results:", lines.get(0));
    assertEquals("✅ Successfully Created: 12", lines.get(2));
    assertEquals("   • b-8", lines.get(3));
    assertEquals("   ... and 2 more", lines.get(13));
    assertEquals("❌ Failed: 9", lines.get(15));
    assertEquals("   • b-0: Entity with name 'b-0' already exists", lines.get(16));
    assertEquals("   ... and 4 more", lines.get(21));
    assertEquals(22, lines.size());
    assertEquals(20, standIn.count("event"));
  }

  @Test
  void offersNoGraphToolInTheMinimalProfile() throws Exception {
    standIn.profile(StandInMcpServer.Profile.MINIMAL);
    String session = initialize("2025-06-18");
    assertEquals(0, request(session, "tools/list", new JsonObject()).getJsonArray("tools").size());
    JsonObject result = request(session, "tools/call", new JsonObject().put("name", "create_entity").put("arguments", entity("e")));
    assertEquals(true, result.getBoolean("isError"));
    standIn.profile(StandInMcpServer.Profile.STANDARD);
    assertEquals(404, await(post(session).sendJsonObject(new JsonObject().put("jsonrpc", "2.0").put("id", 2)
      .put("method", "ping"))).statusCode(), "a restart with another profile forgets the sessions");
  }

  @Test
  void answersAnUnknownSessionWith400WhenSetUpAsAnOlderServer() throws Exception {
    standIn.unknownSessionStatus(400);
    JsonObject ping = new JsonObject().put("jsonrpc", "2.0").put("id", 2).put("method", "ping");
    HttpResponse<Buffer> answer = await(post("no-such-session").sendJsonObject(ping));
    assertEquals(400, answer.statusCode());
    assertTrue(answer.bodyAsString().contains("No valid session ID provided"), answer.bodyAsString());
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
