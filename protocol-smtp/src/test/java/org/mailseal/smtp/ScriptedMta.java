package org.mailseal.smtp;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A tiny SMTP server that misbehaves on purpose, one behaviour per connection in the order given: it drops the
 * connection in the middle of the data, or never answers the final dot, or works. It records the messages it
 * accepted (final dot received and 250 sent), which is what "delivered exactly once" is counted on.
 */
final class ScriptedMta implements AutoCloseable {
    enum Behaviour { WORK, DROP_DURING_DATA, HANG_AFTER_DOT }

    final List<String> accepted = Collections.synchronizedList(new ArrayList<>());
    private final ConcurrentLinkedQueue<Behaviour> script;
    private final ServerSocket server;
    private final Thread acceptor;
    private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());

    ScriptedMta(Behaviour... behaviours) throws IOException {
        script = new ConcurrentLinkedQueue<>(List.of(behaviours));
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::acceptLoop, "scripted-mta");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                open.add(socket);
                Behaviour behaviour = script.isEmpty() ? Behaviour.WORK : script.poll();
                Thread session = new Thread(() -> serve(socket, behaviour), "scripted-mta-session");
                session.setDaemon(true);
                session.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket, Behaviour behaviour) {
        try (socket) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = socket.getOutputStream();
            say(out, "220 scripted ESMTP");
            String line;
            while ((line = in.readLine()) != null) {
                String verb = line.length() >= 4 ? line.substring(0, 4).toUpperCase() : line.toUpperCase();
                switch (verb) {
                    case "EHLO" -> say(out, "250-scripted\r\n250 8BITMIME");
                    case "QUIT" -> {
                        say(out, "221 bye");
                        return;
                    }
                    case "DATA" -> {
                        say(out, "354 go ahead");
                        StringBuilder message = new StringBuilder();
                        String data;
                        int lines = 0;
                        while ((data = in.readLine()) != null && !data.equals(".")) {
                            message.append(data).append("\r\n");
                            if (++lines == 2 && behaviour == Behaviour.DROP_DURING_DATA) {
                                socket.setSoLinger(true, 0);
                                return; // the connection drops in the middle of the message
                            }
                        }
                        if (behaviour == Behaviour.HANG_AFTER_DOT) {
                            while (in.read() >= 0) {
                                // never answers; reads until the client gives up and closes
                            }
                            return;
                        }
                        accepted.add(message.toString());
                        say(out, "250 2.0.0 accepted");
                    }
                    default -> say(out, "250 ok");
                }
            }
        } catch (IOException e) {
            // the peer went away
        }
    }

    private static void say(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        synchronized (open) {
            for (Socket socket : open) {
                socket.close();
            }
        }
    }
}
