package org.mailseal.imap;

import io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.Set;

/**
 * One IMAP listener's settings.
 *
 * @param tls                  server context for STARTTLS and implicit TLS; null: no TLS on this listener
 * @param implicitTls          TLS from the first byte (port 993, RFC 8314)
 * @param loginWithoutTls      LOGIN and AUTHENTICATE allowed before TLS (loopback and the demo only); otherwise the
 *                             greeting says LOGINDISABLED until STARTTLS (RFC 3501 §6.2.3)
 * @param maxLiteralBeforeLogin the largest literal a client may send before it has logged in
 * @param maxMessageBytes      the largest literal after login (APPEND) and the largest message fetched upstream
 * @param idleTimeout          how long a client may stay silent (RFC 3501 §5.4: at least 30 minutes)
 * @param plaintextAppends     mailboxes whose APPENDs are stored as they come (say, Drafts for a webmail that
 *                             cannot read them otherwise); every other APPEND is encrypted to the user's own key
 * @param loginDomain          appended to a login name without "@" to give the address whose keys it unlocks (for
 *                             servers whose logins are local parts); null: the login is the address
 * @param loginGuard           authentication throttling around LOGIN and AUTHENTICATE ({@link LoginGuard#NONE} for
 *                             none)
 */
public record ImapSessionConfig(String hostname, SslContext tls, boolean implicitTls, boolean loginWithoutTls,
                                int maxLiteralBeforeLogin, int maxMessageBytes, Duration idleTimeout,
                                Set<String> plaintextAppends, String loginDomain, LoginGuard loginGuard) {
    public ImapSessionConfig {
        loginGuard = loginGuard == null ? LoginGuard.NONE : loginGuard;
        if (implicitTls && tls == null) {
            throw new IllegalArgumentException("implicit TLS needs a TLS context");
        }
        plaintextAppends = Set.copyOf(plaintextAppends);
    }

    public ImapSessionConfig(String hostname, SslContext tls, boolean implicitTls, boolean loginWithoutTls,
                             int maxLiteralBeforeLogin, int maxMessageBytes, Duration idleTimeout) {
        this(hostname, tls, implicitTls, loginWithoutTls, maxLiteralBeforeLogin, maxMessageBytes, idleTimeout, Set.of(),
                null, LoginGuard.NONE);
    }

    public ImapSessionConfig(String hostname, SslContext tls, boolean implicitTls, boolean loginWithoutTls,
                             int maxLiteralBeforeLogin, int maxMessageBytes, Duration idleTimeout,
                             Set<String> plaintextAppends, String loginDomain) {
        this(hostname, tls, implicitTls, loginWithoutTls, maxLiteralBeforeLogin, maxMessageBytes, idleTimeout,
                plaintextAppends, loginDomain, LoginGuard.NONE);
    }

    /** The address whose keys a login unlocks. */
    public String keyAddress(String login) {
        return loginDomain == null || login.contains("@") ? login : login + "@" + loginDomain;
    }

    public ImapSessionConfig withLoginDomain(String domain) {
        return new ImapSessionConfig(hostname, tls, implicitTls, loginWithoutTls, maxLiteralBeforeLogin,
                maxMessageBytes, idleTimeout, plaintextAppends, domain, loginGuard);
    }

    /** Whether an APPEND to this mailbox is stored without encryption (INBOX named in any case, RFC 3501 §5.1). */
    public boolean storesPlaintext(String mailbox) {
        return plaintextAppends.contains(mailbox) || (mailbox.equalsIgnoreCase("INBOX")
                && plaintextAppends.stream().anyMatch(name -> name.equalsIgnoreCase("INBOX")));
    }

    public ImapSessionConfig withPlaintextAppends(Set<String> mailboxes) {
        return new ImapSessionConfig(hostname, tls, implicitTls, loginWithoutTls, maxLiteralBeforeLogin,
                maxMessageBytes, idleTimeout, mailboxes, loginDomain, loginGuard);
    }

    public ImapSessionConfig withLoginGuard(LoginGuard guard) {
        return new ImapSessionConfig(hostname, tls, implicitTls, loginWithoutTls, maxLiteralBeforeLogin,
                maxMessageBytes, idleTimeout, plaintextAppends, loginDomain, guard);
    }

    public static ImapSessionConfig defaults(String hostname) {
        return new ImapSessionConfig(hostname, null, false, false, 4096, 64 << 20, Duration.ofMinutes(30));
    }

    public ImapSessionConfig withTls(SslContext context, boolean implicit) {
        return new ImapSessionConfig(hostname, context, implicit, loginWithoutTls, maxLiteralBeforeLogin,
                maxMessageBytes, idleTimeout, plaintextAppends, loginDomain);
    }

    public ImapSessionConfig withLoginWithoutTls(boolean allowed) {
        return new ImapSessionConfig(hostname, tls, implicitTls, allowed, maxLiteralBeforeLogin, maxMessageBytes,
                idleTimeout, plaintextAppends, loginDomain);
    }

    public ImapSessionConfig withIdleTimeout(Duration timeout) {
        return new ImapSessionConfig(hostname, tls, implicitTls, loginWithoutTls, maxLiteralBeforeLogin,
                maxMessageBytes, timeout, plaintextAppends, loginDomain);
    }
}
