package org.mailseal.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Free loopback ports for servers a test configures by port number (a YAML file, HAProxy). The kernel may hand the
 * same ephemeral port out twice in a row once its probe socket is closed, so a port given out once is never given
 * out again in this JVM: two listeners of one test cannot be told the same port.
 */
public final class Ports {
    private static final Set<Integer> GIVEN = ConcurrentHashMap.newKeySet();

    private Ports() {}

    public static int free() {
        for (int attempt = 0; attempt < 1000; attempt++) {
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int port = probe.getLocalPort();
                if (GIVEN.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException("no fresh loopback port in 1000 tries");
    }
}
