package org.mailseal.pop3;

import io.netty.handler.ssl.SslContext;
import java.time.Duration;

/**
 * One POP3 listener's settings.
 *
 * @param tls             server context for STLS and implicit TLS; null: no TLS on this listener
 * @param implicitTls     TLS from the first byte (port 995, RFC 8314)
 * @param loginWithoutTls USER/PASS and AUTH allowed before TLS (loopback and the demo only); otherwise they are
 *                        refused, and not advertised, until STLS (RFC 2595 §4)
 * @param maxLine         the longest command line, CRLF included (RFC 2449 §4 allows 255 octets; an AUTH response
 *                        may be longer, RFC 5034 §4)
 * @param idleTimeout     how long a client may stay silent (RFC 1939 §3: at least 10 minutes)
 * @param loginDomain     appended to a login name without "@" to give the address whose keys it unlocks; null: the
 *                        login is the address
 * @param loginGuard      authentication throttling around USER/PASS and AUTH ({@link LoginGuard#NONE} for none)
 */
public record Pop3SessionConfig(String hostname, SslContext tls, boolean implicitTls, boolean loginWithoutTls,
                                int maxLine, Duration idleTimeout, String loginDomain, LoginGuard loginGuard) {
    public Pop3SessionConfig {
        loginGuard = loginGuard == null ? LoginGuard.NONE : loginGuard;
        if (implicitTls && tls == null) {
            throw new IllegalArgumentException("implicit TLS needs a TLS context");
        }
        if (maxLine < 512) {
            throw new IllegalArgumentException("maxLine below 512 octets: " + maxLine);
        }
    }

    public Pop3SessionConfig(String hostname, SslContext tls, boolean implicitTls, boolean loginWithoutTls,
                             int maxLine, Duration idleTimeout, String loginDomain) {
        this(hostname, tls, implicitTls, loginWithoutTls, maxLine, idleTimeout, loginDomain, LoginGuard.NONE);
    }

    public Pop3SessionConfig withLoginGuard(LoginGuard guard) {
        return new Pop3SessionConfig(hostname, tls, implicitTls, loginWithoutTls, maxLine, idleTimeout, loginDomain,
                guard);
    }

    public static Pop3SessionConfig defaults(String hostname) {
        return new Pop3SessionConfig(hostname, null, false, false, 8192, Duration.ofMinutes(10), null);
    }

    /** The address whose keys a login unlocks. */
    public String keyAddress(String login) {
        return loginDomain == null || login.contains("@") ? login : login + "@" + loginDomain;
    }

    public Pop3SessionConfig withTls(SslContext context, boolean implicit) {
        return new Pop3SessionConfig(hostname, context, implicit, loginWithoutTls, maxLine, idleTimeout, loginDomain,
                loginGuard);
    }

    public Pop3SessionConfig withLoginWithoutTls(boolean allowed) {
        return new Pop3SessionConfig(hostname, tls, implicitTls, allowed, maxLine, idleTimeout, loginDomain, loginGuard);
    }

    public Pop3SessionConfig withIdleTimeout(Duration timeout) {
        return new Pop3SessionConfig(hostname, tls, implicitTls, loginWithoutTls, maxLine, timeout, loginDomain,
                loginGuard);
    }

    public Pop3SessionConfig withLoginDomain(String domain) {
        return new Pop3SessionConfig(hostname, tls, implicitTls, loginWithoutTls, maxLine, idleTimeout, domain,
                loginGuard);
    }
}
