package org.mailseal.imap.sync;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An IMAP server that answers each command from a script, to show how the sync store takes what real servers
 * rarely send: huge or malformed VANISHED, odd LIST entries, unsolicited FETCH, a wrong APPENDUID. It reads
 * literals (answering "+" to synchronising ones) and records every command it received.
 */
final class ScriptedUpstream implements AutoCloseable {
    private static final Pattern LITERAL = Pattern.compile("\\{(\\d+)(\\+?)}\r\n$");

    /** Everything received, over all connections. */
    final StringBuffer received = new StringBuffer();
    private final ServerSocket server;
    private final Thread thread;

    /**
     * @param answers from a command without its tag (literals inline) to the untagged lines to send (each ending in
     *                CRLF), then "$TAG OK" unless the answer has a "$TAG " line of its own; for IDLE the answer is
     *                sent, then the server waits for DONE before its tagged OK
     */
    ScriptedUpstream(Function<String, String> answers) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        thread = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    socket.setSoTimeout(30_000);
                    serve(new BufferedInputStream(socket.getInputStream()), socket.getOutputStream(), answers);
                } catch (IOException e) {
                    // connection over
                }
            }
        }, "scripted-upstream");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve(InputStream in, OutputStream out, Function<String, String> answers) throws IOException {
        write(out, "* OK scripted\r\n");
        while (true) {
            String command = command(in, out);
            if (command == null) {
                return;
            }
            int space = command.indexOf(' ');
            String tag = command.substring(0, space);
            String text = command.substring(space + 1, command.length() - 2);
            String answer = answers.apply(text).replace("$TAG", tag);
            write(out, answer);
            if (text.equalsIgnoreCase("IDLE")) {
                String done = line(in);
                received.append(done);
            }
            if (!answer.contains(tag + " ")) {
                write(out, tag + " OK done\r\n");
            }
            if (text.equalsIgnoreCase("LOGOUT")) {
                return;
            }
        }
    }

    /** A whole command with its literals, or null at the end of the stream. */
    private String command(InputStream in, OutputStream out) throws IOException {
        StringBuilder command = new StringBuilder();
        while (true) {
            String line = line(in);
            if (line.isEmpty()) {
                return null;
            }
            command.append(line);
            Matcher m = LITERAL.matcher(line);
            if (!m.find()) {
                received.append(command);
                return command.toString();
            }
            if (m.group(2).isEmpty()) {
                write(out, "+ go on\r\n");
            }
            command.append(new String(in.readNBytes(Integer.parseInt(m.group(1))), StandardCharsets.ISO_8859_1));
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (b == '\n') {
                break;
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
