package org.eventcollector.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.eventcollector.event.Event;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * By hand: what the Session-Buddy outbox costs on the write path. Commits the same events in
 * batches into two SQLite stores, one plain and one with the outbox, alternating rounds, and prints
 * the median rates, and the share of the commit time spent queueing into the outbox (measured
 * inside the same transactions, so it does not depend on what else the machine is doing):
 * {@code java -cp target/event-collector.jar org.eventcollector.storage.OutboxCost [events] [rounds]}.
 */
public final class OutboxCost {

  private OutboxCost() {
  }

  public static void main(String[] args) throws Exception {
    int events = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 9;
    int batch = 1_000;
    Vertx vertx = Vertx.vertx();
    Path dir = Files.createTempDirectory("outbox-cost");
    double[] plain = new double[rounds];
    double[] outbox = new double[rounds];
    long[] spent = new long[2];
    for (int round = -1; round < rounds; round++) {
      for (boolean withOutbox : new boolean[] {round % 2 == 0, round % 2 != 0}) {
        SqliteEventStore store = new SqliteEventStore(vertx, dir.resolve("r" + round + withOutbox + ".db"), false, 64, 256, 2);
        if (withOutbox) {
          MirrorOutbox queue = new MirrorOutbox(store);
          boolean counted = round >= 0;
          store.outbox(new OutboxHook() {
            @Override
            public Future<?> enqueue(io.vertx.sqlclient.SqlConnection conn, List<Event> events, long[] seqs) {
              long start = System.nanoTime();
              return queue.enqueue(conn, events, seqs).onComplete(ar -> {
                if (counted) {
                  spent[0] += System.nanoTime() - start;
                }
              });
            }

            @Override
            public void committed(int stored) {
              queue.committed(stored);
            }
          });
        }
        await(store.open());
        List<Event> all = events(events, round + (withOutbox ? "o" : "p"));
        long start = System.nanoTime();
        for (int from = 0; from < events; from += batch) {
          await(store.insert(all.subList(from, Math.min(events, from + batch))));
        }
        long took = System.nanoTime() - start;
        double rate = events / (took / 1e9);
        if (withOutbox && round >= 0) {
          spent[1] += took;
        }
        await(store.close());
        if (round >= 0) {
          (withOutbox ? outbox : plain)[round] = rate;
          System.out.printf("round %d %s: %.0f events/s%n", round + 1, withOutbox ? "sqlite + outbox" : "sqlite", rate);
        }
      }
    }
    Arrays.sort(plain);
    Arrays.sort(outbox);
    double p = plain[rounds / 2];
    double o = outbox[rounds / 2];
    System.out.printf("median: sqlite %.0f events/s, sqlite + outbox %.0f events/s (%+.1f %%)%n", p, o, (o / p - 1) * 100);
    System.out.printf("queueing into the outbox took %.1f %% of the commit time with the outbox%n", 100.0 * spent[0] / spent[1]);
    vertx.close();
  }

  private static List<Event> events(int n, String run) {
    List<Event> events = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      events.add(Event.fromJson(new JsonObject()
        .put("event_id", "cost-" + run + "-" + i)
        .put("timestamp", Event.formatTime(System.currentTimeMillis()))
        .put("source_system", "mahavishnu")
        .put("event_type", "workflow.step")
        .put("severity", "info")
        .put("title", "Step " + i)
        .put("description", "Benchmark event " + i + " of " + n)
        .put("correlation_id", "wf-" + (i / 10))
        .put("duration_ms", i % 1000)
        .put("data", new JsonObject().put("step", i))
        .put("tags", new JsonArray().add("bench"))
        .put("metadata", new JsonObject())));
    }
    return events;
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
  }
}
