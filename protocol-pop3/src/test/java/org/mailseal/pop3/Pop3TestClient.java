package org.mailseal.pop3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A raw POP3 client for tests: sends exactly what it is given and returns responses as text (ISO-8859-1). */
final class Pop3TestClient implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    Pop3TestClient(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    void send(String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** One line with its CRLF, or null at the end of the stream. */
    String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (b == '\n') {
                break;
            }
        }
        return b < 0 && line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    /** A single-line command's response line. */
    String command(String command) throws IOException {
        send(command + "\r\n");
        return line();
    }

    /** A multi-line command's whole response (status line through the terminating "." line), or its -ERR line. */
    String multi(String command) throws IOException {
        send(command + "\r\n");
        return rest();
    }

    /** The rest of a multi-line response whose command was sent already. */
    String rest() throws IOException {
        StringBuilder response = new StringBuilder(line());
        if (!response.toString().startsWith("+OK")) {
            return response.toString();
        }
        String line;
        while ((line = line()) != null) {
            response.append(line);
            if (line.equals(".\r\n")) {
                break;
            }
        }
        return response.toString();
    }

    /** The octets a multi-line response stands for: its lines after the status line, unstuffed, without the end. */
    static String content(String response) {
        String body = response.substring(response.indexOf("\r\n") + 2, response.length() - 3);
        StringBuilder content = new StringBuilder();
        for (String line : body.split("(?<=\r\n)")) {
            content.append(line.startsWith(".") ? line.substring(1) : line);
        }
        return content.toString();
    }

    boolean closedByPeer() throws IOException {
        return in.read() < 0;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
