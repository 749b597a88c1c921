package org.mailseal.server.keys;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An HTTP CONNECT proxy on loopback that tunnels {@code host:port} to a local port, so that a client connecting to
 * {@code https://openpgpkey.example.org/} reaches a test server with its real host name (SNI, certificate check,
 * Host header). A host it does not know, or whose port refuses, gets 502.
 */
public final class TunnelProxy implements AutoCloseable {
    private final ServerSocket listener;
    private final Map<String, Integer> routes = new ConcurrentHashMap<>();

    public TunnelProxy() throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::accept, "tunnel-proxy");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** Tunnels CONNECT requests for {@code hostAndPort} (such as {@code example.org:443}) to a loopback port. */
    public TunnelProxy route(String hostAndPort, int localPort) {
        routes.put(hostAndPort, localPort);
        return this;
    }

    public ProxySelector selector() {
        return ProxySelector.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()));
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                daemon(() -> tunnel(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void tunnel(Socket client) {
        try (client) {
            String request = head(client.getInputStream());
            String target = request.split(" ", 3)[1];
            Integer port = routes.get(target);
            OutputStream toClient = client.getOutputStream();
            Socket upstream;
            try {
                if (port == null) {
                    throw new IOException("no route to " + target);
                }
                upstream = new Socket(InetAddress.getLoopbackAddress(), port);
            } catch (IOException e) {
                toClient.write("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                return;
            }
            try (upstream) {
                toClient.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                toClient.flush();
                Thread back = daemon(() -> pump(upstream, client));
                pump(client, upstream);
                back.join();
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            // the client went away
        }
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            head.write(c);
            if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                break;
            }
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    private static void pump(Socket from, Socket to) {
        try {
            from.getInputStream().transferTo(to.getOutputStream());
            to.shutdownOutput();
        } catch (IOException e) {
            // one side closed
        }
    }

    private static Thread daemon(Runnable task) {
        Thread thread = new Thread(task, "tunnel");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
