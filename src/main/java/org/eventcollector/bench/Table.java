package org.eventcollector.bench;

import java.util.ArrayList;
import java.util.List;

/** The aligned text table of the results. */
final class Table {

  private static final String[] HEADER = {"scenario", "variant", "events/s", "limit/s", "ratio", "p50 ms", "p99 ms", "value", "note"};

  private Table() {
  }

  static String[] cells(Result r) {
    double ratio = r.ratio();
    return new String[] {r.scenario(), r.variant(), BenchCommand.format(r.eventsPerSecond()),
      BenchCommand.format(r.limitPerSecond()), Double.isNaN(ratio) ? "-" : String.format(java.util.Locale.ROOT, "%.0f %%", ratio * 100),
      BenchCommand.format(r.p50Ms()), BenchCommand.format(r.p99Ms()),
      Double.isNaN(r.value()) ? "-" : BenchCommand.format(r.value()) + " " + r.unit(), r.note() == null ? "" : r.note()};
  }

  static String line(Result r) {
    return String.join(" | ", cells(r));
  }

  static String render(List<Result> results) {
    List<String[]> rows = new ArrayList<>();
    rows.add(HEADER);
    results.forEach(r -> rows.add(cells(r)));
    int[] widths = new int[HEADER.length];
    for (String[] row : rows) {
      for (int c = 0; c < row.length - 1; c++) {
        widths[c] = Math.max(widths[c], row[c].length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (int r = 0; r < rows.size(); r++) {
      String[] row = rows.get(r);
      StringBuilder line = new StringBuilder();
      for (int c = 0; c < row.length; c++) {
        boolean numeric = c >= 2 && c <= 7;
        String cell = row[c];
        if (c == row.length - 1) {
          line.append(cell);
        } else if (numeric) {
          line.append(" ".repeat(widths[c] - cell.length())).append(cell).append("  ");
        } else {
          line.append(cell).append(" ".repeat(widths[c] - cell.length())).append("  ");
        }
      }
      text.append(line.toString().stripTrailing()).append('\n');
      if (r == 0) {
        int total = 0;
        for (int w : widths) {
          total += w + 2;
        }
        text.append("-".repeat(total + 4)).append('\n');
      }
    }
    return text.toString();
  }
}
