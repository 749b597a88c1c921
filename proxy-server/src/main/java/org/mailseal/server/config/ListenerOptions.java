package org.mailseal.server.config;

import java.time.Duration;

/**
 * What every listener has besides its protocol: whether a load balancer in front of it opens each connection with
 * a PROXY protocol header, and how long a session may sit idle.
 *
 * @param proxyProtocol whether every connection must start with a PROXY header (v1 or v2); only for listeners that
 *                      only a load balancer can reach, since the header decides the client address
 * @param idleTimeout   how long a client may stay silent; null for the protocol's own default (SMTP 5 minutes,
 *                      RFC 5321 4.5.3.2.7; IMAP 30 minutes, RFC 9051 5.4; POP3 10 minutes, RFC 1939 3)
 */
public record ListenerOptions(boolean proxyProtocol, Duration idleTimeout) {
    public static final ListenerOptions DEFAULTS = new ListenerOptions(false, null);

    /** The idle timeout, or {@code fallback} (the protocol's default) when none was configured. */
    public Duration idleTimeoutOr(Duration fallback) {
        return idleTimeout != null ? idleTimeout : fallback;
    }
}
