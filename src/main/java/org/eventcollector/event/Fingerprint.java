package org.eventcollector.event;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Groups errors that differ only in their variable parts. The title and description are
 * normalised (lower case; quoted values, URLs, paths, UUIDs, hex ids, e-mail addresses, numbers
 * and any word holding a digit masked; whitespace collapsed) and the fingerprint is the first 16
 * hex digits of the SHA-256 of {@code source_system}, {@code event_type} and the two normalised
 * texts. "Workflow failed: wf_123 at /srv/a.py line 7" and "Workflow failed: wf_9 at /srv/b.py
 * line 12" share one.
 */
public final class Fingerprint {

  /** Only the head of a description counts: enough to tell errors apart, bounded in cost. */
  public static final int DESCRIPTION_CHARS = 1000;

  private Fingerprint() {
  }

  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  });

  /** The fingerprint of an error: 16 lower-case hex digits. */
  public static String of(String sourceSystem, String eventType, String title, String description) {
    String key = sourceSystem + '\n' + eventType + '\n' + normalise(title) + '\n'
      + normalise(head(description));
    byte[] hash = SHA256.get().digest(key.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(hash, 0, 8);
  }

  /** The normalised text: what stays the same across occurrences of one error. One pass, no regex. */
  public static String normalise(String text) {
    if (text == null || text.isEmpty()) {
      return "";
    }
    String s = text.toLowerCase(Locale.ROOT);
    int n = s.length();
    StringBuilder out = new StringBuilder(n);
    boolean space = true;
    int i = 0;
    while (i < n) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c)) {
        if (!space) {
          out.append(' ');
          space = true;
        }
        i++;
        continue;
      }
      space = false;
      if (opensQuote(s, i)) {
        int close = s.indexOf(c, i + 1);
        if (close > 0) {
          out.append("<str>");
          i = close + 1;
          continue;
        }
      }
      int j = i + 1;
      while (j < n && !Character.isWhitespace(s.charAt(j)) && !opensQuote(s, j)) {
        j++;
      }
      token(s, i, j, out);
      i = j;
    }
    int length = out.length();
    return length > 0 && out.charAt(length - 1) == ' ' ? out.substring(0, length - 1) : out.toString();
  }

  private static boolean opensQuote(String s, int i) {
    char c = s.charAt(i);
    return c == '"' || c == '`' || (c == '\'' && (i == 0 || !Character.isLetterOrDigit(s.charAt(i - 1))));
  }

  /** One whitespace-free token {@code s[from, to)}: a URL, e-mail or path whole, else word by word. */
  private static void token(String s, int from, int to, StringBuilder out) {
    int start = from;
    int end = to;
    while (start < end && "([{<,;".indexOf(s.charAt(start)) >= 0) {
      start++;
    }
    while (end > start && ")]}>,;:.!?".indexOf(s.charAt(end - 1)) >= 0) {
      end--;
    }
    out.append(s, from, start);
    String core = s.substring(start, end);
    if (core.contains("://")) {
      out.append("<url>");
    } else if (isEmail(core)) {
      out.append("<email>");
    } else if (isPath(core)) {
      out.append("<path>");
    } else {
      words(core, out);
    }
    out.append(s, end, to);
  }

  private static boolean isEmail(String core) {
    int at = core.indexOf('@');
    return at > 0 && core.indexOf('.', at + 2) > at + 1 && core.indexOf('.', at + 2) < core.length() - 1;
  }

  private static boolean isPath(String core) {
    if (core.length() > 2 && core.charAt(1) == ':' && core.charAt(2) == '\\' && Character.isLetter(core.charAt(0))) {
      return true;
    }
    String rest = core.startsWith("~/") ? core.substring(1) : core.startsWith("../") ? core.substring(2)
      : core.startsWith("./") ? core.substring(1) : core;
    return rest.length() > 1 && rest.charAt(0) == '/' && rest.charAt(1) != '/';
  }

  /** Runs of word characters ({@code [a-z0-9_.:-]}) holding a digit become {@code <num>} or {@code <id>}. */
  private static void words(String core, StringBuilder out) {
    int i = 0;
    int n = core.length();
    while (i < n) {
      if (!isWordChar(core.charAt(i))) {
        out.append(core.charAt(i++));
        continue;
      }
      int j = i;
      boolean digit = false;
      while (j < n && isWordChar(core.charAt(j))) {
        digit |= Character.isDigit(core.charAt(j));
        j++;
      }
      String word = core.substring(i, j);
      if (digit) {
        out.append(isNumber(word) ? "<num>" : "<id>");
      } else if (word.length() >= 8 && isHex(word)) {
        out.append("<id>");
      } else {
        out.append(word);
      }
      i = j;
    }
  }

  private static boolean isWordChar(char c) {
    return Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == ':' || c == '-';
  }

  private static boolean isNumber(String word) {
    int i = word.charAt(0) == '-' || word.charAt(0) == '+' ? 1 : 0;
    boolean needDigit = true;
    for (; i < word.length(); i++) {
      char c = word.charAt(i);
      if (Character.isDigit(c)) {
        needDigit = false;
      } else if ((c == '.' || c == ':') && !needDigit) {
        needDigit = true;
      } else {
        return false;
      }
    }
    return !needDigit;
  }

  private static boolean isHex(String word) {
    for (int i = 0; i < word.length(); i++) {
      char c = word.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }

  private static String head(String description) {
    if (description == null) {
      return "";
    }
    return description.length() <= DESCRIPTION_CHARS ? description : description.substring(0, DESCRIPTION_CHARS);
  }
}
