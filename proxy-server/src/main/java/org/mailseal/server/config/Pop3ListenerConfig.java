package org.mailseal.server.config;

import io.netty.handler.ssl.SslContext;
import org.mailseal.pop3.Pop3UpstreamConfig;

/**
 * One POP3 listening port: its TLS (already loaded) and the POP3 server it stands in front of.
 *
 * @param tls             the server TLS context for STLS or implicit TLS; null for none
 * @param loginWithoutTls USER/PASS and AUTH before TLS (loopback and the demo only)
 * @param loginDomain     appended to logins without "@" to find the user's keys; null: logins are addresses
 * @param options         the PROXY protocol and the idle timeout
 */
public record Pop3ListenerConfig(String name, String host, int port, String hostname, SslContext tls,
                                 boolean implicitTls, boolean loginWithoutTls, Pop3UpstreamConfig upstream,
                                 String loginDomain, ListenerOptions options) {
    public Pop3ListenerConfig(String name, String host, int port, String hostname, SslContext tls,
                              boolean implicitTls, boolean loginWithoutTls, Pop3UpstreamConfig upstream,
                              String loginDomain) {
        this(name, host, port, hostname, tls, implicitTls, loginWithoutTls, upstream, loginDomain,
                ListenerOptions.DEFAULTS);
    }
}
