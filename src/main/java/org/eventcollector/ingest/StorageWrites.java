package org.eventcollector.ingest;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.eventbus.Message;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.RegistrationInfo;
import org.eventcollector.bus.Addresses;
import org.eventcollector.event.Event;
import org.eventcollector.event.EventBatch;
import org.eventcollector.event.EventCodecs;
import org.eventcollector.event.StoreResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Writes on {@code events.storage.insert}, answered with one result per event.
 *
 * <p>With {@code retryOnMemberLoss} in a cluster, a write in flight when a cluster member disappears
 * may have gone to that member, and its answer would never come: the bus only times it out. So while
 * writes are pending the cluster's members are checked every {@link #CHECK_MS}; once one has left and
 * its consumers are gone from the cluster's registry, every write still pending is sent once more,
 * to whichever storage node the bus picks now (another {@code postgres} writer, or the standby that
 * took over a single-owner store; while none serves, the bus fails it at once and ingest answers 503),
 * and the first success answers. That is safe because ingest stamps each {@code event_id} before the
 * send and the store keeps one row per id: a retried event that the lost node had committed is
 * answered {@code duplicate}, never stored twice.
 *
 * <p>One instance per verticle instance, used on its context only.
 */
final class StorageWrites {

  private static final Logger LOG = LoggerFactory.getLogger(StorageWrites.class);
  /** How long a write may wait for storage. */
  static final long TIMEOUT_MS = 30_000;
  /**
   * How long a write sent again may wait: the bus's choice of node can still hold the member that
   * left for a moment, and a client should hear within seconds, not after {@link #TIMEOUT_MS}.
   */
  static final long RETRY_TIMEOUT_MS = 5_000;
  /** How often the members are compared while writes are pending. */
  static final long CHECK_MS = 100;
  /** How often the registry is read until the lost member's consumers are gone, and for how long at most. */
  private static final long SETTLE_POLL_MS = 50;
  private static final long SETTLE_MAX_MS = 5_000;
  /** After the registry: time for the bus's own view of the consumers to follow it. */
  private static final long SETTLE_MS = 200;

  private final Vertx vertx;
  private final EventBus bus;
  private final ClusterManager cluster;
  private final Set<Write> pending = new LinkedHashSet<>();
  private Context context;
  /** The members at the last check; kept while no write is pending, so a loss meanwhile is still seen. */
  private Set<String> members;
  private long timer = -1;

  StorageWrites(Vertx vertx, boolean retryOnMemberLoss) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    EventCodecs.register(bus);
    this.cluster = retryOnMemberLoss && vertx.isClustered() ? ((VertxInternal) vertx).clusterManager() : null;
  }

  /** Stores {@code events}; answers with each one's position, or -1 for a duplicate, in order. */
  Future<StoreResult> insert(List<Event> events) {
    EventBatch body = EventBatch.of(events);
    if (cluster == null) {
      return send(body, TIMEOUT_MS);
    }
    if (context == null) {
      context = vertx.getOrCreateContext();
    }
    Write write = new Write(body, System.nanoTime());
    pending.add(write);
    if (timer < 0) {
      if (members == null) {
        members = new HashSet<>(cluster.getNodes());
      }
      timer = vertx.setPeriodic(CHECK_MS, id -> checkMembers());
    }
    attempt(write, TIMEOUT_MS, false);
    return write.result.future();
  }

  private Future<StoreResult> send(EventBatch body, long timeoutMs) {
    return bus.<StoreResult>request(Addresses.STORAGE_INSERT, body, new DeliveryOptions().setSendTimeout(timeoutMs))
      .map(Message::body);
  }

  private void attempt(Write write, long timeoutMs, boolean again) {
    write.inFlight++;
    send(write.body, timeoutMs).onComplete(ar -> {
      write.inFlight--;
      if (ar.succeeded()) {
        pending.remove(write);
        write.result.tryComplete(ar.result());
      } else if (write.inFlight == 0 || again) {
        // A failed second send (no storage node serves yet) answers at once: the first one may be
        // waiting on the member that left, and would hold the client until its timeout.
        pending.remove(write);
        write.result.tryFail(ar.cause());
      }
    });
  }

  private void checkMembers() {
    if (pending.isEmpty()) {
      vertx.cancelTimer(timer);
      timer = -1;
      return;
    }
    Set<String> now = new HashSet<>(cluster.getNodes());
    Set<String> left = new HashSet<>(members);
    left.removeAll(now);
    members = now;
    if (!left.isEmpty()) {
      settle(System.nanoTime() + SETTLE_MAX_MS * 1_000_000, left).onComplete(v -> retryPending(left));
    }
  }

  /** Completes once no consumer of {@code events.storage.insert} on a member in {@code left} is registered. */
  private Future<Void> settle(long deadline, Set<String> left) {
    Promise<List<RegistrationInfo>> registrations = Promise.promise();
    cluster.getRegistrations(Addresses.STORAGE_INSERT, registrations);
    Promise<Void> settled = Promise.promise();
    registrations.future().onComplete(ar -> context.runOnContext(v -> {
      boolean gone = ar.succeeded() && ar.result().stream().noneMatch(r -> left.contains(r.nodeId()));
      if (gone || System.nanoTime() > deadline) {
        vertx.setTimer(SETTLE_MS, t -> settled.complete());
      } else {
        vertx.setTimer(SETTLE_POLL_MS, t -> settle(deadline, left).onComplete(settled));
      }
    }));
    return settled.future();
  }

  private void retryPending(Set<String> left) {
    List<Write> retried = new ArrayList<>();
    long now = System.nanoTime();
    for (Write write : pending) {
      if (!write.retried && write.inFlight > 0) {
        write.retried = true;
        retried.add(write);
      }
    }
    if (retried.isEmpty()) {
      return;
    }
    LOG.warn("Cluster member {} left: sending {} pending storage writes again", left, retried.size());
    for (Write write : retried) {
      long remainingMs = TIMEOUT_MS - (now - write.sentAt) / 1_000_000;
      attempt(write, Math.min(RETRY_TIMEOUT_MS, Math.max(1_000, remainingMs)), true);
    }
  }

  private static final class Write {
    final EventBatch body;
    final long sentAt;
    final Promise<StoreResult> result = Promise.promise();
    int inFlight;
    boolean retried;

    Write(EventBatch body, long sentAt) {
      this.body = body;
      this.sentAt = sentAt;
    }
  }
}
