package org.eventcollector.mirror;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stand-in for Session-Buddy, NOT Session-Buddy: a small MCP server over the Streamable HTTP
 * transport (MCP 2025-06-18) with Session-Buddy's knowledge-graph tools and their signatures
 * ({@code create_entity}, {@code add_observation}, {@code create_relation}, {@code search_entities},
 * {@code get_entity_relationships}, {@code get_knowledge_graph_stats}), answering in their text
 * form, failures as text beginning with "❌". It keeps its graph in memory and records every tool
 * call it receives, for tests and the {@code mirror} benchmark.
 * <p>
 * Transport: {@code POST /mcp} takes one JSON-RPC message; {@code initialize} opens a session
 * ({@code Mcp-Session-Id}); later messages without a session get 400, with an unknown one 404;
 * notifications get 202; requests are answered as {@code application/json} or as a
 * {@code text/event-stream} (see {@link Mode}); {@code DELETE /mcp} ends a session; {@code GET}
 * is 405 (no server-initiated stream). It also misbehaves on request: failing calls, expiring
 * sessions, losing answers after applying a call, or being down.
 */
public final class StandInMcpServer {

  /** How requests are answered. */
  public enum Mode { JSON, SSE, ALTERNATE }

  private static final List<String> VERSIONS = McpClient.SUPPORTED_VERSIONS;

  private final Vertx vertx;
  private HttpServer server;
  private int port;
  private volatile Mode mode = Mode.JSON;
  private final Set<String> sessions = ConcurrentHashMap.newKeySet();
  private final Map<String, JsonObject> entities = new LinkedHashMap<>();
  private final List<JsonObject> relations = new ArrayList<>();
  private final List<JsonObject> calls = new ArrayList<>();
  private final Map<String, Long> createdNanos = new java.util.HashMap<>();
  private final Map<String, Integer> counts = new java.util.HashMap<>();
  private int initializations;
  private int failNext;
  private int loseNext;
  private long answered;
  private long responses;

  public StandInMcpServer(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Listens on 127.0.0.1 at {@code port} (0: any free port, or the port of an earlier start). */
  public synchronized Future<Integer> start(int port) {
    int wanted = port == 0 && this.port != 0 ? this.port : port;
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(wanted).setTcpNoDelay(true))
      .requestHandler(this::handle);
    return server.listen().map(s -> {
      synchronized (this) {
        this.port = s.actualPort();
        return this.port;
      }
    });
  }

  /** Stops listening and forgets its sessions, as a restarted server would; the graph is kept. */
  public Future<Void> stop() {
    HttpServer running;
    synchronized (this) {
      running = server;
      server = null;
      sessions.clear();
    }
    return running == null ? Future.succeededFuture() : running.close();
  }

  public synchronized int port() {
    return port;
  }

  public String url() {
    return "http://127.0.0.1:" + port() + "/mcp";
  }

  public StandInMcpServer mode(Mode mode) {
    this.mode = mode;
    return this;
  }

  /** The next {@code n} tool calls fail with a "❌" text and change nothing. */
  public synchronized void failNextCalls(int n) {
    failNext = n;
  }

  /** The next {@code n} tool calls are applied, then the connection is closed without an answer. */
  public synchronized void loseNextAnswers(int n) {
    loseNext = n;
  }

  /** Forgets every session: the next request of a client gets 404. */
  public void expireSessions() {
    sessions.clear();
  }

  public synchronized int initializations() {
    return initializations;
  }

  /** Every {@code tools/call} received, in order: {@code {"tool", "arguments", "session"}}. */
  public synchronized List<JsonObject> calls() {
    return calls.stream().map(JsonObject::copy).toList();
  }

  /** The entities, in creation order: name to {@code {"name", "entity_type", "observations", "properties"}}. */
  public synchronized Map<String, JsonObject> entities() {
    Map<String, JsonObject> copy = new LinkedHashMap<>();
    entities.forEach((k, v) -> copy.put(k, v.copy()));
    return copy;
  }

  /** The relations, in creation order: {@code {"from_entity", "to_entity", "relation_type", "properties"}}. */
  public synchronized List<JsonObject> relations() {
    return relations.stream().map(JsonObject::copy).toList();
  }

  /** How many entities of this type exist. */
  public synchronized int count(String entityType) {
    return counts.getOrDefault(entityType, 0);
  }

  /** {@link System#nanoTime()} when the entity was created, or null. */
  public synchronized Long createdNanos(String name) {
    return createdNanos.get(name);
  }

  /** Tool calls answered with success. */
  public synchronized long answered() {
    return answered;
  }

  private void handle(HttpServerRequest request) {
    if (!request.path().equals("/mcp")) {
      request.response().setStatusCode(404).end();
      return;
    }
    if (request.method() == HttpMethod.GET) {
      request.response().setStatusCode(405).putHeader("Allow", "POST, DELETE").end();
      return;
    }
    if (request.method() == HttpMethod.DELETE) {
      String session = request.getHeader(McpClient.SESSION_HEADER);
      request.response().setStatusCode(session != null && sessions.remove(session) ? 200 : 404).end();
      return;
    }
    if (request.method() != HttpMethod.POST) {
      request.response().setStatusCode(405).putHeader("Allow", "POST, DELETE").end();
      return;
    }
    request.body().onSuccess(body -> post(request, body));
  }

  private void post(HttpServerRequest request, Buffer body) {
    HttpServerResponse response = request.response();
    String accept = String.valueOf(request.getHeader("Accept"));
    if (!accept.contains("application/json") || !accept.contains("text/event-stream")) {
      error(response, 406, null, -32600, "Not Acceptable: Client must accept both application/json and text/event-stream");
      return;
    }
    if (!String.valueOf(request.getHeader("Content-Type")).startsWith("application/json")) {
      error(response, 415, null, -32600, "Unsupported Media Type: Content-Type must be application/json");
      return;
    }
    Object parsed;
    try {
      parsed = Json.decodeValue(body);
    } catch (DecodeException e) {
      error(response, 400, null, -32700, "Parse error");
      return;
    }
    if (!(parsed instanceof JsonObject message) || !"2.0".equals(message.getString("jsonrpc"))) {
      error(response, 400, null, -32600, "Invalid Request: one JSON-RPC 2.0 message per POST");
      return;
    }
    String method = message.getString("method");
    Object id = message.getValue("id");
    if ("initialize".equals(method)) {
      initialize(response, id, message.getJsonObject("params", new JsonObject()));
      return;
    }
    String session = request.getHeader(McpClient.SESSION_HEADER);
    if (session == null) {
      error(response, 400, id, -32000, "Bad Request: Missing session ID");
      return;
    }
    if (!sessions.contains(session)) {
      error(response, 404, id, -32001, "Session not found");
      return;
    }
    String version = request.getHeader(McpClient.VERSION_HEADER);
    if (version != null && !VERSIONS.contains(version)) {
      error(response, 400, id, -32000, "Bad Request: Unsupported protocol version " + version);
      return;
    }
    if (method == null || id == null) {
      // A notification, or a response to a server request: accepted, nothing to answer.
      response.setStatusCode(202).end();
      return;
    }
    switch (method) {
      case "ping" -> answer(response, result(id, new JsonObject()));
      case "tools/list" -> answer(response, result(id, new JsonObject().put("tools", tools())));
      case "tools/call" -> call(request, response, id, session, message.getJsonObject("params", new JsonObject()));
      default -> answer(response, new JsonObject().put("jsonrpc", "2.0").put("id", id)
        .put("error", new JsonObject().put("code", -32601).put("message", "Method not found: " + method)));
    }
  }

  private void initialize(HttpServerResponse response, Object id, JsonObject params) {
    String asked = params.getString("protocolVersion");
    String version = VERSIONS.contains(asked) ? asked : VERSIONS.get(0);
    String session = UUID.randomUUID().toString().replace("-", "");
    sessions.add(session);
    synchronized (this) {
      initializations++;
    }
    response.putHeader(McpClient.SESSION_HEADER, session);
    answer(response, result(id, new JsonObject()
      .put("protocolVersion", version)
      .put("capabilities", new JsonObject().put("tools", new JsonObject().put("listChanged", false)))
      .put("serverInfo", new JsonObject().put("name", "session-buddy-stand-in").put("version", "0.1.0"))));
  }

  private void call(HttpServerRequest request, HttpServerResponse response, Object id, String session, JsonObject params) {
    String tool = params.getString("name");
    JsonObject arguments = params.getJsonObject("arguments", new JsonObject());
    boolean lose;
    String text;
    boolean isError = false;
    synchronized (this) {
      calls.add(new JsonObject().put("tool", tool).put("arguments", arguments.copy()).put("session", session));
      if (!TOOLS.containsKey(tool)) {
        answer(response, new JsonObject().put("jsonrpc", "2.0").put("id", id)
          .put("error", new JsonObject().put("code", -32602).put("message", "Unknown tool: " + tool)));
        return;
      }
      String invalid = validate(tool, arguments);
      if (invalid != null) {
        text = "Error executing tool " + tool + ": " + invalid;
        isError = true;
      } else if (failNext > 0) {
        failNext--;
        text = "❌ " + tool + " failed: simulated failure";
      } else {
        text = apply(tool, arguments);
        if (!text.startsWith("❌")) {
          answered++;
        }
      }
      lose = loseNext > 0 && invalid == null;
      if (lose) {
        loseNext--;
      }
    }
    if (lose) {
      request.connection().close();
      return;
    }
    answer(response, result(id, new JsonObject()
      .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", text)))
      .put("isError", isError)));
  }

  private static final Map<String, List<String>> TOOLS = Map.of(
    "create_entity", List.of("name:string", "entity_type:string", "observations?:array", "properties?:object"),
    "add_observation", List.of("entity_name:string", "observation:string"),
    "create_relation", List.of("from_entity:string", "to_entity:string", "relation_type:string", "properties?:object"),
    "search_entities", List.of("query:string", "entity_type?:string", "limit?:integer"),
    "get_entity_relationships", List.of("entity_name:string", "relation_type?:string", "direction?:string"),
    "get_knowledge_graph_stats", List.of());

  private static JsonArray tools() {
    JsonArray list = new JsonArray();
    TOOLS.forEach((name, params) -> {
      JsonObject properties = new JsonObject();
      JsonArray required = new JsonArray();
      for (String param : params) {
        String[] parts = param.split(":");
        boolean optional = parts[0].endsWith("?");
        String field = optional ? parts[0].substring(0, parts[0].length() - 1) : parts[0];
        properties.put(field, new JsonObject().put("type", parts[1]));
        if (!optional) {
          required.add(field);
        }
      }
      list.add(new JsonObject().put("name", name).put("inputSchema", new JsonObject()
        .put("type", "object").put("properties", properties).put("required", required)));
    });
    return list;
  }

  private static String validate(String tool, JsonObject arguments) {
    for (String param : TOOLS.get(tool)) {
      String[] parts = param.split(":");
      boolean optional = parts[0].endsWith("?");
      String field = optional ? parts[0].substring(0, parts[0].length() - 1) : parts[0];
      Object value = arguments.getValue(field);
      if (value == null) {
        if (!optional) {
          return "missing required argument '" + field + "'";
        }
        continue;
      }
      boolean ok = switch (parts[1]) {
        case "string" -> value instanceof String;
        case "array" -> value instanceof JsonArray array && array.stream().allMatch(String.class::isInstance);
        case "object" -> value instanceof JsonObject;
        case "integer" -> value instanceof Number;
        default -> false;
      };
      if (!ok) {
        return "argument '" + field + "' must be " + (parts[1].equals("array") ? "a list of strings" : "a " + parts[1]);
      }
    }
    for (String field : arguments.fieldNames()) {
      if (TOOLS.get(tool).stream().noneMatch(p -> p.startsWith(field + ":") || p.startsWith(field + "?:"))) {
        return "unexpected argument '" + field + "'";
      }
    }
    return null;
  }

  /** Applies a tool to the graph, with Session-Buddy's answers. Called holding the lock. */
  private String apply(String tool, JsonObject a) {
    switch (tool) {
      case "create_entity" -> {
        String name = a.getString("name");
        if (entities.containsKey(name)) {
          return "❌ Create entity failed: Entity with name '" + name + "' already exists";
        }
        JsonArray observations = a.getJsonArray("observations", new JsonArray());
        JsonObject properties = a.getJsonObject("properties", new JsonObject());
        entities.put(name, new JsonObject().put("name", name).put("entity_type", a.getString("entity_type"))
          .put("observations", observations.copy()).put("properties", properties.copy()));
        createdNanos.put(name, System.nanoTime());
        counts.merge(a.getString("entity_type"), 1, Integer::sum);
        StringBuilder text = new StringBuilder("✅ Entity '" + name + "' created successfully!\n📊 Type: "
          + a.getString("entity_type") + "\n🆔 ID: " + UUID.randomUUID());
        if (!observations.isEmpty()) {
          text.append("\n📝 Observations: ").append(observations.size());
        }
        if (!properties.isEmpty()) {
          text.append("\n⚙️ Properties: ").append(String.join(", ", properties.fieldNames()));
        }
        return text.toString();
      }
      case "add_observation" -> {
        JsonObject entity = entities.get(a.getString("entity_name"));
        if (entity == null) {
          return "❌ Entity '" + a.getString("entity_name") + "' not found";
        }
        entity.getJsonArray("observations").add(a.getString("observation"));
        return "✅ Observation added to '" + a.getString("entity_name") + "'\n📝 Observation: " + a.getString("observation");
      }
      case "create_relation" -> {
        String from = a.getString("from_entity");
        String to = a.getString("to_entity");
        if (!entities.containsKey(from) || !entities.containsKey(to)) {
          return "❌ One or both entities not found: " + from + ", " + to;
        }
        relations.add(new JsonObject().put("from_entity", from).put("to_entity", to)
          .put("relation_type", a.getString("relation_type"))
          .put("properties", a.getJsonObject("properties", new JsonObject()).copy()));
        return "✅ Relationship created: " + from + " --[" + a.getString("relation_type") + "]--> " + to
          + "\n🆔 Relation ID: " + UUID.randomUUID();
      }
      case "search_entities" -> {
        String query = a.getString("query").toLowerCase();
        String type = a.getString("entity_type");
        int limit = a.getInteger("limit", 10);
        List<JsonObject> found = entities.values().stream()
          .filter(e -> type == null || type.equals(e.getString("entity_type")))
          .filter(e -> e.getString("name").toLowerCase().contains(query) || e.getJsonArray("observations").stream()
            .anyMatch(o -> String.valueOf(o).toLowerCase().contains(query)))
          .limit(limit).toList();
        if (found.isEmpty()) {
          return "🔍 No entities found matching '" + a.getString("query") + "'";
        }
        StringBuilder text = new StringBuilder("🔍 Found " + found.size() + " entities matching '" + a.getString("query") + "':\n");
        for (JsonObject e : found) {
          text.append("\n📌 ").append(e.getString("name")).append(" (").append(e.getString("entity_type")).append(")");
        }
        return text.toString();
      }
      case "get_entity_relationships" -> {
        String name = a.getString("entity_name");
        String type = a.getString("relation_type");
        String direction = a.getString("direction", "both");
        List<JsonObject> found = relations.stream()
          .filter(r -> type == null || type.equals(r.getString("relation_type")))
          .filter(r -> switch (direction) {
            case "outgoing" -> name.equals(r.getString("from_entity"));
            case "incoming" -> name.equals(r.getString("to_entity"));
            default -> name.equals(r.getString("from_entity")) || name.equals(r.getString("to_entity"));
          }).toList();
        if (found.isEmpty()) {
          return "🔍 No relationships found for '" + name + "'";
        }
        StringBuilder text = new StringBuilder("🔗 Found " + found.size() + " relationships for '" + name + "':\n");
        for (JsonObject r : found) {
          boolean out = direction.equals("outgoing") || (direction.equals("both") && name.equals(r.getString("from_entity")));
          text.append("\n  ").append(r.getString("from_entity"))
            .append(out ? " --[" : " <--[").append(r.getString("relation_type"))
            .append(out ? "]--> " : "]-- ").append(r.getString("to_entity"));
        }
        return text.toString();
      }
      default -> {
        Map<String, Integer> types = new LinkedHashMap<>();
        entities.values().forEach(e -> types.merge(e.getString("entity_type"), 1, Integer::sum));
        Map<String, Integer> kinds = new LinkedHashMap<>();
        relations.forEach(r -> kinds.merge(r.getString("relation_type"), 1, Integer::sum));
        StringBuilder text = new StringBuilder("📊 Knowledge Graph Statistics\n\n📌 Total Entities: " + entities.size()
          + "\n🔗 Total Relationships: " + relations.size() + "\n");
        types.forEach((k, v) -> text.append("\n   • ").append(k).append(": ").append(v));
        kinds.forEach((k, v) -> text.append("\n   • ").append(k).append(": ").append(v));
        return text.toString();
      }
    }
  }

  private static JsonObject result(Object id, JsonObject result) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("result", result);
  }

  private void error(HttpServerResponse response, int status, Object id, int code, String message) {
    response.setStatusCode(status).putHeader("Content-Type", "application/json").end(new JsonObject()
      .put("jsonrpc", "2.0").put("id", id)
      .put("error", new JsonObject().put("code", code).put("message", message)).toBuffer());
  }

  private void answer(HttpServerResponse response, JsonObject message) {
    boolean sse;
    synchronized (this) {
      sse = mode == Mode.SSE || (mode == Mode.ALTERNATE && responses % 2 == 1);
      responses++;
    }
    if (!sse) {
      response.setStatusCode(200).putHeader("Content-Type", "application/json").end(message.toBuffer());
      return;
    }
    // A comment, a log notification before the answer, then the answer split over two data lines.
    JsonObject log = new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/message")
      .put("params", new JsonObject().put("level", "debug").put("data", "handling request"));
    String encoded = message.encodePrettily();
    int cut = encoded.indexOf('\n');
    StringBuilder stream = new StringBuilder(": stand-in stream\n\n")
      .append("event: message\nid: 1\ndata: ").append(log.encode()).append("\n\n")
      .append("event: message\nid: 2\ndata: ").append(encoded, 0, cut).append("\r\ndata: ")
      .append(encoded.substring(cut + 1).replace("\n", " ")).append("\n\n");
    response.setStatusCode(200).putHeader("Content-Type", "text/event-stream").putHeader("Cache-Control", "no-cache")
      .end(stream.toString());
  }
}
