package org.eventcollector.alerts;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/** Polls a condition that another thread or process makes true, for a bounded time. */
final class Poll {

  private Poll() {
  }

  /** Returns once {@code condition} holds; fails with {@code what} after {@code seconds}. */
  static void until(int seconds, BooleanSupplier condition, Supplier<String> what) {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within " + seconds + " s: " + what.get());
      }
      try {
        Thread.sleep(20); // polling: the condition is met on another thread
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted");
      }
    }
  }
}
