package org.mailseal.smtp;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * How a listener's sessions behave.
 *
 * @param role             submission (AUTH required), inbound SMTP, or inbound LMTP (RFC 2033)
 * @param hostname         the name in the greeting and EHLO reply
 * @param maxMessageBytes  the SIZE limit (RFC 1870)
 * @param maxRecipients    RCPTs per transaction; more get 452 4.5.3 (RFC 5321 §4.5.3.1.10)
 * @param localDomains     inbound: the only domains accepted in RCPT (no open relay)
 * @param tls              for STARTTLS; null when the listener offers none (or is already TLS, see implicitTls)
 * @param implicitTls      the connection is TLS from the start (port 465, RFC 8314)
 * @param authWithoutTls   offer AUTH on a plaintext connection (only sensible on loopback, e.g. the demo)
 * @param maxCommandLine   longest command line (RFC 5321: 512)
 * @param maxTextLine      longest content line (RFC 5321: 1000)
 * @param commandTimeout   idle time allowed while waiting for a command (RFC 5321 §4.5.3.2.7: 5 minutes)
 * @param dataTimeout      idle time allowed within the content (RFC 5321 §4.5.3.2.6: 3 minutes)
 * @param loginGuard       authentication throttling around AUTH ({@link LoginGuard#NONE} for none)
 * @param clientAddress    the client's address as the Received: field names it: the socket's peer by default, the
 *                         address a PROXY header named behind a load balancer
 */
public record SmtpSessionConfig(Role role, String hostname, long maxMessageBytes, int maxRecipients,
                                Set<String> localDomains, SslContext tls, boolean implicitTls, boolean authWithoutTls,
                                int maxCommandLine, int maxTextLine, Duration commandTimeout, Duration dataTimeout,
                                LoginGuard loginGuard, Function<Channel, SocketAddress> clientAddress) {

    public enum Role { SUBMISSION, INBOUND_SMTP, INBOUND_LMTP }

    public SmtpSessionConfig(Role role, String hostname, long maxMessageBytes, int maxRecipients,
                             Set<String> localDomains, SslContext tls, boolean implicitTls, boolean authWithoutTls,
                             int maxCommandLine, int maxTextLine, Duration commandTimeout, Duration dataTimeout) {
        this(role, hostname, maxMessageBytes, maxRecipients, localDomains, tls, implicitTls, authWithoutTls,
                maxCommandLine, maxTextLine, commandTimeout, dataTimeout, LoginGuard.NONE, null);
    }

    public SmtpSessionConfig(Role role, String hostname, long maxMessageBytes, int maxRecipients,
                             Set<String> localDomains, SslContext tls, boolean implicitTls, boolean authWithoutTls,
                             int maxCommandLine, int maxTextLine, Duration commandTimeout, Duration dataTimeout,
                             LoginGuard loginGuard) {
        this(role, hostname, maxMessageBytes, maxRecipients, localDomains, tls, implicitTls, authWithoutTls,
                maxCommandLine, maxTextLine, commandTimeout, dataTimeout, loginGuard, null);
    }

    public SmtpSessionConfig {
        if (hostname == null || hostname.isBlank() || hostname.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("hostname must be a name without spaces: " + hostname);
        }
        localDomains = localDomains.stream().map(d -> d.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        if (role != Role.SUBMISSION && localDomains.isEmpty()) {
            throw new IllegalArgumentException("an inbound listener needs its local domains (no open relay)");
        }
        loginGuard = loginGuard == null ? LoginGuard.NONE : loginGuard;
        clientAddress = clientAddress == null ? Channel::remoteAddress : clientAddress;
    }

    /** RFC defaults for a role: 25 MiB messages, 100 recipients, 512/1000 octet lines, 5/3 minute timeouts. */
    public static SmtpSessionConfig defaults(Role role, String hostname, Set<String> localDomains) {
        return new SmtpSessionConfig(role, hostname, 25L << 20, 100, localDomains, null, false, false, 512, 1000,
                Duration.ofMinutes(5), Duration.ofMinutes(3));
    }

    public SmtpSessionConfig withTls(SslContext context, boolean implicit) {
        return new SmtpSessionConfig(role, hostname, maxMessageBytes, maxRecipients, localDomains, context, implicit,
                authWithoutTls, maxCommandLine, maxTextLine, commandTimeout, dataTimeout, loginGuard,
                clientAddress);
    }

    public SmtpSessionConfig withAuthWithoutTls(boolean allowed) {
        return new SmtpSessionConfig(role, hostname, maxMessageBytes, maxRecipients, localDomains, tls, implicitTls,
                allowed, maxCommandLine, maxTextLine, commandTimeout, dataTimeout, loginGuard,
                clientAddress);
    }

    public SmtpSessionConfig withLimits(long messageBytes, int recipients) {
        return new SmtpSessionConfig(role, hostname, messageBytes, recipients, localDomains, tls, implicitTls,
                authWithoutTls, maxCommandLine, maxTextLine, commandTimeout, dataTimeout, loginGuard,
                clientAddress);
    }

    public SmtpSessionConfig withLoginGuard(LoginGuard guard) {
        return new SmtpSessionConfig(role, hostname, maxMessageBytes, maxRecipients, localDomains, tls, implicitTls,
                authWithoutTls, maxCommandLine, maxTextLine, commandTimeout, dataTimeout, guard, clientAddress);
    }

    /** The same, with the client's address (for the Received: field) taken from {@code address}. */
    public SmtpSessionConfig withClientAddress(Function<Channel, SocketAddress> address) {
        return new SmtpSessionConfig(role, hostname, maxMessageBytes, maxRecipients, localDomains, tls, implicitTls,
                authWithoutTls, maxCommandLine, maxTextLine, commandTimeout, dataTimeout, loginGuard, address);
    }
}
