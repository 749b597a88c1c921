package org.mailseal.imap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A raw IMAP client for tests: sends bytes, reads responses (literals included) up to a tagged line. */
final class ImapTestClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    ImapTestClient(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    ImapTestClient(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** The greeting line. */
    String greeting() throws IOException {
        return line();
    }

    /** Sends raw text. */
    void send(String text) throws IOException {
        send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    void send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Sends "tag command" and returns everything up to and including the line tagged {@code tag}. */
    String command(String tag, String command) throws IOException {
        send(tag + " " + command + "\r\n");
        return until(tag);
    }

    /** Reads up to and including the line starting with "tag ". */
    String until(String tag) throws IOException {
        StringBuilder all = new StringBuilder();
        while (true) {
            String unit = unit();
            all.append(unit);
            if (unit.startsWith(tag + " ")) {
                return all.toString();
            }
        }
    }

    /** One response: a line and the literals it announces, as text (ISO-8859-1, so bytes survive). */
    String unit() throws IOException {
        StringBuilder unit = new StringBuilder();
        while (true) {
            String line = line();
            unit.append(line);
            int open = line.lastIndexOf('{');
            if (line.endsWith("}\r\n") && open >= 0) {
                int size = Integer.parseInt(line.substring(open + 1, line.length() - 3).replace("+", ""));
                unit.append(new String(in.readNBytes(size), StandardCharsets.ISO_8859_1));
                continue;
            }
            return unit.toString();
        }
    }

    /** One line with its CRLF. */
    String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (b == '\n') {
                break;
            }
        }
        if (b < 0 && line.size() == 0) {
            throw new IOException("connection closed");
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    boolean closedByPeer() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
