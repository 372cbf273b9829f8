package org.eventcollector.cluster;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Lock;
import org.eventcollector.metrics.CollectorMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * Single ownership of a role in a cluster (the SQLite store, the rate-limit buckets): exactly one
 * node serves it at a time. The owner holds a cluster-wide lock from Vert.x shared data (a
 * Hazelcast map lock, which Hazelcast releases when the member holding it leaves or is dropped as
 * dead). A standby waits on the lock and, once it holds it, starts serving (opens the store,
 * registers its consumers); until then it serves nothing, so callers get NO_HANDLERS (503).
 */
public final class Ownership {

  private static final Logger LOG = LoggerFactory.getLogger(Ownership.class);
  /** Lock name of the storage owner. */
  public static final String STORAGE = "event-collector.storage.owner";
  /** Lock name of the rate-limit owner. */
  public static final String RATELIMIT = "event-collector.ratelimit.owner";
  /** Lock name of the alert evaluator. */
  public static final String ALERTS = "event-collector.alerts.owner";
  private static final long FIRST_WAIT_MS = 2_000;
  private static final long WAIT_MS = 5_000;
  private static final long RETRY_MS = 1_000;

  private final Vertx vertx;
  private final String name;
  private final String role;
  private volatile Lock lock;
  private volatile boolean stopped;

  /** Ownership of what lock {@code name} guards; {@code name} is {@link #STORAGE}, {@link #RATELIMIT} or {@link #ALERTS}. */
  public Ownership(Vertx vertx, String name) {
    this.vertx = vertx;
    this.name = name;
    this.role = name.split("\\.")[1];
  }

  /**
   * Tries to become the owner for a short while; if that works, answers once {@code serve} has
   * succeeded. Otherwise answers at once (this node is a standby) and keeps waiting for the lock
   * in the background, calling {@code serve} when it is taken.
   */
  public Future<Void> start(Supplier<Future<?>> serve) {
    Promise<Void> started = Promise.promise();
    CollectorMetrics.get().owner(role, false);
    attempt(FIRST_WAIT_MS, serve, started);
    return started.future();
  }

  private void attempt(long waitMs, Supplier<Future<?>> serve, Promise<Void> started) {
    if (stopped) {
      started.tryComplete();
      return;
    }
    long asked = System.nanoTime();
    vertx.sharedData().getLockWithTimeout(name, waitMs).onComplete(ar -> {
      if (ar.failed()) {
        if (started.tryComplete()) {
          LOG.info("Standby for {}: another node owns it; waiting to take over", name);
        }
        // A wait that timed out tries again at once; a quick failure (the cluster going away) after a pause.
        long pause = System.nanoTime() - asked >= waitMs * 500_000 ? 1 : RETRY_MS;
        vertx.setTimer(pause, t -> attempt(WAIT_MS, serve, started));
        return;
      }
      lock = ar.result();
      if (stopped) {
        release();
        started.tryComplete();
        return;
      }
      LOG.info("Owner of {}: this node now serves it", name);
      serve.get().onComplete(served -> {
        if (served.succeeded()) {
          CollectorMetrics.get().owner(role, true);
          started.tryComplete();
          return;
        }
        LOG.error("Owner of {} could not start serving; releasing it", name, served.cause());
        release();
        if (!started.tryFail(served.cause())) {
          vertx.setTimer(RETRY_MS, t -> attempt(WAIT_MS, serve, started));
        }
      });
    });
  }

  /** True once this node holds the lock. */
  public boolean owner() {
    return lock != null;
  }

  /** Stops waiting; the lock, when held, is kept until {@link #release()}. */
  public void stop() {
    stopped = true;
  }

  public void release() {
    Lock held = lock;
    lock = null;
    if (held != null) {
      CollectorMetrics.get().owner(role, false);
      held.release();
    }
  }
}
