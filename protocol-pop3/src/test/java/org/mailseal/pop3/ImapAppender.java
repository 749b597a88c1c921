package org.mailseal.pop3;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** Puts messages into a test server's INBOX byte for byte, with IMAP APPEND (POP3 has no way in). */
final class ImapAppender {
    private ImapAppender() {}

    static void append(int imapPort, String user, String password, String... messages) throws IOException {
        try (Session session = Session.login(imapPort, user, password)) {
            BufferedReader in = session.in();
            OutputStream out = session.out();
            int tag = 0;
            for (String message : messages) {
                byte[] bytes = message.getBytes(StandardCharsets.ISO_8859_1);
                String t = "a" + tag++;
                out.write((t + " APPEND INBOX {" + bytes.length + "}\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String go = in.readLine();
                if (go == null || !go.startsWith("+")) {
                    throw new IOException("APPEND refused: " + go);
                }
                out.write(bytes);
                command(in, out, "", t);
            }
            command(in, out, "z LOGOUT", "z");
        }
    }

    /** The FLAGS of every message in INBOX, as "n (flags)" lines in message order. */
    static java.util.List<String> flags(int imapPort, String user, String password) throws IOException {
        try (Session session = Session.login(imapPort, user, password)) {
            BufferedReader in = session.in();
            OutputStream out = session.out();
            command(in, out, "s EXAMINE INBOX", "s");
            out.write("f FETCH 1:* (FLAGS)\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            java.util.List<String> flags = new java.util.ArrayList<>();
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("f ")) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\* (\\d+) FETCH \\(FLAGS (\\([^)]*\\))\\)")
                        .matcher(line);
                if (m.find()) {
                    flags.add(m.group(1) + " " + m.group(2));
                }
            }
            command(in, out, "z LOGOUT", "z");
            return flags;
        }
    }

    /** A logged-in IMAP connection. */
    private record Session(Socket socket, BufferedReader in, OutputStream out) implements AutoCloseable {
        static Session login(int port, String user, String password) throws IOException {
            Socket socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            in.readLine(); // greeting
            command(in, out, "l LOGIN " + quoted(user) + " " + quoted(password), "l");
            return new Session(socket, in, out);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** An IMAP quoted string (RFC 3501 §4.3). */
    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static void command(BufferedReader in, OutputStream out, String command, String tag) throws IOException {
        out.write((command + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        String line;
        while ((line = in.readLine()) != null) {
            if (line.startsWith(tag + " ")) {
                if (!line.startsWith(tag + " OK")) {
                    throw new IOException("IMAP command failed: " + line);
                }
                return;
            }
        }
        throw new IOException("IMAP server closed the connection");
    }
}
