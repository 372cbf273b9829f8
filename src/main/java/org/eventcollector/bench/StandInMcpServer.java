package org.eventcollector.bench;

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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A stand-in for Session-Buddy, NOT Session-Buddy: a small MCP server over the Streamable HTTP
 * transport (MCP 2025-06-18) offering Session-Buddy's knowledge-graph tools with their signatures
 * and text answers ({@link StandInGraph}, read from {@code lesleslie/session-buddy} at revision
 * a2e4633e83e3c536d1bf2c7aa8d3cacf1494ec97), for the tests and the {@code mirror} benchmark. It
 * belongs to the benchmark, not to the collector.
 * <p>
 * Transport: {@code POST /mcp} takes one JSON-RPC message; {@code initialize} opens a session
 * ({@code Mcp-Session-Id}); later messages without a session get 400, with an unknown one 404 (or
 * 400, as Python MCP servers answered before python-sdk #1808; see {@link #unknownSessionStatus});
 * notifications get 202; requests are answered as {@code application/json} or as a
 * {@code text/event-stream} (see {@link Mode}); {@code DELETE /mcp} ends a session; {@code GET}
 * is 405 (no server-initiated stream). {@code tools/list} follows the tool profile
 * ({@link Profile}): Session-Buddy registers its knowledge-graph tools only in {@code standard}
 * and {@code full}. A tool it does not offer answers {@code isError: true}.
 * <p>
 * It also misbehaves on request: failing calls, expiring sessions, losing answers after applying a
 * call, answering late, or being down.
 */
public final class StandInMcpServer {

  /** How requests are answered. */
  public enum Mode { JSON, SSE, ALTERNATE }

  /**
   * Session-Buddy's tool profiles ({@code SESSION_BUDDY_TOOL_PROFILE}, default {@code full}): the
   * knowledge-graph tools are in {@code standard} and {@code full}, not in {@code minimal}.
   */
  public enum Profile { MINIMAL, STANDARD, FULL }

  static final String SESSION_HEADER = "Mcp-Session-Id";
  static final String VERSION_HEADER = "MCP-Protocol-Version";
  private static final List<String> VERSIONS = List.of("2025-06-18", "2025-03-26", "2024-11-05");

  private final Vertx vertx;
  private HttpServer server;
  private int port;
  private volatile Mode mode = Mode.JSON;
  private volatile Profile profile = Profile.FULL;
  private volatile int unknownSession = 404;
  private final Set<String> sessions = ConcurrentHashMap.newKeySet();
  private final StandInGraph graph = new StandInGraph();
  private final List<JsonObject> calls = new ArrayList<>();
  private int initializations;
  private int failNext;
  private int loseNext;
  private int delayNext;
  private long delayMs;
  private String delayTool;
  private final Map<String, Integer> requests = new java.util.HashMap<>();
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

  /**
   * The next {@code n} calls of {@code tool} (null: of any tool) are applied at once and answered
   * {@code ms} later (a slow server, or one whose answer arrives after the client gave up).
   */
  public synchronized void delayNextAnswers(String tool, int n, long ms) {
    delayTool = tool;
    delayNext = n;
    delayMs = ms;
  }

  /** How many requests (JSON-RPC messages with an id) of {@code method} were received in a session. */
  public synchronized int requests(String method) {
    return requests.getOrDefault(method, 0);
  }

  /** Forgets every session: the next request of a client gets 404 (or what {@link #unknownSessionStatus} says). */
  public void expireSessions() {
    sessions.clear();
  }

  /** The status answered for an unknown session: 404 (the default, Python SDK since #1808) or 400 (before). */
  public StandInMcpServer unknownSessionStatus(int status) {
    this.unknownSession = status;
    return this;
  }

  /**
   * Serves with this tool profile from now on, as Session-Buddy restarted with
   * {@code SESSION_BUDDY_TOOL_PROFILE} set to it would: the sessions are forgotten, the graph kept.
   */
  public StandInMcpServer profile(Profile profile) {
    this.profile = profile;
    sessions.clear();
    return this;
  }

  public synchronized int initializations() {
    return initializations;
  }

  /** Every {@code tools/call} received, in order: {@code {"tool", "arguments", "session"}}. */
  public synchronized List<JsonObject> calls() {
    return calls.stream().map(JsonObject::copy).toList();
  }

  /**
   * The entities, in creation order: name to {@code {"id", "name", "entity_type", "observations",
   * "properties"}}.
   */
  public synchronized Map<String, JsonObject> entities() {
    return graph.entities();
  }

  /**
   * The relations, in creation order, with their ends by name (Session-Buddy stores and lists their
   * ids): {@code {"id", "from_entity", "to_entity", "relation_type", "properties"}}.
   */
  public synchronized List<JsonObject> relations() {
    return graph.relations();
  }

  /** How many entities of this type exist. */
  public synchronized int count(String entityType) {
    return graph.count(entityType);
  }

  /** {@link System#nanoTime()} when the entity was created, or null. */
  public synchronized Long createdNanos(String name) {
    return graph.createdNanos(name);
  }

  /** How many tool calls of {@code tool} were received. */
  public synchronized long callsOf(String tool) {
    return calls.stream().filter(c -> tool.equals(c.getString("tool"))).count();
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
      String session = request.getHeader(SESSION_HEADER);
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
    String session = request.getHeader(SESSION_HEADER);
    if (session == null) {
      error(response, 400, id, -32000, "Bad Request: Missing session ID");
      return;
    }
    if (!sessions.contains(session)) {
      if (unknownSession == 400) {
        error(response, 400, id, -32600, "Bad Request: No valid session ID provided");
      } else {
        error(response, 404, id, -32600, "Session not found");
      }
      return;
    }
    String version = request.getHeader(VERSION_HEADER);
    if (version != null && !VERSIONS.contains(version)) {
      error(response, 400, id, -32000, "Bad Request: Unsupported protocol version " + version);
      return;
    }
    if (method == null || id == null) {
      // A notification, or a response to a server request: accepted, nothing to answer.
      response.setStatusCode(202).end();
      return;
    }
    synchronized (this) {
      requests.merge(method, 1, Integer::sum);
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
    response.putHeader(SESSION_HEADER, session);
    answer(response, result(id, new JsonObject()
      .put("protocolVersion", version)
      .put("capabilities", new JsonObject().put("tools", new JsonObject().put("listChanged", false)))
      .put("serverInfo", new JsonObject().put("name", "session-buddy-stand-in").put("version", "0.2.0"))));
  }

  private void call(HttpServerRequest request, HttpServerResponse response, Object id, String session, JsonObject params) {
    String tool = params.getString("name");
    JsonObject arguments = params.getJsonObject("arguments", new JsonObject());
    boolean lose;
    long delay;
    String text;
    boolean isError = false;
    synchronized (this) {
      calls.add(new JsonObject().put("tool", tool).put("arguments", arguments.copy()).put("session", session));
      StandInGraph.Tool known = offered(tool) ? StandInGraph.tool(tool) : null;
      String invalid = known == null ? null : validate(known, arguments);
      if (known == null) {
        text = "Unknown tool: " + tool;
        isError = true;
      } else if (invalid != null) {
        text = "Error calling tool '" + tool + "': " + invalid;
        isError = true;
      } else if (failNext > 0) {
        failNext--;
        text = "❌ " + tool + " failed: simulated failure";
      } else {
        text = graph.apply(tool, arguments);
        if (!text.startsWith("❌")) {
          answered++;
        }
      }
      boolean applied = known != null && invalid == null;
      lose = loseNext > 0 && applied;
      if (lose) {
        loseNext--;
      }
      delay = !lose && delayNext > 0 && applied && (delayTool == null || delayTool.equals(tool)) ? delayMs : 0;
      if (delay > 0) {
        delayNext--;
      }
    }
    if (lose) {
      request.connection().close();
      return;
    }
    JsonObject answer = result(id, new JsonObject()
      .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", text)))
      .put("isError", isError));
    if (delay > 0) {
      vertx.setTimer(delay, t -> {
        if (!response.closed()) {
          answer(response, answer);
        }
      });
    } else {
      answer(response, answer);
    }
  }

  private boolean offered(String tool) {
    return profile != Profile.MINIMAL && StandInGraph.tool(tool) != null;
  }

  /** The tools of the current profile, with their input schemas. */
  private JsonArray tools() {
    JsonArray list = new JsonArray();
    if (profile == Profile.MINIMAL) {
      return list;
    }
    for (StandInGraph.Tool tool : StandInGraph.TOOLS) {
      JsonObject properties = new JsonObject();
      JsonArray required = new JsonArray();
      for (String param : tool.params()) {
        String[] parts = param.split(":");
        boolean optional = parts[0].endsWith("?");
        String field = optional ? parts[0].substring(0, parts[0].length() - 1) : parts[0];
        JsonObject schema = switch (parts[1]) {
          case "strings" -> new JsonObject().put("type", "array").put("items", new JsonObject().put("type", "string"));
          case "objects" -> new JsonObject().put("type", "array").put("items", new JsonObject().put("type", "object"));
          default -> new JsonObject().put("type", parts[1]);
        };
        properties.put(field, schema);
        if (!optional) {
          required.add(field);
        }
      }
      list.add(new JsonObject().put("name", tool.name()).put("inputSchema", new JsonObject()
        .put("type", "object").put("properties", properties).put("required", required)));
    }
    return list;
  }

  private static String validate(StandInGraph.Tool tool, JsonObject arguments) {
    for (String param : tool.params()) {
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
        case "strings" -> value instanceof JsonArray array && array.stream().allMatch(String.class::isInstance);
        case "objects" -> value instanceof JsonArray array && array.stream().allMatch(JsonObject.class::isInstance);
        case "object" -> value instanceof JsonObject;
        case "integer" -> value instanceof Number;
        default -> false;
      };
      if (!ok) {
        return "argument '" + field + "' must be " + switch (parts[1]) {
          case "strings" -> "a list of strings";
          case "objects" -> "a list of objects";
          default -> "a " + parts[1];
        };
      }
    }
    for (String field : arguments.fieldNames()) {
      if (tool.params().stream().noneMatch(p -> p.startsWith(field + ":") || p.startsWith(field + "?:"))) {
        return "unexpected argument '" + field + "'";
      }
    }
    return null;
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
