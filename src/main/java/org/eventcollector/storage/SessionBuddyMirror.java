package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.eventcollector.config.Config;
import org.eventcollector.config.ConfigKeys;
import org.eventcollector.metrics.CollectorMetrics;
import org.eventcollector.mirror.GraphCalls;
import org.eventcollector.mirror.GraphMapping;
import org.eventcollector.mirror.McpClient;
import org.eventcollector.mirror.McpException;
import org.eventcollector.storage.MirrorPage.Slot;
import org.eventcollector.storage.MirrorPage.Work;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Drains the outbox into Session-Buddy through the MCP tools of {@link GraphMapping}, a page of
 * events at a time, in commit order: entities are created one call after another in that order
 * (so an event's system, correlation and previous event always exist before its relations), many
 * in one {@code batch_create_entities} call when the server offers it, and the relations of events
 * whose entities exist run alongside, one call each, a few calls at a time.
 * <p>
 * A failed call stops new calls; once the calls in flight are over, the mirror waits a back-off
 * that doubles up to 10 s and carries on where it stopped; nothing is skipped. Each call is made
 * once: steps that succeeded are not repeated, and a step whose outcome is unknown (no answer, or
 * work begun before a restart) is checked first (see {@link GraphCalls}). A server that does not
 * offer the tools the mirror needs holds the outbox until it does, and says so once.
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

  private final Vertx vertx;
  private final Outbox outbox;
  private final McpClient client;
  private final GraphCalls calls;
  private final MirrorStatus status;
  private final CollectorMetrics metrics;
  private final long firstBackoffMs;
  private final int batchSize;

  private MirrorPage page = MirrorPage.empty();
  /** Graph entities as planned for the page: name to last event id ("" for none). */
  private final Map<String, String> graph = new HashMap<>();
  /** Entities made or moved by finished pages, not yet checkpointed. */
  private final Map<String, String> changed = new HashMap<>();
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

  private long mirrored;

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
      Config.integer(conf, ConfigKeys.Storage.SESSION_BUDDY_TIMEOUT_MS, 10_000), GraphMapping.REQUIRED_TOOLS);
    return new SessionBuddyMirror(vertx, outbox, client, metrics,
      Config.integer(conf, ConfigKeys.Storage.SESSION_BUDDY_RETRY_MS, 100),
      Config.integer(conf, ConfigKeys.Storage.SESSION_BUDDY_BATCH_SIZE, 50));
  }

  /** @param batchSize entities per {@code batch_create_entities} call; 1: one {@code create_entity} call each */
  SessionBuddyMirror(Vertx vertx, Outbox outbox, McpClient client, CollectorMetrics metrics, long firstBackoffMs,
                     int batchSize) {
    this.vertx = vertx;
    this.outbox = outbox;
    this.client = client;
    this.metrics = metrics;
    this.status = new MirrorStatus(client, metrics);
    this.calls = new GraphCalls(client, status::contact);
    this.batchSize = Math.max(1, batchSize);
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
    page = MirrorPage.empty();
    graph.clear();
    changed.clear();
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
    page = MirrorPage.plan(entries, graph);
    sinceCheckpoint += page.deleted;
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
    MirrorPage current = page;
    while (!entityInFlight && inFlight < MAX_IN_FLIGHT) {
      Work work = page.nextEntityWork();
      if (work == null) {
        break;
      }
      List<Slot> batch = batchSize > 1 && page.batchable() && calls.offersBatch() ? page.batch(batchSize) : List.of();
      if (batch.size() > 1) {
        issue(batch);
      } else {
        issue(work, work.nextEntityStep());
      }
      if (page != current || failed) {
        return;
      }
    }
    for (int k = page.firstOpen; k < page.entityCursor && inFlight < MAX_IN_FLIGHT; k++) {
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
    if (page.finished() && inFlight == 0) {
      finishPage();
    }
  }

  private void issue(Work work, int index) {
    boolean entity = work.steps.get(index).entity() != null;
    work.running[index] = true;
    inFlight++;
    if (entity) {
      entityInFlight = true;
    }
    calls.step(work.steps.get(index), work.entry.seq() <= carefulUntil || work.uncertain[index]).onComplete(ar -> {
      work.running[index] = false;
      inFlight--;
      if (entity) {
        entityInFlight = false;
      }
      if (ar.succeeded()) {
        done(work, index);
      } else {
        work.uncertain[index] = true;
        fail(ar.cause());
      }
      pump();
    });
  }

  /**
   * Creates the entities of {@code batch} with one call. When the answer cannot tell that all of
   * them exist now, or the call failed as a whole, they are made one by one (each "already exists"
   * or created), which also names the entity that fails.
   */
  private void issue(List<Slot> batch) {
    MirrorPage current = page;
    batch.forEach(slot -> slot.work().running[slot.step()] = true);
    inFlight++;
    entityInFlight = true;
    calls.entities(batch.stream().map(slot -> slot.work().steps.get(slot.step()).arguments()).toList()).onComplete(ar -> {
      batch.forEach(slot -> slot.work().running[slot.step()] = false);
      inFlight--;
      entityInFlight = false;
      if (page != current) {
        return;
      }
      if (ar.succeeded() && ar.result()) {
        batch.forEach(slot -> done(slot.work(), slot.step()));
      } else if (ar.succeeded() || (ar.cause() instanceof McpException e && e.kind() == McpException.Kind.TOOL_FAILED)) {
        LOG.debug("Session-Buddy batch of {} entities not settled by its answer; making them one by one", batch.size());
        page.single(batch.get(batch.size() - 1));
      } else {
        fail(ar.cause());
      }
      pump();
    });
  }

  private void done(Work work, int index) {
    work.done[index] = true;
    if (--work.remaining == 0) {
      finished(work);
    }
  }

  private void fail(Throwable cause) {
    if (!failed) {
      failed = true;
      failure = cause;
    }
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
    long seq = page.advance();
    if (seq >= 0) {
      mirroredSeq = seq;
    }
  }

  private void finishPage() {
    changed.putAll(page.changes);
    page = MirrorPage.empty();
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
    Work head = page.head();
    if (status.toolsMissing()) {
      // Said once by the status; checked again at every retry.
      LOG.debug("Session-Buddy at {} still lacks tools; checking again in {} ms", client.url(), delay);
    } else {
      LOG.warn("Session-Buddy mirror at {} failed{}; retrying in {} ms: {}", client.url(),
        head == null || head.entry.event() == null ? "" : " on event " + head.entry.event().getString("event_id"), delay,
        error == null ? "unknown" : error.getMessage());
    }
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
    if (page.isEmpty() && !loading && retryTimer < 0 && System.currentTimeMillis() - status.lastContact() >= IDLE_PING_MS) {
      ping();
    }
  }

  private void ping() {
    client.ping().onComplete(ar -> status.contact(ar.cause()));
  }

  private long depth() {
    return Math.max(0, outbox.rows() - sinceCheckpoint);
  }

  private long headEnqueuedAt() {
    Work head = page.head();
    return head == null ? 0 : head.entry.enqueuedAt();
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
      JsonObject mirror = status.describe()
        .put("drainer", leading)
        .put("outbox_depth", depth)
        .put("oldest_pending_age_ms", at == 0 ? 0 : Math.max(0, System.currentTimeMillis() - at))
        .put("mirrored", mirrored);
      if (!outbox.shared()) {
        health.put("storage_type", "session_buddy");
      }
      health.put("session_buddy", mirror);
      if (!status.draining() && "healthy".equals(health.getString("status"))) {
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
      if (page.finished() && !page.isEmpty()) {
        changed.putAll(page.changes);
        page = MirrorPage.empty();
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
