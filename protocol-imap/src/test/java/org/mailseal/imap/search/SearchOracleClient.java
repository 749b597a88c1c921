package org.mailseal.imap.search;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Just enough of an IMAP client to ask the Dovecot oracle about SEARCH: commands (with LITERAL+ literals inline),
 * APPEND with flags and a date, and the UIDs of a {@code * SEARCH} response. Responses are read line by line;
 * the commands used here get no literals back.
 */
final class SearchOracleClient implements Closeable {
    private static final Pattern APPENDUID = Pattern.compile("\\[APPENDUID \\d+ (\\d+)]");

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private int tag;

    SearchOracleClient(String host, int port) throws IOException {
        socket = new Socket(host, port);
        socket.setSoTimeout(20_000);
        in = new BufferedInputStream(socket.getInputStream());
        out = socket.getOutputStream();
        if (!line().startsWith("* OK")) {
            throw new IOException("unexpected greeting");
        }
    }

    /** Sends a command (octets as ISO-8859-1 chars) and returns its response lines; fails unless tagged OK. */
    List<String> command(String command) throws IOException {
        String t = "s" + (++tag);
        out.write((t + " " + command + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        List<String> lines = new ArrayList<>();
        while (true) {
            String l = line();
            lines.add(l);
            if (l.startsWith(t + " ")) {
                if (!l.startsWith(t + " OK")) {
                    throw new IOException("command failed: " + command.strip() + " -> " + l.strip());
                }
                return lines;
            }
        }
    }

    /** The UIDs of the {@code * SEARCH} response to {@code UID SEARCH program} (a MODSEQ suffix is dropped). */
    TreeSet<Long> uidSearch(String program) throws IOException {
        TreeSet<Long> uids = new TreeSet<>();
        for (String l : command("UID SEARCH " + program)) {
            if (l.startsWith("* SEARCH")) {
                String rest = l.substring(8).strip().replaceAll("\\(MODSEQ \\d+\\)", "").strip();
                for (String n : rest.isEmpty() ? new String[0] : rest.split(" ")) {
                    uids.add(Long.parseLong(n));
                }
            }
        }
        return uids;
    }

    long append(String mailbox, String flags, String date, byte[] message) throws IOException {
        String t = "s" + (++tag);
        out.write((t + " APPEND " + mailbox + " (" + flags + ") \"" + date + "\" {" + message.length + "+}\r\n")
                .getBytes(StandardCharsets.ISO_8859_1));
        out.write(message);
        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        while (true) {
            String l = line();
            if (l.startsWith(t + " ")) {
                Matcher m = APPENDUID.matcher(l);
                if (!l.startsWith(t + " OK") || !m.find()) {
                    throw new IOException("APPEND failed: " + l.strip());
                }
                return Long.parseLong(m.group(1));
            }
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
}
