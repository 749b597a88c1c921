package org.mailseal.server.config;

import java.time.Duration;
import java.util.List;
import org.mailseal.server.net.Cidr;

/**
 * What every listener has besides its protocol: whether a load balancer in front of it opens each connection with
 * a PROXY protocol header, and how long a session may sit idle.
 *
 * @param proxyProtocol whether every connection must start with a PROXY header (v1 or v2); only for listeners that
 *                      only a load balancer can reach, since the header decides the client address
 * @param proxyFrom     the balancers a PROXY header is taken from; empty for any peer (then only a firewall keeps
 *                      clients from naming an address of their choice)
 * @param idleTimeout   how long a client may stay silent; null for the protocol's own default (SMTP 5 minutes,
 *                      RFC 5321 4.5.3.2.7; IMAP 30 minutes, RFC 9051 5.4; POP3 10 minutes, RFC 1939 3)
 */
public record ListenerOptions(boolean proxyProtocol, List<Cidr> proxyFrom, Duration idleTimeout) {
    public static final ListenerOptions DEFAULTS = new ListenerOptions(false, List.of(), null);

    public ListenerOptions {
        proxyFrom = List.copyOf(proxyFrom);
    }

    /** The idle timeout, or {@code fallback} (the protocol's default) when none was configured. */
    public Duration idleTimeoutOr(Duration fallback) {
        return idleTimeout != null ? idleTimeout : fallback;
    }
}
