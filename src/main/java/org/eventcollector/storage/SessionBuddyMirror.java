package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.metrics.CollectorMetrics;
import org.eventcollector.mirror.GraphMapping;
import org.eventcollector.mirror.GraphMapping.Step;
import org.eventcollector.mirror.McpClient;
import org.eventcollector.mirror.McpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Drains the outbox into Session-Buddy, one event at a time in commit order, through the MCP
 * tools of {@link GraphMapping}. A failed call is retried after a back-off that doubles up to 10 s;
 * nothing is skipped. Each call is made once: steps of an event that succeeded are not repeated,
 * and a call whose outcome is unknown (no answer, or work begun before a restart) is checked
 * first: an entity that "already exists" counts as made, a relation is looked up with
 * {@code get_entity_relationships} before it is created again. Progress is written to SQLite at
 * the end of each page of events (a checkpoint), with a mark of how far work may have begun.
 */
final class SessionBuddyMirror {

  static final long MAX_BACKOFF_MS = 10_000;
  static final int PAGE = 256;
  private static final long IDLE_PING_MS = 5_000;
  private static final Logger LOG = LoggerFactory.getLogger(SessionBuddyMirror.class);

  private final Vertx vertx;
  private final MirrorOutbox outbox;
  private final McpClient client;
  private final CollectorMetrics metrics;
  private final long firstBackoffMs;

  private final ArrayDeque<MirrorOutbox.Entry> page = new ArrayDeque<>();
  /** Graph entities known to exist for the current page: name to last event id ("" for none). */
  private final Map<String, String> graph = new HashMap<>();
  /** Entities made or moved since the last checkpoint. */
  private final Map<String, String> changed = new HashMap<>();
  private long mirroredSeq;
  private long checkpointedSeq;
  private long startedMark;
  private long carefulUntil;
  private int sinceCheckpoint;

  private List<Step> steps;
  private int stepIndex;
  private int uncertainStep = -1;

  private boolean working;
  private boolean wakeUp;
  private long retryTimer = -1;
  private long pingTimer = -1;
  private long backoffMs;
  private boolean stopped;

  private Boolean reachable;
  private boolean lastCallOk = true;
  private long failures;
  private long mirrored;
  private long lastContact;
  private String lastError;

  /** The mirror of a {@code session_buddy} store, or null for any other backend. */
  static SessionBuddyMirror create(Vertx vertx, JsonObject conf, EventStore store, CollectorMetrics metrics) {
    if (!"session_buddy".equals(Config.string(conf, ConfigKeys.Storage.BACKEND, "sqlite"))
      || !(store instanceof SqliteEventStore sqlite)) {
      return null;
    }
    McpClient client = new McpClient(vertx, Config.string(conf, ConfigKeys.Storage.SESSION_BUDDY_URL, "http://localhost:8678/mcp"),
      Config.integer(conf, ConfigKeys.Storage.SESSION_BUDDY_TIMEOUT_MS, 10_000));
    return new SessionBuddyMirror(vertx, new MirrorOutbox(sqlite), client, metrics,
      Config.integer(conf, ConfigKeys.Storage.SESSION_BUDDY_RETRY_MS, 100));
  }

  SessionBuddyMirror(Vertx vertx, MirrorOutbox outbox, McpClient client, CollectorMetrics metrics, long firstBackoffMs) {
    this.vertx = vertx;
    this.outbox = outbox;
    this.client = client;
    this.metrics = metrics;
    this.firstBackoffMs = Math.max(1, Math.min(firstBackoffMs, MAX_BACKOFF_MS));
    this.backoffMs = this.firstBackoffMs;
    outbox.onCommit(this::wake);
  }

  /** Loads the progress left by an earlier run and starts draining. Call after the store is open. */
  Future<Void> start() {
    return outbox.load().map(started -> {
      startedMark = started;
      carefulUntil = started;
      if (outbox.rows() > 0) {
        LOG.info("Session-Buddy outbox holds {} events; resuming the mirror to {}", outbox.rows(), client.url());
      }
      pingTimer = vertx.setPeriodic(IDLE_PING_MS, t -> pingWhenIdle());
      publishMetrics();
      wake();
      if (outbox.rows() == 0) {
        ping();
      }
      return null;
    });
  }

  private void wake() {
    wakeUp = true;
    if (!working && retryTimer < 0 && !stopped) {
      run();
    }
  }

  private void run() {
    working = true;
    wakeUp = false;
    Future<Boolean> work = page.isEmpty() ? nextPage() : mirrorHead();
    work.onComplete(ar -> {
      working = false;
      publishMetrics();
      if (stopped) {
        return;
      }
      if (ar.failed()) {
        retryLater(ar.cause());
      } else if (ar.result() || wakeUp) {
        run();
      }
    });
  }

  /** Checkpoints, then reads the next page; false when the outbox holds nothing more. */
  private Future<Boolean> nextPage() {
    return outbox.page(mirroredSeq, PAGE).compose(entries -> {
      long mark = entries.isEmpty() ? startedMark : Math.max(startedMark, entries.get(entries.size() - 1).seq());
      Future<Void> saved = mirroredSeq > checkpointedSeq || mark > startedMark || !changed.isEmpty()
        ? checkpoint(mark) : Future.succeededFuture();
      if (entries.isEmpty()) {
        return saved.map(false);
      }
      Set<String> names = new HashSet<>();
      for (MirrorOutbox.Entry entry : entries) {
        names.add(GraphMapping.systemName(entry.event().getString("source_system")));
        String correlation = entry.event().getString("correlation_id");
        if (correlation != null) {
          names.add(GraphMapping.correlationName(correlation));
        }
      }
      return saved.compose(v -> outbox.graph(names)).map(known -> {
        graph.clear();
        graph.putAll(known);
        page.addAll(entries);
        return true;
      });
    });
  }

  private Future<Void> checkpoint(long mark) {
    long done = mirroredSeq;
    Map<String, String> moved = new HashMap<>(changed);
    return outbox.checkpoint(done, moved, mark).onSuccess(v -> {
      checkpointedSeq = done;
      startedMark = mark;
      sinceCheckpoint = 0;
      moved.forEach((name, last) -> {
        if (last.equals(changed.get(name))) {
          changed.remove(name);
        }
      });
    });
  }

  /** Mirrors the first event of the page; true when done. */
  private Future<Boolean> mirrorHead() {
    MirrorOutbox.Entry entry = page.peek();
    JsonObject event = entry.event();
    if (steps == null) {
      String system = GraphMapping.systemName(event.getString("source_system"));
      String correlation = event.getString("correlation_id");
      String correlationName = correlation == null ? null : GraphMapping.correlationName(correlation);
      String previous = correlationName == null ? null : graph.get(correlationName);
      steps = GraphMapping.steps(event, graph.containsKey(system), correlationName != null && graph.containsKey(correlationName),
        previous == null || previous.isEmpty() ? null : previous);
      stepIndex = 0;
      uncertainStep = -1;
    }
    return runSteps(entry.seq() <= carefulUntil).map(v -> {
      finish(entry);
      return true;
    });
  }

  private Future<Void> runSteps(boolean careful) {
    if (stepIndex >= steps.size()) {
      return Future.succeededFuture();
    }
    Step step = steps.get(stepIndex);
    return execute(step, careful || stepIndex == uncertainStep).compose(v -> {
      stepIndex++;
      return runSteps(careful);
    }, e -> {
      uncertainStep = stepIndex;
      return Future.failedFuture(e);
    });
  }

  private Future<Void> execute(Step step, boolean careful) {
    JsonObject args = step.arguments();
    if (step.isRelation() && careful) {
      String from = args.getString("from_entity");
      String to = args.getString("to_entity");
      String type = args.getString("relation_type");
      return call("get_entity_relationships", new JsonObject().put("entity_name", from).put("relation_type", type)
          .put("direction", "outgoing"))
        .compose(text -> GraphMapping.listsRelation(text, from, to, type)
          ? Future.succeededFuture() : call(step.tool(), args).mapEmpty());
    }
    return call(step.tool(), args).mapEmpty();
  }

  /** A tool call; a {@code create_entity} that finds its entity made already (by an earlier try) succeeds. */
  private Future<String> call(String tool, JsonObject arguments) {
    Future<String> done = client.callTool(tool, arguments);
    if (GraphMapping.CREATE_ENTITY.equals(tool)) {
      done = done.recover(e -> e instanceof McpException m && m.kind() == McpException.Kind.TOOL_FAILED
        && GraphMapping.alreadyExists(m.getMessage()) ? Future.succeededFuture(m.getMessage()) : Future.failedFuture(e));
    }
    return done.onComplete(ar -> contact(ar.cause()));
  }

  private void contact(Throwable error) {
    lastContact = System.currentTimeMillis();
    if (error == null) {
      reachable = true;
      lastCallOk = true;
      return;
    }
    failures++;
    metrics.mirrorFailure();
    reachable = !(error instanceof McpException mcp) || mcp.reached();
    lastCallOk = false;
    lastError = error.getMessage();
  }

  private void finish(MirrorOutbox.Entry entry) {
    JsonObject event = entry.event();
    String system = GraphMapping.systemName(event.getString("source_system"));
    if (!graph.containsKey(system)) {
      graph.put(system, "");
      changed.put(system, "");
    }
    String correlation = event.getString("correlation_id");
    if (correlation != null) {
      String name = GraphMapping.correlationName(correlation);
      graph.put(name, event.getString("event_id"));
      changed.put(name, event.getString("event_id"));
    }
    page.poll();
    steps = null;
    mirroredSeq = entry.seq();
    sinceCheckpoint++;
    mirrored++;
    backoffMs = firstBackoffMs;
    metrics.mirrored(System.currentTimeMillis() - entry.enqueuedAt());
  }

  private void retryLater(Throwable error) {
    long delay = backoffMs;
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    MirrorOutbox.Entry head = page.peek();
    LOG.warn("Session-Buddy mirror at {} failed{}; retrying in {} ms: {}", client.url(),
      head == null ? "" : " on event " + head.event().getString("event_id"), delay, error.getMessage());
    retryTimer = vertx.setTimer(delay, t -> {
      retryTimer = -1;
      if (!stopped && !working) {
        run();
      }
    });
  }

  private void pingWhenIdle() {
    if (!working && retryTimer < 0 && page.isEmpty() && System.currentTimeMillis() - lastContact >= IDLE_PING_MS) {
      ping();
    }
  }

  private void ping() {
    client.ping().onComplete(ar -> contact(ar.cause()));
  }

  private long depth() {
    return Math.max(0, outbox.rows() - sinceCheckpoint);
  }

  private void publishMetrics() {
    MirrorOutbox.Entry head = page.peek();
    metrics.mirrorOutbox(depth(), head == null ? 0 : head.enqueuedAt());
  }

  /** True while the mirror keeps up: its last call to Session-Buddy (if any) succeeded. */
  boolean draining() {
    return lastCallOk;
  }

  /** Adds {@code session_buddy} to the storage health; the status is "degraded" while not draining. */
  Future<JsonObject> describe(JsonObject health) {
    long depth = depth();
    MirrorOutbox.Entry head = page.peek();
    Future<Long> oldest = depth == 0 ? Future.succeededFuture(0L)
      : head != null ? Future.succeededFuture(head.enqueuedAt()) : outbox.oldestAfter(mirroredSeq);
    return oldest.map(at -> {
      JsonObject mirror = new JsonObject()
        .put("url", client.url())
        .put("reachable", reachable)
        .put("draining", lastCallOk)
        .put("outbox_depth", depth)
        .put("oldest_pending_age_ms", at == 0 ? 0 : Math.max(0, System.currentTimeMillis() - at))
        .put("failures", failures)
        .put("mirrored", mirrored)
        .put("last_error", lastError)
        .put("protocol_version", client.protocolVersion());
      health.put("storage_type", "session_buddy").put("session_buddy", mirror);
      if (!lastCallOk && "healthy".equals(health.getString("status"))) {
        health.put("status", "degraded");
      }
      return health;
    });
  }

  /** Stops after the call in flight, writes a last checkpoint and ends the MCP session. */
  Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(pingTimer);
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
    Future<Void> idle = Future.succeededFuture();
    if (working) {
      io.vertx.core.Promise<Void> quiet = io.vertx.core.Promise.promise();
      long deadline = System.currentTimeMillis() + 3_000;
      long timer = vertx.setPeriodic(20, t -> {
        if (!working || System.currentTimeMillis() > deadline) {
          quiet.tryComplete();
        }
      });
      idle = quiet.future().onComplete(v -> vertx.cancelTimer(timer));
    }
    return idle.compose(v -> mirroredSeq > checkpointedSeq || !changed.isEmpty()
        ? checkpoint(startedMark) : Future.succeededFuture())
      .recover(e -> {
        LOG.warn("Last Session-Buddy checkpoint failed: {}", e.getMessage());
        return Future.succeededFuture();
      })
      .eventually(client::close);
  }
}
