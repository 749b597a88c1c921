package org.mailseal.server.config;

import java.time.Duration;
import org.mailseal.server.net.AuthThrottle;

/**
 * Limits on clients, shared by every listener ({@code limits:} in the configuration).
 *
 * @param perAddress         connections one client address may hold open at once (behind a load balancer without
 *                           the PROXY protocol, every client has the balancer's address: raise it or use the header)
 * @param proxyHeaderTimeout how long a connection to a {@code proxyProtocol} listener may take to send its header
 * @param auth               authentication throttling ({@code limits.auth})
 */
public record ConnectionLimitsConfig(int perAddress, Duration proxyHeaderTimeout, AuthThrottle.Settings auth) {
    public static final ConnectionLimitsConfig DEFAULTS = new ConnectionLimitsConfig(50, Duration.ofSeconds(10),
            AuthThrottle.Settings.DEFAULTS);
}
