package org.eventcollector.stream;

import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import org.eventcollector.event.Event;
import org.eventcollector.metrics.CollectorMetrics;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;

/**
 * One WebSocket client: its filter, its bounded queue and its resume seam. Runs on the event loop
 * of the HTTP verticle that accepted it, like its {@link StreamHub}.
 *
 * <p>Frames are written while the socket is writable; the rest waits in a queue of at most
 * {@code limit} events. Past it, events are dropped for this client only and counted; as soon
 * as the queue has room again a {@code {"control": "dropped", "count": n}} frame takes the place of
 * the missing events.
 */
final class StreamClient {

  /** A live event waiting for the socket, with its commit position. */
  private record Pending(long seq, String text) {
  }

  private final StreamFilter filter;
  private final int limit;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private ServerWebSocket socket;
  private Iterator<String> replay;
  /** While the replay is being read, the commit position of {@code after} if it was committed meanwhile. */
  private long afterSeq = -1;
  private boolean replaying;
  /** The last position the replay covered: live events up to it are already sent. */
  private long seam = -1;
  private boolean closed;
  private long dropped;
  private long droppedTotal;
  private long sent;

  StreamClient(StreamFilter filter, int limit, boolean replaying) {
    this.filter = filter;
    this.limit = limit;
    this.replaying = replaying;
  }

  /**
   * A live event from the hub, its text written once for every client. Queues it when it matches;
   * the hub writes the queue out later in bounded slices ({@link #pump(int)}). Answers whether
   * anything was queued.
   */
  boolean offer(long seq, Event event, String text) {
    if (closed) {
      return false;
    }
    if (replaying && event.eventId().equals(filter.after())) {
      afterSeq = seq;
      // Everything buffered so far was committed before the resume point.
      queue.clear();
      dropped = 0;
      return false;
    }
    // The hub delivers in commit order but may hold a position back (CommitOrder), so a live event
    // can come after the replay that already held it.
    if (seq <= seam || !filter.matches(event)) {
      return false;
    }
    if (queue.size() >= limit && socket != null) {
      // Full only because the hub has not written this commit out yet: write what the socket takes now.
      pump(limit);
    }
    if (queue.size() >= limit) {
      dropped++;
      droppedTotal++;
      CollectorMetrics.get().streamDropped(1);
      return false;
    }
    noteDrops();
    queue.add(new Pending(seq, text));
    return socket != null;
  }

  /**
   * The socket is open and the replay (events after {@code after}, in commit order, with the
   * position of the last one, or of {@code after} itself when later) is known: drop buffered live
   * events the replay already holds, then write the replay followed by the buffer.
   */
  void open(ServerWebSocket socket, List<String> replayed, long lastReplayedSeq, Runnable wake) {
    this.socket = socket;
    seam = Math.max(lastReplayedSeq, afterSeq);
    queue.removeIf(pending -> pending.seq() >= 0 && pending.seq() <= seam);
    replay = replayed.iterator();
    replaying = false;
    // The socket has room again: the hub writes the queue out (with the dropped notice first).
    socket.drainHandler(v -> wake.run());
    wake.run();
  }

  void close() {
    closed = true;
    queue.clear();
    replay = null;
  }

  private void noteDrops() {
    if (dropped > 0 && queue.size() < limit) {
      queue.add(new Pending(-1, new JsonObject().put("control", "dropped").put("count", dropped).encode()));
      dropped = 0;
    }
  }

  /**
   * Writes queued frames while the socket takes them, at most {@code budget}. Answers how many were
   * written; {@link #ready()} tells whether more could be written now.
   */
  int pump(int budget) {
    // The peer may have closed the socket before its close handler removed this client.
    if (socket == null || closed || socket.isClosed()) {
      return 0;
    }
    int written = 0;
    while (written < budget && !socket.writeQueueFull()) {
      noteDrops();
      if (replay != null && replay.hasNext()) {
        socket.writeTextMessage(replay.next());
        sent++;
        written++;
        continue;
      }
      replay = null;
      Pending next = queue.pollFirst();
      if (next == null) {
        break;
      }
      socket.writeTextMessage(next.text());
      written++;
      if (next.seq() >= 0) {
        sent++;
      }
    }
    return written;
  }

  /** Whether frames wait and the socket would take one now. */
  boolean ready() {
    return socket != null && !closed && !socket.isClosed() && !socket.writeQueueFull()
      && (!queue.isEmpty() || dropped > 0 || (replay != null && replay.hasNext()));
  }

  int queued() {
    return queue.size();
  }

  long droppedTotal() {
    return droppedTotal;
  }

  long sent() {
    return sent;
  }
}
