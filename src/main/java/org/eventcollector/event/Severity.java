package org.eventcollector.event;

import java.util.Locale;

/** Severity levels, ordered by rank: debug &lt; info &lt; warning &lt; error &lt; critical. */
public enum Severity {
  DEBUG, INFO, WARNING, ERROR, CRITICAL;

  private static final Severity[] VALUES = values();

  private final String wire = name().toLowerCase(Locale.ROOT);

  /** The wire name, lower case. */
  public String wire() {
    return wire;
  }

  public int rank() {
    return ordinal();
  }

  public static Severity ofRank(int rank) {
    return VALUES[rank];
  }

  /** The severity named exactly {@code value} (lower case), or null. */
  public static Severity parse(String value) {
    return switch (value) {
      case "debug" -> DEBUG;
      case "info" -> INFO;
      case "warning" -> WARNING;
      case "error" -> ERROR;
      case "critical" -> CRITICAL;
      default -> null;
    };
  }
}
