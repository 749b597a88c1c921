package org.mailseal.server.config;

import java.net.InetSocketAddress;

/**
 * The admin endpoint ({@code /metrics}, {@code /health}): where it listens. Without authentication, it belongs on
 * loopback; another address is allowed as an explicit choice and logged as a warning.
 *
 * @param port 0 for any free port (the demo's choice)
 */
public record AdminConfig(String host, int port) {
    public AdminConfig {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("admin port out of range: " + port);
        }
    }

    public InetSocketAddress address() {
        return new InetSocketAddress(host, port);
    }
}
