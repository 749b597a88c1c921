package org.mailseal.imap.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * An upstream IMAP server that misbehaves on purpose: it runs a script per connection, and records everything the
 * proxy sent it (to show that, for example, no credentials were sent).
 */
public final class ScriptedImapServer implements AutoCloseable {
    /** What the server received, over all connections. */
    public final StringBuffer received = new StringBuffer();
    private final ServerSocket server;
    private final Thread thread;

    /** The script gets a line reader and the output stream of each connection. */
    public interface Script {
        void run(Lines in, OutputStream out) throws IOException;
    }

    public final class Lines {
        private final InputStream in;

        Lines(InputStream in) {
            this.in = in;
        }

        public String line() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                line.write(b);
                if (b == '\n') {
                    break;
                }
            }
            String text = line.toString(StandardCharsets.ISO_8859_1);
            received.append(text);
            return text;
        }

        /** The next n octets (a literal's), as ISO-8859-1 text; shorter at the end of the stream. */
        public String octets(int n) throws IOException {
            String text = new String(in.readNBytes(n), StandardCharsets.ISO_8859_1);
            received.append(text);
            return text;
        }
    }

    public ScriptedImapServer(Script script) throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        thread = new Thread(() -> {
            while (!server.isClosed()) {
                try (Socket socket = server.accept()) {
                    socket.setSoTimeout(10_000);
                    script.run(new Lines(socket.getInputStream()), socket.getOutputStream());
                } catch (IOException e) {
                    // connection over
                }
            }
        }, "scripted-imap");
        thread.setDaemon(true);
        thread.start();
    }

    public int port() {
        return server.getLocalPort();
    }

    public static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
