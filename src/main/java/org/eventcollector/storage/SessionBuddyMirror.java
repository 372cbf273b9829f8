package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Promise;
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

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Drains the outbox into Session-Buddy through the MCP tools of {@link GraphMapping}, a page of
 * events at a time, in commit order: entities are created one call after another in that order
 * (so an event's system, correlation and previous event always exist before its relations), and
 * the relations of events whose entities exist run alongside, a few calls at a time.
 * <p>
 * A failed call stops new calls; once the calls in flight are over, the mirror waits a back-off
 * that doubles up to 10 s and carries on where it stopped; nothing is skipped. Each call is made
 * once: steps that succeeded are not repeated, and a step whose outcome is unknown (no answer, or
 * work begun before a restart) is checked first: an entity that "already exists" counts as made, a
 * relation is looked up with {@code get_entity_relationships} before it is created again.
 * Progress is written to the outbox when a page is done (a checkpoint), together with a mark of how
 * far work may have begun, which tells a restarted mirror where to check before it writes.
 * <p>
 * When several storage nodes share the outbox (PostgreSQL), only the one the outbox lets lead
 * drains; the others stand by, and one of them resumes from the last checkpoint when it leads.
 */
final class SessionBuddyMirror {

  static final long MAX_BACKOFF_MS = 10_000;
  static final int PAGE = 256;
  static final int MAX_IN_FLIGHT = 6;
  private static final long IDLE_PING_MS = 5_000;
  private static final Logger LOG = LoggerFactory.getLogger(SessionBuddyMirror.class);

  /** One event of the page being mirrored, and how far its calls got. */
  private static final class Work {
    final Outbox.Entry entry;
    final List<Step> steps;
    final boolean[] done;
    final boolean[] running;
    final boolean[] uncertain;
    int remaining;

    Work(Outbox.Entry entry, List<Step> steps) {
      this.entry = entry;
      this.steps = steps;
      this.done = new boolean[steps.size()];
      this.running = new boolean[steps.size()];
      this.uncertain = new boolean[steps.size()];
      this.remaining = steps.size();
    }

    /** The first entity step not done, or -1 when its entities exist. */
    int nextEntityStep() {
      for (int i = 0; i < steps.size(); i++) {
        if (steps.get(i).entity() == null) {
          return -1;
        }
        if (!done[i]) {
          return i;
        }
      }
      return -1;
    }
  }

  private final Vertx vertx;
  private final Outbox outbox;
  private final McpClient client;
  private final CollectorMetrics metrics;
  private final long firstBackoffMs;

  private List<Work> page = List.of();
  /** Graph entities as planned for the page: name to last event id ("" for none). */
  private final Map<String, String> graph = new HashMap<>();
  /** Entities made or moved by finished pages, not yet checkpointed. */
  private final Map<String, String> changed = new HashMap<>();
  private Map<String, String> pageChanges = new HashMap<>();
  private int entityCursor;
  private int firstOpen;
  private boolean entityInFlight;
  private int inFlight;
  private boolean failed;
  private Throwable failure;

  private long mirroredSeq;
  private long checkpointedSeq;
  private long startedMark;
  private long carefulUntil;
  private int sinceCheckpoint;

  private boolean loading;
  private boolean wakeUp;
  private long retryTimer = -1;
  private long pingTimer = -1;
  private long backoffMs;
  private boolean stopped;
  /** True while this node is the one that drains the outbox. */
  private boolean leading;
  /** Counts the turns lost; a {@link #resume} that overlapped the loss of its turn does not drain. */
  private long turnsLost;

  private Boolean reachable;
  private boolean lastCallOk = true;
  private long failures;
  private long mirrored;
  private long lastContact;
  private String lastError;

  /**
   * The mirror of a {@code session_buddy} store, or of a {@code sqlite} or {@code postgres} store
   * with {@code storage.session_buddy.mirror}; null when the mirror is off.
   */
  static SessionBuddyMirror create(Vertx vertx, JsonObject conf, EventStore store, CollectorMetrics metrics) {
    String backend = Config.string(conf, ConfigKeys.Storage.BACKEND, "sqlite");
    if (!"session_buddy".equals(backend) && !Config.bool(conf, ConfigKeys.Storage.SESSION_BUDDY_MIRROR, false)) {
      return null;
    }
    Outbox outbox;
    if (store instanceof SqliteEventStore sqlite) {
      outbox = new MirrorOutbox(sqlite);
    } else if (store instanceof PgEventStore pg) {
      outbox = new PgMirrorOutbox(vertx, pg);
    } else {
      throw new IllegalArgumentException("storage.session_buddy.mirror needs the sqlite or postgres backend, not '"
        + backend + "'");
    }
    McpClient client = new McpClient(vertx, Config.string(conf, ConfigKeys.Storage.SESSION_BUDDY_URL, "http://localhost:8678/mcp"),
      Config.integer(conf, ConfigKeys.Storage.SESSION_BUDDY_TIMEOUT_MS, 10_000));
    return new SessionBuddyMirror(vertx, outbox, client, metrics,
      Config.integer(conf, ConfigKeys.Storage.SESSION_BUDDY_RETRY_MS, 100));
  }

  SessionBuddyMirror(Vertx vertx, Outbox outbox, McpClient client, CollectorMetrics metrics, long firstBackoffMs) {
    this.vertx = vertx;
    this.outbox = outbox;
    this.client = client;
    this.metrics = metrics;
    this.firstBackoffMs = Math.max(1, Math.min(firstBackoffMs, MAX_BACKOFF_MS));
    this.backoffMs = this.firstBackoffMs;
    outbox.onCommit(this::wake);
  }

  /**
   * Starts: drains at once when this node is the only one on the outbox, else as soon as the outbox
   * lets it lead. Call after the store is open.
   */
  Future<Void> start() {
    pingTimer = vertx.setPeriodic(IDLE_PING_MS, t -> pingWhenIdle());
    publishMetrics();
    return outbox.lead(this::resume, this::demote).onFailure(e -> vertx.cancelTimer(pingTimer));
  }

  /** Becomes the drainer: waits for the calls of an earlier turn, loads the progress left and starts. */
  private Future<Void> resume() {
    long turn = turnsLost;
    return idle(30_000).compose(v -> outbox.load()).map(started -> {
      reset();
      startedMark = started;
      carefulUntil = started;
      leading = !stopped && turn == turnsLost;
      if (outbox.rows() > 0) {
        LOG.info("Session-Buddy outbox holds {} events; resuming the mirror to {}", outbox.rows(), client.url());
      }
      publishMetrics();
      if (outbox.rows() == 0) {
        ping();
      }
      wake();
      return null;
    });
  }

  /** Forgets the work of an earlier turn; the outbox and its checkpoint say where to carry on. */
  private void reset() {
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
    page = List.of();
    graph.clear();
    changed.clear();
    pageChanges = new HashMap<>();
    entityCursor = 0;
    firstOpen = 0;
    entityInFlight = false;
    failed = false;
    failure = null;
    mirroredSeq = 0;
    checkpointedSeq = 0;
    sinceCheckpoint = 0;
    backoffMs = firstBackoffMs;
  }

  /** Another node drains now: no new calls; a later {@link #resume} starts over from the checkpoint. */
  private void demote() {
    turnsLost++;
    if (!leading) {
      return;
    }
    leading = false;
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
    LOG.warn("This storage node no longer drains the Session-Buddy outbox");
    publishMetrics();
  }

  private void wake() {
    wakeUp = true;
    publishMetrics();
    if (leading && page.isEmpty() && !loading && retryTimer < 0 && !stopped) {
      loadPage();
    }
  }

  /** Checkpoints the pages done, then reads and plans the next page. */
  private void loadPage() {
    loading = true;
    wakeUp = false;
    outbox.page(mirroredSeq, PAGE).compose(entries -> {
      long mark = entries.isEmpty() ? startedMark : Math.max(startedMark, entries.get(entries.size() - 1).seq());
      Future<Void> saved = mirroredSeq > checkpointedSeq || mark > startedMark || !changed.isEmpty()
        ? checkpoint(mark) : Future.succeededFuture();
      if (entries.isEmpty()) {
        return saved.map(entries);
      }
      Set<String> names = new HashSet<>();
      for (Outbox.Entry entry : entries) {
        if (entry.event() == null) {
          continue;
        }
        names.add(GraphMapping.systemName(entry.event().getString("source_system")));
        String correlation = entry.event().getString("correlation_id");
        if (correlation != null) {
          names.add(GraphMapping.correlationName(correlation));
        }
      }
      return saved.compose(v -> outbox.graph(names)).map(known -> {
        graph.clear();
        graph.putAll(known);
        return entries;
      });
    }).onComplete(ar -> {
      loading = false;
      if (stopped || !leading) {
        return;
      }
      if (ar.failed()) {
        retryLater(ar.cause());
      } else if (!ar.result().isEmpty()) {
        plan(ar.result());
        pump();
      } else if (wakeUp) {
        loadPage();
      }
      publishMetrics();
    });
  }

  /** Works out every call of the page, in commit order, from the graph as it will be. */
  private void plan(List<Outbox.Entry> entries) {
    List<Work> work = new ArrayList<>(entries.size());
    pageChanges = new HashMap<>();
    for (Outbox.Entry entry : entries) {
      JsonObject event = entry.event();
      if (event == null) {
        // Deleted (retention or DELETE /events) before it was mirrored: nothing left to mirror.
        work.add(new Work(entry, List.of()));
        sinceCheckpoint++;
        continue;
      }
      String system = GraphMapping.systemName(event.getString("source_system"));
      String correlation = event.getString("correlation_id");
      String correlationName = correlation == null ? null : GraphMapping.correlationName(correlation);
      String previous = correlationName == null ? null : graph.get(correlationName);
      work.add(new Work(entry, GraphMapping.steps(event, graph.containsKey(system),
        correlationName != null && graph.containsKey(correlationName), previous == null || previous.isEmpty() ? null : previous)));
      if (!graph.containsKey(system)) {
        graph.put(system, "");
        pageChanges.put(system, "");
      }
      if (correlationName != null) {
        graph.put(correlationName, event.getString("event_id"));
        pageChanges.put(correlationName, event.getString("event_id"));
      }
    }
    page = work;
    entityCursor = 0;
    firstOpen = 0;
  }

  /** Starts every call that may start now. */
  private void pump() {
    if (stopped || !leading || page.isEmpty() || retryTimer >= 0) {
      return;
    }
    if (failed) {
      if (inFlight == 0) {
        retryLater(failure);
      }
      return;
    }
    List<Work> current = page;
    while (!entityInFlight && entityCursor < page.size() && inFlight < MAX_IN_FLIGHT) {
      Work work = page.get(entityCursor);
      int step = work.nextEntityStep();
      if (step < 0) {
        entityCursor++;
        continue;
      }
      issue(work, step);
      if (page != current || failed) {
        return;
      }
    }
    for (int k = firstOpen; k < entityCursor && inFlight < MAX_IN_FLIGHT; k++) {
      Work work = page.get(k);
      for (int i = 0; i < work.steps.size() && inFlight < MAX_IN_FLIGHT; i++) {
        if (!work.done[i] && !work.running[i]) {
          issue(work, i);
          if (page != current || failed) {
            return;
          }
        }
      }
    }
    advance();
    if (firstOpen == page.size() && inFlight == 0) {
      finishPage();
    }
  }

  private void issue(Work work, int index) {
    Step step = work.steps.get(index);
    boolean entity = step.entity() != null;
    work.running[index] = true;
    inFlight++;
    if (entity) {
      entityInFlight = true;
    }
    execute(step, work.entry.seq() <= carefulUntil || work.uncertain[index]).onComplete(ar -> {
      work.running[index] = false;
      inFlight--;
      if (entity) {
        entityInFlight = false;
      }
      if (ar.succeeded()) {
        work.done[index] = true;
        if (--work.remaining == 0) {
          finished(work);
        }
      } else {
        work.uncertain[index] = true;
        if (!failed) {
          failed = true;
          failure = ar.cause();
        }
      }
      pump();
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

  private void finished(Work work) {
    mirrored++;
    sinceCheckpoint++;
    backoffMs = firstBackoffMs;
    metrics.mirrored(System.currentTimeMillis() - work.entry.enqueuedAt());
    advance();
    publishMetrics();
  }

  /** Moves the mirrored position over the events done at the head of the page. */
  private void advance() {
    while (firstOpen < page.size() && page.get(firstOpen).remaining == 0) {
      mirroredSeq = page.get(firstOpen).entry.seq();
      firstOpen++;
    }
  }

  private void finishPage() {
    changed.putAll(pageChanges);
    pageChanges = new HashMap<>();
    page = List.of();
    publishMetrics();
    loadPage();
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

  private void retryLater(Throwable error) {
    long delay = backoffMs;
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
    Work head = firstOpen < page.size() ? page.get(firstOpen) : null;
    LOG.warn("Session-Buddy mirror at {} failed{}; retrying in {} ms: {}", client.url(),
      head == null || head.entry.event() == null ? "" : " on event " + head.entry.event().getString("event_id"), delay,
      error == null ? "unknown" : error.getMessage());
    publishMetrics();
    retryTimer = vertx.setTimer(delay, t -> {
      retryTimer = -1;
      failed = false;
      failure = null;
      if (stopped || !leading) {
        return;
      }
      if (page.isEmpty()) {
        loadPage();
      } else {
        pump();
      }
    });
  }

  private void pingWhenIdle() {
    publishMetrics();
    if (page.isEmpty() && !loading && retryTimer < 0 && System.currentTimeMillis() - lastContact >= IDLE_PING_MS) {
      ping();
    }
  }

  private void ping() {
    client.ping().onComplete(ar -> contact(ar.cause()));
  }

  private long depth() {
    return Math.max(0, outbox.rows() - sinceCheckpoint);
  }

  private long headEnqueuedAt() {
    return firstOpen < page.size() ? page.get(firstOpen).entry.enqueuedAt() : 0;
  }

  private void publishMetrics() {
    metrics.mirrorOutbox(depth(), headEnqueuedAt());
  }

  /**
   * Adds {@code session_buddy} to the storage health; the status is "degraded" while not draining.
   * {@code drainer} tells whether this node is the one that drains.
   */
  Future<JsonObject> describe(JsonObject health) {
    long depth = depth();
    long head = headEnqueuedAt();
    Future<Long> oldest = depth == 0 ? Future.succeededFuture(0L)
      : head != 0 ? Future.succeededFuture(head) : outbox.oldestAfter(mirroredSeq);
    return oldest.map(at -> {
      JsonObject mirror = new JsonObject()
        .put("url", client.url())
        .put("reachable", reachable)
        .put("draining", lastCallOk)
        .put("drainer", leading)
        .put("outbox_depth", depth)
        .put("oldest_pending_age_ms", at == 0 ? 0 : Math.max(0, System.currentTimeMillis() - at))
        .put("failures", failures)
        .put("mirrored", mirrored)
        .put("last_error", lastError)
        .put("protocol_version", client.protocolVersion());
      if (!outbox.shared()) {
        health.put("storage_type", "session_buddy");
      }
      health.put("session_buddy", mirror);
      if (!lastCallOk && "healthy".equals(health.getString("status"))) {
        health.put("status", "degraded");
      }
      return health;
    });
  }

  /**
   * Stops: no new calls; waits (at most 3 s) for the calls in flight, checkpoints what finished
   * pages left, and ends the MCP session. A page left half done is checked again after a restart.
   */
  Future<Void> stop() {
    stopped = true;
    vertx.cancelTimer(pingTimer);
    if (retryTimer >= 0) {
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
    }
    return idle(3_000).compose(v -> {
      if (!leading) {
        return Future.<Void>succeededFuture();
      }
      if (firstOpen == page.size() && !page.isEmpty()) {
        changed.putAll(pageChanges);
        page = List.of();
      }
      boolean pending = page.isEmpty() && (mirroredSeq > checkpointedSeq || !changed.isEmpty());
      return pending ? checkpoint(startedMark) : Future.<Void>succeededFuture();
    }).recover(e -> {
      LOG.warn("Last Session-Buddy checkpoint failed: {}", e.getMessage());
      return Future.succeededFuture();
    }).eventually(outbox::close).eventually(client::close);
  }

  /** Completes once no call and no page read is in flight, or after {@code maxMs}. */
  private Future<Void> idle(long maxMs) {
    if (inFlight == 0 && !loading) {
      return Future.succeededFuture();
    }
    Promise<Void> idle = Promise.promise();
    long deadline = System.currentTimeMillis() + maxMs;
    long timer = vertx.setPeriodic(20, t -> {
      if ((inFlight == 0 && !loading) || System.currentTimeMillis() > deadline) {
        idle.tryComplete();
      }
    });
    return idle.future().onComplete(v -> vertx.cancelTimer(timer));
  }
}
