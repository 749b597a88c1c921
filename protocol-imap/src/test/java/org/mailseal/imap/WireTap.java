package org.mailseal.imap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A loopback relay that prints what passes between the proxy and its upstream ({@code -Dconformance.wiretap=true}):
 * the first thing to look at when the proxy's answer differs and the reason is not in the diff.
 */
final class WireTap implements AutoCloseable {
    private final ServerSocket server;
    private final boolean print;
    /** Octets the upstream sent to the proxy so far. */
    final java.util.concurrent.atomic.AtomicLong fromUpstream = new java.util.concurrent.atomic.AtomicLong();
    /** What the proxy sent the upstream so far (commands and literals), and what it got back. */
    final StringBuffer toUpstream = new StringBuffer();
    final StringBuffer fromUpstreamText = new StringBuffer();

    WireTap(int target) throws IOException {
        this(target, true);
    }

    /** @param print whether to print the traffic, or only count it */
    WireTap(int target, boolean print) throws IOException {
        this.print = print;
        server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread accept = new Thread(() -> {
            try {
                while (true) {
                    Socket client = server.accept();
                    Socket upstream = new Socket("127.0.0.1", target);
                    pump(client.getInputStream(), upstream.getOutputStream(), "P>U ", null, toUpstream);
                    pump(upstream.getInputStream(), client.getOutputStream(), "U>P ", fromUpstream, fromUpstreamText);
                }
            } catch (IOException e) {
                // closed
            }
        }, "wiretap-accept");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    private void pump(InputStream in, OutputStream out, String prefix, java.util.concurrent.atomic.AtomicLong count,
                      StringBuffer sent) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try (in; out) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    if (count != null) {
                        count.addAndGet(n);
                    }
                    if (sent != null) {
                        sent.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    }
                    if (print) {
                        String text = new String(buffer, 0, n, StandardCharsets.ISO_8859_1);
                        System.out.print(prefix + text.replace("\r\n", "\r\n" + prefix).stripTrailing() + "\n");
                    }
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side closed
            }
        }, "wiretap-" + prefix.trim());
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
