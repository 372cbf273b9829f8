package org.eventcollector.ingest;

import org.eventcollector.bus.CodedException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Loki stream's labels in their protobuf form, the Prometheus label set text
 * {@code {name="value", other="va\"lue"}}: names {@code [a-zA-Z_][a-zA-Z0-9_]*}, values in double
 * quotes with Go escapes ({@code \\}, {@code \"}, {@code \n}, {@code \t}, {@code \r}).
 */
final class LokiLabels {

  private final String text;
  private final String where;
  private int at;

  private LokiLabels(String text, String where) {
    this.text = text;
    this.where = where;
  }

  static Map<String, String> parse(String text, String where) {
    return new LokiLabels(text, where).labels();
  }

  private Map<String, String> labels() {
    Map<String, String> labels = new LinkedHashMap<>();
    spaces();
    expect('{');
    spaces();
    if (peek() == '}') {
      at++;
    } else {
      while (true) {
        String name = name();
        spaces();
        expect('=');
        spaces();
        labels.put(name, value());
        spaces();
        char c = next();
        if (c == '}') {
          break;
        }
        if (c != ',') {
          throw invalid("',' or '}' expected");
        }
        spaces();
      }
    }
    spaces();
    if (at != text.length()) {
      throw invalid("text after '}'");
    }
    return labels;
  }

  private String name() {
    int start = at;
    while (at < text.length()) {
      char c = text.charAt(at);
      boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (at > start && c >= '0' && c <= '9');
      if (!ok) {
        break;
      }
      at++;
    }
    if (at == start) {
      throw invalid("a label name expected");
    }
    return text.substring(start, at);
  }

  private String value() {
    expect('"');
    StringBuilder value = new StringBuilder();
    while (true) {
      char c = next();
      if (c == '"') {
        return value.toString();
      }
      if (c == '\\') {
        char e = next();
        switch (e) {
          case 'n' -> value.append('\n');
          case 't' -> value.append('\t');
          case 'r' -> value.append('\r');
          case '\\', '"', '\'' -> value.append(e);
          default -> throw invalid("unknown escape '\\" + e + "'");
        }
      } else {
        value.append(c);
      }
    }
  }

  private void spaces() {
    while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
      at++;
    }
  }

  private char peek() {
    if (at >= text.length()) {
      throw invalid("unexpected end");
    }
    return text.charAt(at);
  }

  private char next() {
    char c = peek();
    at++;
    return c;
  }

  private void expect(char c) {
    if (next() != c) {
      throw invalid("'" + c + "' expected");
    }
  }

  private CodedException invalid(String reason) {
    String shown = text.length() > 128 ? text.substring(0, 128) + "…" : text;
    return CodedException.badRequest("labels", where + " is not a label set like {job=\"app\"}: " + reason
      + " at " + at + " in " + shown);
  }
}
