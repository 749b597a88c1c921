package org.mailseal.server.config;

import java.time.Duration;

/**
 * Limits on client connections, shared by every listener ({@code limits:} in the configuration).
 *
 * @param perAddress          connections one client address may hold open at once (behind a load balancer without
 *                            the PROXY protocol, every client has the balancer's address: raise it or use the header)
 * @param proxyHeaderTimeout  how long a connection to a {@code proxyProtocol} listener may take to send its header
 */
public record ConnectionLimitsConfig(int perAddress, Duration proxyHeaderTimeout) {
    public static final ConnectionLimitsConfig DEFAULTS = new ConnectionLimitsConfig(50, Duration.ofSeconds(10));
}
