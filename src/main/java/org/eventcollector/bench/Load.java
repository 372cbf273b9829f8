package org.eventcollector.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongFunction;

/** Closed loops: {@code lanes} calls in flight, each lane starting the next as its call ends, bounded in count and time. */
final class Load {

  /** How a loop went: successful and failed calls, elapsed seconds, the first failure. */
  record Outcome(long ok, long failed, double seconds, String firstError) {
    double perSecond(int eventsPerCall) {
      return seconds <= 0 ? 0 : ok * (double) eventsPerCall / seconds;
    }

    String errors() {
      return failed == 0 ? null : failed + " failed (" + firstError + ")";
    }
  }

  private Load() {
  }

  /** Runs {@code calls} calls (at most {@code maxSeconds}) with {@code lanes} in flight, recording latencies. */
  static Outcome run(Vertx vertx, int lanes, long calls, double maxSeconds, LongFunction<Future<?>> call,
                     Latencies latencies) throws Exception {
    Context context = vertx.getOrCreateContext();
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    AtomicLong issued = new AtomicLong();
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicReference<String> firstError = new AtomicReference<>();
    AtomicInteger active = new AtomicInteger(lanes);
    long started = System.nanoTime();
    long deadline = started + (long) (maxSeconds * 1e9);
    Runnable[] next = new Runnable[1];
    next[0] = () -> {
      long i = issued.getAndIncrement();
      if (i >= calls || System.nanoTime() > deadline) {
        if (active.decrementAndGet() == 0) {
          done.complete(new Outcome(ok.get(), failed.get(), (System.nanoTime() - started) / 1e9, firstError.get()));
        }
        return;
      }
      long t0 = System.nanoTime();
      Future<?> future;
      try {
        future = call.apply(i);
      } catch (RuntimeException e) {
        future = Future.failedFuture(e);
      }
      future.onComplete(ar -> {
        if (ar.succeeded()) {
          ok.incrementAndGet();
          if (latencies != null) {
            latencies.add(System.nanoTime() - t0);
          }
          next[0].run();
        } else {
          failed.incrementAndGet();
          firstError.compareAndSet(null, String.valueOf(ar.cause().getMessage()));
          context.runOnContext(v -> next[0].run());
        }
      });
    };
    context.runOnContext(v -> {
      for (int lane = 0; lane < lanes; lane++) {
        next[0].run();
      }
    });
    return done.get((long) maxSeconds + 120, TimeUnit.SECONDS);
  }

  static HttpClient client(Vertx vertx, Target target, int connections) {
    return vertx.createHttpClient(new HttpClientOptions().setDefaultHost(target.host()).setDefaultPort(target.port())
      .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(connections));
  }

  /** One request; fails unless the answer is 2xx. Answers the body. */
  static Future<Buffer> send(HttpClient client, HttpMethod method, String uri, Buffer body) {
    return client.request(method, uri).compose(request -> {
      if (body != null) {
        request.putHeader("Content-Type", "application/json");
        return request.send(body);
      }
      return request.send();
    }).compose(response -> response.body().compose(buffer -> response.statusCode() / 100 == 2
      ? Future.succeededFuture(buffer)
      : Future.failedFuture(method + " " + uri.replaceAll("\\?.*", "") + " answered " + response.statusCode() + " "
        + abbreviate(buffer.toString()))));
  }

  static String abbreviate(String text) {
    return text.length() > 160 ? text.substring(0, 160) + "…" : text;
  }

  static <T> T await(Future<T> future, long seconds) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }
}
