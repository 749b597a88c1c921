package org.mailseal.imap;

import java.util.ArrayList;
import java.util.List;

/** A readable line diff of two recorded sessions, with a little context around each difference. */
final class TranscriptDiff {
    private static final int CONTEXT = 3;

    private TranscriptDiff() {}

    /** The units as lines: CRLF ends a line; a bare CR or LF (inside a literal) is shown escaped. */
    static List<String> lines(List<String> record) {
        List<String> lines = new ArrayList<>();
        for (String entry : record) {
            boolean client = entry.startsWith("C: ") || entry.startsWith("# ");
            String[] split = entry.split("\r\n", -1);
            for (int i = 0; i < split.length; i++) {
                if (i == split.length - 1 && split[i].isEmpty()) {
                    break;
                }
                String line = split[i].replace("\r", "\\r").replace("\n", "\\n");
                lines.add(client ? line : "S: " + line);
            }
            if (!entry.endsWith("\r\n") && !client) {
                lines.add("S: (no CRLF at the end of the unit above)");
            }
        }
        return lines;
    }

    static String show(List<String> units) {
        return String.join("\n        ", lines(units));
    }

    /** "-" lines are the server's answers on the plaintext account, "+" lines the proxy's. */
    static String diff(List<String> direct, List<String> proxy) {
        List<String> a = lines(direct);
        List<String> b = lines(proxy);
        int[][] lcs = new int[a.size() + 1][b.size() + 1];
        for (int i = a.size() - 1; i >= 0; i--) {
            for (int j = b.size() - 1; j >= 0; j--) {
                lcs[i][j] = a.get(i).equals(b.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<String> script = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < a.size() || j < b.size()) {
            if (i < a.size() && j < b.size() && a.get(i).equals(b.get(j))) {
                script.add("  " + a.get(i++));
                j++;
            } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
                script.add("+ " + b.get(j++));
            } else {
                script.add("- " + a.get(i++));
            }
        }
        StringBuilder out = new StringBuilder();
        int lastShown = -1;
        for (int k = 0; k < script.size(); k++) {
            boolean near = false;
            for (int d = Math.max(0, k - CONTEXT); d <= Math.min(script.size() - 1, k + CONTEXT); d++) {
                near |= !script.get(d).startsWith("  ");
            }
            if (near) {
                if (lastShown >= 0 && k > lastShown + 1) {
                    out.append("  ...\n");
                }
                out.append(abbreviate(script.get(k))).append('\n');
                lastShown = k;
            }
        }
        return out.toString();
    }

    private static String abbreviate(String line) {
        return line.length() > 400 ? line.substring(0, 400) + "... (" + line.length() + " chars)" : line;
    }
}
