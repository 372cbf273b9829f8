package org.eventcollector.event;

import java.util.Locale;

/** Case folding for substring search, the same on every storage backend. */
public final class Text {

  private Text() {
  }

  public static String fold(String value) {
    return value.toLowerCase(Locale.ROOT);
  }
}
