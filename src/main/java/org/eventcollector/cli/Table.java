package org.eventcollector.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** A text table: a header row and rows, columns padded to their widest cell. */
final class Table {

  static final int MAX_CELL = 80;

  private final List<String[]> rows = new ArrayList<>();
  private final int columns;

  Table(String... header) {
    this.columns = header.length;
    rows.add(header);
  }

  Table row(Object... cells) {
    String[] row = new String[columns];
    for (int i = 0; i < columns; i++) {
      row[i] = i < cells.length ? cell(cells[i]) : "";
    }
    rows.add(row);
    return this;
  }

  int size() {
    return rows.size() - 1;
  }

  void print(PrintWriter out) {
    int[] widths = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < columns; i++) {
        widths[i] = Math.max(widths[i], row[i].codePointCount(0, row[i].length()));
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        line.append(row[i]);
        if (i < columns - 1) {
          line.append(" ".repeat(widths[i] - row[i].codePointCount(0, row[i].length()) + 2));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }

  /** A two-column table of a {@code {name: count}} object, in the collector's order (largest first). */
  static Table counts(String title, JsonObject counts) {
    Table table = new Table(title, "COUNT");
    if (counts != null) {
      counts.forEach(e -> table.row(e.getKey(), e.getValue()));
    }
    return table;
  }

  /** The event table of {@code query}: time, system, severity, type, title. */
  static Table events(JsonArray events) {
    Table table = new Table("TIME", "SYSTEM", "SEVERITY", "TYPE", "TITLE");
    if (events != null) {
      for (Object item : events) {
        JsonObject e = (JsonObject) item;
        table.row(e.getString("timestamp"), e.getString("source_system"), e.getString("severity"),
          e.getString("event_type"), e.getString("title"));
      }
    }
    return table;
  }

  static String cell(Object value) {
    if (value == null) {
      return "-";
    }
    String text = value.toString().replaceAll("\\p{Cntrl}", " ");
    if (text.codePointCount(0, text.length()) > MAX_CELL) {
      text = text.substring(0, text.offsetByCodePoints(0, MAX_CELL - 1)) + "…";
    }
    return text;
  }
}
