package org.mailseal.server.net;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/**
 * Who is really at the other end of a client connection: the address a PROXY protocol header named, when the
 * listener sits behind a load balancer, else the socket's own peer.
 */
public final class ClientAddress {
    /** Set by {@link ConnectionFront} once the PROXY header was read; absent for direct connections. */
    static final AttributeKey<InetSocketAddress> PROXIED = AttributeKey.valueOf(ClientAddress.class, "proxied");

    private ClientAddress() {}

    /** The client's address: from the PROXY header if there was one, else the socket's peer. */
    public static InetSocketAddress of(Channel channel) {
        InetSocketAddress proxied = channel.attr(PROXIED).get();
        return proxied != null ? proxied : (InetSocketAddress) channel.remoteAddress();
    }

    /** Who logged in on a session, for its close line; absent before a login succeeded. */
    static final AttributeKey<String> USER = AttributeKey.valueOf(ClientAddress.class, "user");

    /** The session id that log lines carry: short, unique within the process, the channel's own. */
    public static String sessionId(Channel channel) {
        return channel.id().asShortText();
    }
}
