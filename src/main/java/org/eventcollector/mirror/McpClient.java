package org.eventcollector.mirror;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.ext.web.codec.BodyCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * An MCP client over the Streamable HTTP transport (MCP 2025-06-18, also speaking 2025-03-26 and
 * 2024-11-05 servers): JSON-RPC 2.0 messages POSTed to one endpoint, answers as
 * {@code application/json} or as a {@code text/event-stream}. It initialises a session on first use
 * ({@code initialize}, then {@code notifications/initialized}), sends {@code Mcp-Session-Id} and
 * {@code MCP-Protocol-Version} on every later request, and starts a new session when the server
 * answers 404 for the old one (or 400, as Python MCP servers did before they answered 404). Given
 * tools it cannot do without, it lists the server's tools ({@code tools/list}) at every
 * (re)initialisation and fails every call while one of them is missing, checking again at the
 * next call. Every call has a deadline. Use it from one Vert.x context.
 */
public final class McpClient {

  /** Protocol versions this client speaks, newest first; the first is offered. */
  public static final List<String> SUPPORTED_VERSIONS = List.of("2025-06-18", "2025-03-26", "2024-11-05");
  static final String SESSION_HEADER = "Mcp-Session-Id";
  static final String VERSION_HEADER = "MCP-Protocol-Version";
  private static final int MAX_BODY = 16 * 1024 * 1024;
  /** Bounds the pages of one {@code tools/list}. */
  private static final int MAX_TOOL_PAGES = 50;
  private static final Logger LOG = LoggerFactory.getLogger(McpClient.class);

  private final Vertx vertx;
  private final String url;
  private final long timeoutMs;
  private final WebClient web;
  private final List<String> requiredTools;
  private long nextId = 1;
  private Future<Void> session;
  /** True once {@code initialize} succeeded, until the session is dropped. */
  private boolean opened;
  private String sessionId;
  private Set<String> tools = Set.of();
  private List<String> missingTools = List.of();
  private String protocolVersion;
  private JsonObject serverInfo = new JsonObject();

  /**
   * @param url the MCP endpoint, e.g. {@code http://localhost:8678/mcp}
   * @param timeoutMs the deadline of one HTTP exchange
   */
  public McpClient(Vertx vertx, String url, long timeoutMs) {
    this(vertx, url, timeoutMs, List.of());
  }

  /**
   * @param requiredTools tools the server must offer: checked with {@code tools/list} after every
   *   {@code initialize}; while one is missing every call fails with {@link McpException.Kind#TOOLS_MISSING}
   */
  public McpClient(Vertx vertx, String url, long timeoutMs, List<String> requiredTools) {
    this.vertx = vertx;
    this.url = url;
    this.timeoutMs = timeoutMs;
    this.requiredTools = List.copyOf(requiredTools);
    this.web = WebClient.create(vertx, new WebClientOptions()
      .setKeepAlive(true)
      .setTcpNoDelay(true)
      .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs))
      .setUserAgent("event-collector"), new io.vertx.core.http.PoolOptions().setHttp1MaxSize(8));
  }

  public String url() {
    return url;
  }

  /** The session id the server gave, or null (none yet, or a server without sessions). */
  public String sessionId() {
    return sessionId;
  }

  /** The negotiated protocol version, or null before the first session. */
  public String protocolVersion() {
    return protocolVersion;
  }

  public JsonObject serverInfo() {
    return serverInfo;
  }

  /** The tool names the server listed at the last check (empty when no tools are required). */
  public Set<String> tools() {
    return tools;
  }

  /** The required tools the last {@code tools/list} did not offer (empty when all were there). */
  public List<String> missingTools() {
    return missingTools;
  }

  /**
   * Calls a tool. Succeeds with the text of its result; fails with an {@link McpException} when
   * the server is unreachable, answers with a JSON-RPC error, sets {@code isError}, or its text
   * begins with "❌".
   */
  public Future<String> callTool(String name, JsonObject arguments) {
    JsonObject params = new JsonObject().put("name", name).put("arguments", arguments);
    return request("tools/call", params).compose(McpClient::toolText);
  }

  /** MCP {@code ping}: succeeds when the server answers. */
  public Future<Void> ping() {
    return request("ping", new JsonObject()).mapEmpty();
  }

  /**
   * Sends a request in the current session (initialising one first), once more in a new session
   * when the server no longer knows the session (404, or 400 from older servers).
   */
  public Future<JsonObject> request(String method, JsonObject params) {
    return ensureSession().compose(v -> exchange(method, params)).recover(e -> {
      if (e instanceof McpException mcp && mcp.kind() == McpException.Kind.SESSION_EXPIRED) {
        // The first answer naming the current session dropped it; every call waits for the one new session.
        return ensureSession().compose(v -> exchange(method, params));
      }
      return Future.failedFuture(e);
    });
  }

  /** Forgets the session, so the next call initialises a new one. */
  public void dropSession() {
    session = null;
    sessionId = null;
    opened = false;
  }

  /** Ends the session on the server (best effort) and closes the HTTP client. */
  public Future<Void> close() {
    Future<?> deleted = Future.succeededFuture();
    if (sessionId != null) {
      deleted = web.deleteAbs(url).putHeader(SESSION_HEADER, sessionId).timeout(Math.min(timeoutMs, 2_000)).send()
        .otherwiseEmpty();
    }
    return deleted.eventually(() -> {
      web.close();
      return Future.succeededFuture();
    }).mapEmpty();
  }

  private Future<Void> ensureSession() {
    if (session == null) {
      // After a failed tool check the session stays open and only the check is repeated.
      Future<Void> starting = (opened ? Future.<Void>succeededFuture() : initialize()).compose(v -> checkTools());
      session = starting;
      starting.onFailure(e -> {
        if (session == starting) {
          session = null;
        }
      });
    }
    return session;
  }

  private Future<Void> initialize() {
    sessionId = null;
    opened = false;
    long id = nextId++;
    JsonObject message = rpc(id, "initialize", new JsonObject()
      .put("protocolVersion", SUPPORTED_VERSIONS.get(0))
      .put("capabilities", new JsonObject())
      .put("clientInfo", new JsonObject().put("name", "event-collector").put("version", "0.1.0")));
    return post(message, id, false).compose(answer -> {
      JsonObject response = answer.message();
      if (response.containsKey("error")) {
        return Future.failedFuture(rpcError(response));
      }
      JsonObject result = response.getJsonObject("result", new JsonObject());
      String version = result.getString("protocolVersion");
      if (!SUPPORTED_VERSIONS.contains(version)) {
        return Future.failedFuture(new McpException(McpException.Kind.PROTOCOL,
          "server at " + url + " speaks MCP protocol version " + version + ", this client " + SUPPORTED_VERSIONS));
      }
      protocolVersion = version;
      sessionId = answer.response().getHeader(SESSION_HEADER);
      serverInfo = result.getJsonObject("serverInfo", new JsonObject());
      JsonObject initialized = new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/initialized");
      return post(initialized, null, false).<Void>mapEmpty();
    }).onSuccess(v -> {
      opened = true;
      LOG.info("MCP session {} open at {} (protocol {}, server {})", sessionId, url, protocolVersion,
        serverInfo.getString("name"));
    });
  }

  /** Lists the server's tools and fails with {@link McpException.Kind#TOOLS_MISSING} when a required one is absent. */
  private Future<Void> checkTools() {
    if (requiredTools.isEmpty()) {
      return Future.succeededFuture();
    }
    return listTools(null, new LinkedHashSet<>(), 0).compose(offered -> {
      tools = Set.copyOf(offered);
      List<String> missing = new ArrayList<>();
      for (String tool : requiredTools) {
        if (!offered.contains(tool)) {
          missing.add(tool);
        }
      }
      missingTools = List.copyOf(missing);
      if (missing.isEmpty()) {
        return Future.succeededFuture();
      }
      return Future.failedFuture(new McpException(McpException.Kind.TOOLS_MISSING, "MCP server at " + url
        + " does not offer the tools " + String.join(", ", missing) + " (it lists " + offered.size() + " tools)"));
    });
  }

  private Future<Set<String>> listTools(String cursor, Set<String> names, int pages) {
    JsonObject params = cursor == null ? new JsonObject() : new JsonObject().put("cursor", cursor);
    return exchange("tools/list", params).compose(response -> {
      if (response.containsKey("error")) {
        return Future.failedFuture(rpcError(response));
      }
      JsonObject result = response.getJsonObject("result", new JsonObject());
      for (Object tool : result.getJsonArray("tools", new JsonArray())) {
        if (tool instanceof JsonObject t && t.getString("name") != null) {
          names.add(t.getString("name"));
        }
      }
      String next = result.getString("nextCursor");
      return next == null || next.isEmpty() || pages + 1 >= MAX_TOOL_PAGES
        ? Future.succeededFuture(names) : listTools(next, names, pages + 1);
    });
  }

  private Future<JsonObject> exchange(String method, JsonObject params) {
    long id = nextId++;
    return post(rpc(id, method, params), id, true).map(Answer::message);
  }

  private static JsonObject rpc(long id, String method, JsonObject params) {
    return new JsonObject().put("jsonrpc", "2.0").put("id", id).put("method", method).put("params", params);
  }

  private record Answer(JsonObject message, HttpResponse<Void> response) {
  }

  /**
   * POSTs one message. For a request ({@code id} not null) the answer is the JSON-RPC response with
   * that id, read from a JSON body or from the event stream; with {@code early}, a stream is not
   * read to its end once the response arrived.
   */
  private Future<Answer> post(JsonObject message, Long id, boolean early) {
    Body body = new Body(id);
    HttpRequest<Void> request = web.postAbs(url)
      .putHeader("Content-Type", "application/json")
      .putHeader("Accept", "application/json, text/event-stream")
      .timeout(timeoutMs)
      .as(BodyCodec.pipe(body));
    String sentSession = sessionId;
    if (sentSession != null) {
      request.putHeader(SESSION_HEADER, sentSession);
    }
    if (protocolVersion != null) {
      request.putHeader(VERSION_HEADER, protocolVersion);
    }
    Promise<Answer> result = Promise.promise();
    long timer = vertx.setTimer(timeoutMs + 500, t -> result.tryFail(new McpException(McpException.Kind.UNREACHABLE,
      "no answer from " + url + " within " + timeoutMs + " ms")));
    if (early) {
      body.answered.future().onSuccess(answer -> result.tryComplete(new Answer(answer, null)));
    }
    request.sendBuffer(message.toBuffer()).onComplete(ar -> {
      if (ar.failed()) {
        result.tryFail(new McpException(McpException.Kind.UNREACHABLE,
          "cannot reach " + url + ": " + ar.cause().getMessage(), ar.cause()));
        return;
      }
      HttpResponse<Void> response = ar.result();
      int status = response.statusCode();
      if ((status == 404 || status == 400) && sentSession != null) {
        // 404 since the Python SDK fixed it (python-sdk #1808), 400 before; other servers may do either.
        if (sentSession.equals(sessionId)) {
          LOG.info("MCP session {} at {} expired (HTTP {}); starting a new one", sentSession, url, status);
          dropSession();
        }
        result.tryFail(new McpException(McpException.Kind.SESSION_EXPIRED, "HTTP " + status + " for session "
          + sentSession + " at " + url + excerpt(body)));
      } else if (id == null) {
        if (status == 202 || status == 200 || status == 204) {
          result.tryComplete(new Answer(null, response));
        } else {
          result.tryFail(httpError(status, body));
        }
      } else if (status != 200) {
        result.tryFail(httpError(status, body));
      } else {
        try {
          result.tryComplete(new Answer(body.response(response.getHeader("Content-Type")), response));
        } catch (McpException e) {
          result.tryFail(e);
        }
      }
    });
    return result.future().onComplete(ar -> vertx.cancelTimer(timer));
  }

  private McpException httpError(int status, Body body) {
    return new McpException(McpException.Kind.PROTOCOL, "HTTP " + status + " from " + url + excerpt(body));
  }

  private static String excerpt(Body body) {
    String text = body.text();
    return text.isBlank() ? "" : ": " + (text.length() > 200 ? text.substring(0, 200) + "…" : text.strip());
  }

  private static McpException rpcError(JsonObject response) {
    Object error = response.getValue("error");
    if (error instanceof JsonObject e) {
      return new McpException(McpException.Kind.RPC_ERROR, "JSON-RPC error " + e.getValue("code") + ": " + e.getString("message"));
    }
    return new McpException(McpException.Kind.RPC_ERROR, "JSON-RPC error " + error);
  }

  /** The text of a {@code tools/call} answer, or a failure as the contract defines it. */
  static Future<String> toolText(JsonObject response) {
    if (response.containsKey("error")) {
      return Future.failedFuture(rpcError(response));
    }
    Object value = response.getValue("result");
    if (!(value instanceof JsonObject result)) {
      return Future.failedFuture(new McpException(McpException.Kind.PROTOCOL, "tools/call answer without result"));
    }
    StringBuilder text = new StringBuilder();
    JsonArray content = result.getJsonArray("content", new JsonArray());
    for (Object item : content) {
      if (item instanceof JsonObject part && "text".equals(part.getString("type"))) {
        if (!text.isEmpty()) {
          text.append('\n');
        }
        text.append(part.getString("text", ""));
      }
    }
    String answer = text.toString();
    if (Boolean.TRUE.equals(result.getBoolean("isError")) || answer.stripLeading().startsWith("❌")) {
      return Future.failedFuture(new McpException(McpException.Kind.TOOL_FAILED, answer.isBlank() ? "tool failed" : answer));
    }
    return Future.succeededFuture(answer);
  }

  /** Collects a response body; reads an event stream as it arrives, watching for the response {@code id}. */
  private static final class Body implements WriteStream<Buffer> {

    private final Long id;
    private final Buffer bytes = Buffer.buffer();
    private final SseParser sse = new SseParser();
    final Promise<JsonObject> answered = Promise.promise();
    private Boolean stream;
    private boolean overflow;

    Body(Long id) {
      this.id = id;
    }

    @Override
    public Future<Void> write(Buffer data) {
      if (bytes.length() + data.length() > MAX_BODY) {
        overflow = true;
        return Future.failedFuture("MCP answer larger than " + MAX_BODY + " bytes");
      }
      if (stream == null) {
        String start = data.toString().stripLeading();
        if (!start.isEmpty()) {
          stream = !start.startsWith("{") && !start.startsWith("[");
        }
      }
      bytes.appendBuffer(data);
      if (Boolean.TRUE.equals(stream) && id != null && !answered.future().isComplete()) {
        for (String event : sse.feed(data.getBytes())) {
          JsonObject message = parse(event);
          if (message != null && matches(message)) {
            answered.tryComplete(message);
          }
        }
      }
      return Future.succeededFuture();
    }

    private boolean matches(JsonObject message) {
      Object got = message.getValue("id");
      return got instanceof Number n && n.longValue() == id
        && (message.containsKey("result") || message.containsKey("error"));
    }

    private static JsonObject parse(String text) {
      try {
        Object value = io.vertx.core.json.Json.decodeValue(text);
        return value instanceof JsonObject object ? object : null;
      } catch (DecodeException e) {
        return null;
      }
    }

    String text() {
      return bytes.toString();
    }

    JsonObject response(String contentType) {
      if (overflow) {
        throw new McpException(McpException.Kind.PROTOCOL, "answer larger than " + MAX_BODY + " bytes");
      }
      String type = contentType == null ? "" : contentType.toLowerCase();
      if (type.startsWith("text/event-stream")) {
        if (answered.future().isComplete()) {
          return answered.future().result();
        }
        throw new McpException(McpException.Kind.PROTOCOL, "event stream ended without the response to request " + id);
      }
      if (!type.startsWith("application/json")) {
        throw new McpException(McpException.Kind.PROTOCOL, "unexpected Content-Type '" + contentType + "'");
      }
      JsonObject message = parse(text());
      if (message == null || !matches(message)) {
        throw new McpException(McpException.Kind.PROTOCOL, "answer is not the JSON-RPC response to request " + id);
      }
      return message;
    }

    @Override
    public Future<Void> end() {
      return Future.succeededFuture();
    }

    @Override
    public WriteStream<Buffer> exceptionHandler(io.vertx.core.Handler<Throwable> handler) {
      return this;
    }

    @Override
    public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
      return this;
    }

    @Override
    public boolean writeQueueFull() {
      return false;
    }

    @Override
    public WriteStream<Buffer> drainHandler(io.vertx.core.Handler<Void> handler) {
      return this;
    }
  }
}
