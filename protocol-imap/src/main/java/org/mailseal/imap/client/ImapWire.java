package org.mailseal.imap.client;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The wire side of {@link ToolImapClient}: tagged commands made of text and literals out, responses in, each a
 * line and its literals (only CRLF ends a line), bounded by {@link ToolImapClient#MAX_LINE} a line and by
 * {@code maxLiteral} the literals of one response. Not thread-safe.
 */
final class ImapWire {
    /** Takes each untagged response of a command as it arrives. */
    @FunctionalInterface
    interface Untagged {
        void accept(byte[] unit) throws IOException;
    }

    /** A command's untagged responses and the response code (or "") of its tagged OK. */
    record Response(List<byte[]> untagged, String code) {}

    /** A string argument: quoted when it can be, else a literal. */
    record Astring(byte[] data) {}

    /** Always a literal: message content. */
    record Literal(byte[] data) {}

    private final int maxLiteral;
    /** What a collecting command keeps of untagged responses, so that a chatty server cannot fill the heap. */
    private final long maxCollected;
    private Socket socket;
    private InputStream in;
    /** The line being read, reused: a full scan reads one line per message. */
    private byte[] line = new byte[256];
    private OutputStream out;
    private int nextTag = 1;
    private boolean literalPlus;
    private Untagged watcher = unit -> { };

    ImapWire(int maxLiteral) {
        this.maxLiteral = maxLiteral;
        this.maxCollected = maxLiteral + (16L << 20);
    }

    void use(Socket s) throws IOException {
        socket = s;
        in = new ResponseInput(s.getInputStream());
        out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
    }

    /** Sees every untagged response before the command's own handler (mailbox size and change tracking). */
    void watch(Untagged w) {
        watcher = w;
    }

    Socket socket() {
        return socket;
    }

    /** Send literals non-synchronising ({n+}, RFC 7888) from now on: the server advertised LITERAL+. */
    void literalPlus(boolean on) {
        literalPlus = on;
    }

    /** Sends a command and keeps its untagged responses (bounded); throws unless it ends in a tagged OK. */
    Response command(Object... parts) throws IOException {
        List<byte[]> untagged = new ArrayList<>();
        long[] kept = new long[1];
        String code = command(unit -> {
            kept[0] += unit.length + 64L;
            if (kept[0] > maxCollected) {
                throw new ImapClientException("untagged responses larger than " + maxCollected + " bytes");
            }
            untagged.add(unit);
        }, parts);
        return new Response(untagged, code);
    }

    /** How many commands were sent on this connection. */
    int commandsSent() {
        return nextTag - 1;
    }

    /** Sends a command, hands each untagged response to {@code handler}; returns the code of the tagged OK. */
    String command(Untagged handler, Object... parts) throws IOException {
        return finish(send(handler, parts), handler);
    }

    /** Writes a whole command (waiting for continuations of synchronising literals); returns its tag. */
    String send(Untagged handler, Object... parts) throws IOException {
        String tag = "R" + nextTag++;
        out.write((tag + " ").getBytes(StandardCharsets.US_ASCII));
        for (Object part : parts) {
            if (part instanceof Astring s && isQuotable(s.data())) {
                out.write('"');
                out.write(s.data());
                out.write('"');
            } else if (part instanceof Astring || part instanceof Literal) {
                byte[] data = part instanceof Astring s ? s.data() : ((Literal) part).data();
                if (literalPlus) {
                    out.write(("{" + data.length + "+}\r\n").getBytes(StandardCharsets.US_ASCII));
                } else {
                    out.write(("{" + data.length + "}\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    awaitContinuation(tag, handler);
                }
                out.write(data);
            } else {
                out.write(((String) part).getBytes(StandardCharsets.US_ASCII));
            }
        }
        writeLine("");
        return tag;
    }

    /** Writes text and CRLF (the rest of a command, or IDLE's DONE) and flushes. */
    void writeLine(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.write('\r');
        out.write('\n');
        out.flush();
    }

    /** Reads until the tagged response of {@code tag}; throws unless it is OK, else returns its response code. */
    String finish(String tag, Untagged handler) throws IOException {
        while (true) {
            byte[] unit = readUnit();
            if (startsWith(unit, tag + " ")) {
                return tagged(tag, unit);
            }
            if (startsWith(unit, "* ")) {
                watcher.accept(unit);
                handler.accept(unit);
            } else {
                throw new ImapClientException("unexpected response line");
            }
        }
    }

    /** Reads until a continuation request ("+"); a tagged answer instead means the command was refused. */
    void awaitContinuation(String tag, Untagged handler) throws IOException {
        while (true) {
            byte[] unit = readUnit();
            if (startsWith(unit, "+")) {
                return;
            }
            if (startsWith(unit, tag + " ")) {
                tagged(tag, unit); // throws if refused
                throw new ImapClientException("server completed the command instead of asking for more");
            }
            if (!startsWith(unit, "* ")) {
                throw new ImapClientException("unexpected response line");
            }
            watcher.accept(unit);
            handler.accept(unit);
        }
    }

    /**
     * Waits up to {@code wait} for the server to send something, consuming nothing; the socket's read timeout is
     * restored afterwards, so a response that stalls halfway still fails by the command timeout.
     *
     * @return false when nothing arrived in time
     */
    boolean awaitData(Duration wait) throws IOException {
        if (in.available() > 0) {
            return true;
        }
        int saved = socket.getSoTimeout();
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, wait.toMillis())));
        try {
            in.mark(1);
            if (in.read() < 0) {
                throw new ImapClientException("connection closed by the server");
            }
            in.reset();
            return true;
        } catch (SocketTimeoutException timeout) {
            return false;
        } finally {
            socket.setSoTimeout(saved);
        }
    }

    static String tagged(String tag, byte[] unit) throws ImapClientException {
        String rest = ascii(unit).substring(tag.length() + 1).trim();
        String status = rest.split(" ", 2)[0].toUpperCase(Locale.ROOT);
        String code = "";
        int open = rest.indexOf('[');
        int close = rest.indexOf(']');
        if (open == status.length() + 1 && close > open) {
            code = rest.substring(open + 1, close);
        }
        if (!status.equals("OK")) {
            // Server text is printable ASCII after sanitising, bounded: it may be quoted in a log line.
            String text = rest.replaceAll("[^\\x20-\\x7e]", "?");
            throw new ImapClientException("server answered " + text.substring(0, Math.min(200, text.length())));
        }
        return code;
    }

    private static boolean isQuotable(byte[] data) {
        if (data.length > 256) {
            return false;
        }
        for (byte b : data) {
            if (b < 0x20 || b > 0x7e || b == '"' || b == '\\') {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads one response: a line, and when it ends in a literal marker {n}, the literal's octets and the rest, until
     * a line ends without one. Only CRLF ends a line.
     */
    byte[] readUnit() throws IOException {
        ByteArrayOutputStream unit = new ByteArrayOutputStream(256);
        long literalTotal = 0;
        while (true) {
            int lineStart = unit.size();
            readLine(unit);
            byte[] bytes = unit.toByteArray();
            long size = literalSize(bytes, lineStart, bytes.length - 2);
            if (size < 0) {
                return bytes;
            }
            literalTotal += size;
            if (literalTotal > maxLiteral) {
                throw new ImapClientException("literal larger than " + maxLiteral + " bytes");
            }
            unit.write(in.readNBytes((int) size));
            if (unit.size() - bytes.length != size) {
                throw new ImapClientException("connection closed inside a literal");
            }
        }
    }

    private void readLine(ByteArrayOutputStream unit) throws IOException {
        int length = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new ImapClientException("connection closed by the server");
            }
            if (length + 1 > ToolImapClient.MAX_LINE) {
                throw new ImapClientException("response line longer than " + ToolImapClient.MAX_LINE + " bytes");
            }
            if (b == '\n') {
                throw new ImapClientException("bare LF in a response line");
            }
            if (length == line.length) {
                line = Arrays.copyOf(line, Math.min(ToolImapClient.MAX_LINE + 1, line.length * 2));
            }
            line[length++] = (byte) b;
            if (b == '\r') {
                if (in.read() != '\n') {
                    throw new ImapClientException("bare CR in a response line");
                }
                unit.write(line, 0, length);
                unit.write('\n');
                return;
            }
        }
    }

    /**
     * A buffered stream whose one-byte read takes no lock while the buffer has bytes: responses are read a byte at a
     * time (only CRLF ends a line), and the inherited synchronised read cost a fifth of a full scan's CPU. One thread
     * reads a connection at a time.
     */
    private static final class ResponseInput extends BufferedInputStream {
        ResponseInput(InputStream in) {
            super(in, 64 * 1024);
        }

        @Override
        public int read() throws IOException {
            byte[] b = buf; // null once closed: then the inherited read throws
            if (b != null && pos < count) {
                return b[pos++] & 0xff;
            }
            return super.read();
        }
    }

    /** The n of a line ending in "{n}" (before CRLF), or -1. */
    private static long literalSize(byte[] data, int from, int end) throws ImapClientException {
        if (end - 1 < from || data[end - 1] != '}') {
            return -1;
        }
        int i = end - 2;
        while (i >= from && data[i] >= '0' && data[i] <= '9') {
            i--;
        }
        if (i < from || data[i] != '{' || i == end - 2) {
            return -1;
        }
        if (end - 2 - i > 10) {
            throw new ImapClientException("bad literal size");
        }
        return Long.parseLong(new String(data, i + 1, end - 2 - i, StandardCharsets.US_ASCII));
    }

    static boolean startsWith(byte[] unit, String prefix) {
        if (unit.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (Character.toUpperCase(unit[i]) != Character.toUpperCase(prefix.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static String ascii(byte[] unit) {
        return new String(unit, StandardCharsets.ISO_8859_1);
    }
}
