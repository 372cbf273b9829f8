package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Lock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * Storage ownership in a cluster: exactly one storage node serves the store at a time. The owner
 * holds a cluster-wide lock from Vert.x shared data (a Hazelcast map lock, which Hazelcast releases
 * when the member holding it leaves or dies). A standby waits on the lock and, once it holds it,
 * opens the store and registers its consumers; until then it serves nothing, so ingest gets 503.
 */
final class Ownership {

  private static final Logger LOG = LoggerFactory.getLogger(Ownership.class);
  /** The cluster-wide lock name. */
  static final String LOCK = "event-collector.storage.owner";
  private static final long FIRST_WAIT_MS = 2_000;
  private static final long WAIT_MS = 5_000;
  private static final long RETRY_MS = 1_000;

  private final Vertx vertx;
  private volatile Lock lock;
  private volatile boolean stopped;

  Ownership(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Tries to become the owner for a short while; if that works, answers once {@code serve} has
   * succeeded. Otherwise answers at once (this node is a standby) and keeps waiting for the lock
   * in the background, calling {@code serve} when it is taken.
   */
  Future<Void> start(Supplier<Future<?>> serve) {
    Promise<Void> started = Promise.promise();
    attempt(FIRST_WAIT_MS, serve, started);
    return started.future();
  }

  private void attempt(long waitMs, Supplier<Future<?>> serve, Promise<Void> started) {
    if (stopped) {
      started.tryComplete();
      return;
    }
    vertx.sharedData().getLockWithTimeout(LOCK, waitMs).onComplete(ar -> {
      if (ar.failed()) {
        if (started.tryComplete()) {
          LOG.info("Storage standby: another storage node owns the store; waiting to take over");
        }
        vertx.setTimer(1, t -> attempt(WAIT_MS, serve, started));
        return;
      }
      lock = ar.result();
      if (stopped) {
        release();
        started.tryComplete();
        return;
      }
      LOG.info("Storage owner: this node now serves the store");
      serve.get().onComplete(served -> {
        if (served.succeeded()) {
          started.tryComplete();
          return;
        }
        LOG.error("Storage owner could not open the store; releasing ownership", served.cause());
        release();
        if (!started.tryFail(served.cause())) {
          vertx.setTimer(RETRY_MS, t -> attempt(WAIT_MS, serve, started));
        }
      });
    });
  }

  /** True once this node holds the lock. */
  boolean owner() {
    return lock != null;
  }

  /** Stops waiting; the lock, when held, is kept until {@link #release()}. */
  void stop() {
    stopped = true;
  }

  void release() {
    Lock held = lock;
    lock = null;
    if (held != null) {
      held.release();
    }
  }
}
