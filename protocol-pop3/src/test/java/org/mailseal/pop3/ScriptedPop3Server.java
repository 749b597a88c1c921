package org.mailseal.pop3;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A POP3 server that follows a script, for upstream misbehaviour: each command line it receives goes to the script,
 * which returns what to send back (null: close the connection; ending in {@link #THEN_CLOSE}: send, then close). The
 * greeting is sent first. It records every line.
 */
final class ScriptedPop3Server implements AutoCloseable {
    static final String THEN_CLOSE = "\0close";
    final List<String> received = new CopyOnWriteArrayList<>();
    private final ServerSocket server;

    ScriptedPop3Server(String greeting, Function<String, String> script) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread accept = new Thread(() -> {
            try {
                while (true) {
                    Socket socket = server.accept();
                    Thread session = new Thread(() -> serve(socket, greeting, script), "scripted-pop3");
                    session.setDaemon(true);
                    session.start();
                }
            } catch (IOException e) {
                // closed
            }
        }, "scripted-pop3-accept");
        accept.setDaemon(true);
        accept.start();
    }

    /** A server that answers CAPA, USER and PASS, UIDL with one message, and gives the rest to {@code script}. */
    static ScriptedPop3Server loggingIn(Function<String, String> script) throws IOException {
        return new ScriptedPop3Server("+OK ready\r\n", line -> {
            if (line.equals("CAPA")) {
                return "+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.\r\n";
            }
            if (line.startsWith("USER ") || line.startsWith("PASS ")) {
                return "+OK\r\n";
            }
            if (line.equals("UIDL")) {
                return "+OK\r\n1 uid-1\r\n.\r\n";
            }
            return script.apply(line);
        });
    }

    private void serve(Socket socket, String greeting, Function<String, String> script) {
        try (socket) {
            OutputStream out = socket.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            out.write(greeting.getBytes(StandardCharsets.UTF_8));
            out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                received.add(line);
                String answer = script.apply(line);
                if (answer == null) {
                    return;
                }
                boolean close = answer.endsWith(THEN_CLOSE);
                out.write(answer.replace(THEN_CLOSE, "").getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (IOException e) {
            // the proxy went away
        }
    }

    int port() {
        return server.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
