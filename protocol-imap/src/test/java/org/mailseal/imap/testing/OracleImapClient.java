package org.mailseal.imap.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of an IMAP client to ask the Dovecot oracle: any command (literals inline with LITERAL+), APPEND with
 * flags and a date, UID FETCH and UID SEARCH, keeping every response byte so that values can be compared octet for
 * octet. Used by the structure oracle and the search oracle.
 */
public final class OracleImapClient implements Closeable {
    private static final Pattern LITERAL_AT_END = Pattern.compile("\\{(\\d+)}\r\n$");
    private static final Pattern APPENDUID = Pattern.compile("\\[APPENDUID \\d+ (\\d+)]");

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private int tag;

    public OracleImapClient(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setSoTimeout(20_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        String greeting = line();
        if (!greeting.startsWith("* OK")) {
            throw new IOException("unexpected greeting: " + greeting);
        }
    }

    /** Sends a command and returns all response bytes up to and including the tagged OK; fails on NO/BAD. */
    public byte[] command(String command) throws IOException {
        String t = "t" + (++tag);
        out.write((t + " " + command + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return readUntilTagged(t);
    }

    /** The command's response, line by line (each with its CRLF; a literal stays inside its line's unit). */
    public List<String> commandLines(String command) throws IOException {
        return Arrays.asList(new String(command(command), StandardCharsets.ISO_8859_1).split("(?<=\r\n)"));
    }

    /** The UIDs of the {@code * SEARCH} response to {@code UID SEARCH program} (a MODSEQ suffix is dropped). */
    public TreeSet<Long> uidSearch(String program) throws IOException {
        TreeSet<Long> uids = new TreeSet<>();
        for (String l : commandLines("UID SEARCH " + program)) {
            if (l.startsWith("* SEARCH")) {
                String rest = l.substring(8).strip().replaceAll("\\(MODSEQ \\d+\\)", "").strip();
                for (String n : rest.isEmpty() ? new String[0] : rest.split(" ")) {
                    uids.add(Long.parseLong(n));
                }
            }
        }
        return uids;
    }

    /** APPENDs a message with a synchronizing literal and returns its UID. */
    public long append(String mailbox, byte[] message) throws IOException {
        return append(mailbox, null, null, message);
    }

    /** APPENDs a message with these flags and internal date (either may be null) and returns its UID. */
    public long append(String mailbox, String flags, String date, byte[] message) throws IOException {
        String t = "t" + (++tag);
        String options = (flags != null ? " (" + flags + ")" : "") + (date != null ? " \"" + date + "\"" : "");
        out.write((t + " APPEND " + mailbox + options + " {" + message.length + "}\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        String cont = line();
        if (!cont.startsWith("+")) {
            throw new IOException("no continuation for APPEND: " + cont);
        }
        out.write(message);
        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        String response = new String(readUntilTagged(t), StandardCharsets.ISO_8859_1);
        Matcher uid = APPENDUID.matcher(response);
        if (!uid.find()) {
            throw new IOException("no APPENDUID: " + response);
        }
        return Long.parseLong(uid.group(1));
    }

    /**
     * UID FETCHes {@code items} and returns each data item's raw value keyed by its name as the server wrote it
     * (for example {@code BODY[HEADER.FIELDS (FROM)]}).
     */
    public Map<String, byte[]> fetch(long uid, String items) throws IOException {
        byte[] response = command("UID FETCH " + uid + " (" + items + ")");
        return FetchParser.items(response);
    }

    private byte[] readUntilTagged(String t) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        while (true) {
            byte[] unit = responseUnit();
            all.write(unit);
            String text = new String(unit, StandardCharsets.ISO_8859_1);
            if (text.startsWith(t + " ")) {
                if (!text.startsWith(t + " OK")) {
                    throw new IOException("command failed: " + text.strip());
                }
                return all.toByteArray();
            }
        }
    }

    /** One response line with any literals it carries. */
    private byte[] responseUnit() throws IOException {
        ByteArrayOutputStream unit = new ByteArrayOutputStream();
        while (true) {
            String l = line();
            unit.write(l.getBytes(StandardCharsets.ISO_8859_1));
            Matcher m = LITERAL_AT_END.matcher(l);
            if (!m.find()) {
                return unit.toByteArray();
            }
            unit.write(in.readNBytes(Integer.parseInt(m.group(1))));
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("connection closed");
            }
            b.write(c);
            if (prev == '\r' && c == '\n') {
                return b.toString(StandardCharsets.ISO_8859_1);
            }
            prev = c;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** Splits the data of one {@code * n FETCH (...)} response into items, keeping values as raw bytes. */
    public static final class FetchParser {
        private final byte[] b;
        private int p;

        private FetchParser(byte[] b, int p) {
            this.b = b;
            this.p = p;
        }

        public static Map<String, byte[]> items(byte[] response) {
            String text = new String(response, StandardCharsets.ISO_8859_1);
            int start = text.indexOf(" FETCH (");
            if (!text.startsWith("* ") || start < 0) {
                throw new IllegalStateException("no FETCH response in: " + text);
            }
            FetchParser parser = new FetchParser(response, start + 8);
            Map<String, byte[]> items = new LinkedHashMap<>();
            while (parser.b[parser.p] != ')') {
                String key = parser.key();
                parser.expect(' ');
                int valueStart = parser.p;
                parser.value();
                items.put(key, java.util.Arrays.copyOfRange(response, valueStart, parser.p));
                if (parser.b[parser.p] == ' ') {
                    parser.p++;
                }
            }
            return items;
        }

        private String key() {
            int s = p;
            while (b[p] != ' ') {
                if (b[p] == '[') {
                    while (b[p] != ']') {
                        p++;
                    }
                }
                p++;
            }
            return new String(b, s, p - s, StandardCharsets.ISO_8859_1);
        }

        private void expect(char c) {
            if (b[p] != c) {
                throw new IllegalStateException("expected '" + c + "' at " + p);
            }
            p++;
        }

        private void value() {
            if (b[p] == '(') {
                p++;
                while (b[p] != ')') {
                    value();
                    if (b[p] == ' ') {
                        p++;
                    }
                }
                p++;
            } else if (b[p] == '"') {
                p++;
                while (b[p] != '"') {
                    p += b[p] == '\\' ? 2 : 1;
                }
                p++;
            } else if (b[p] == '{') {
                int close = p;
                while (b[close] != '}') {
                    close++;
                }
                int n = Integer.parseInt(new String(b, p + 1, close - p - 1, StandardCharsets.ISO_8859_1));
                p = close + 3 + n;
            } else {
                while (b[p] != ' ' && b[p] != ')') {
                    p++;
                }
            }
        }

        /** The octets of an nstring value: null for NIL. */
        public static byte[] stringContent(byte[] value) {
            String v = new String(value, StandardCharsets.ISO_8859_1);
            if (v.equals("NIL")) {
                return null;
            }
            if (v.startsWith("{")) {
                int nl = v.indexOf("}\r\n");
                return java.util.Arrays.copyOfRange(value, nl + 3, value.length);
            }
            if (v.startsWith("\"")) {
                return v.substring(1, v.length() - 1).replaceAll("\\\\(.)", "$1")
                        .getBytes(StandardCharsets.ISO_8859_1);
            }
            throw new IllegalStateException("not a string: " + v);
        }
    }
}
