package org.mailseal.server.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.BiConsumer;

/**
 * Opens an upstream connection with a PROXY protocol header (v1 text or v2 binary) that names the client, as an
 * upstream behind a load balancer expects (Postfix {@code smtpd_upstream_proxy_protocol = haproxy}, Dovecot
 * {@code haproxy_trusted_networks}): the source is the client's real address, the PROXY header mailseal itself
 * received included, and the destination is the address the client connected to. The header is the connection's
 * first bytes, ahead of TLS.
 */
public final class ProxyHeaderSender extends ChannelInboundHandlerAdapter {
    private final HAProxyProtocolVersion version;
    private final InetSocketAddress source;
    private final InetSocketAddress destination;

    private ProxyHeaderSender(HAProxyProtocolVersion version, InetSocketAddress source, InetSocketAddress destination) {
        this.version = version;
        this.source = source;
        this.destination = destination;
    }

    /** The upstream hook for {@code version}: installs a sender in front of each new upstream connection. */
    public static Hook hook(HAProxyProtocolVersion version) {
        return new Hook(version);
    }

    /** The PROXY header {@code hook} sends, if it is one of these hooks; null otherwise. */
    public static HAProxyProtocolVersion versionOf(BiConsumer<Channel, SocketChannel> hook) {
        return hook instanceof Hook proxy ? proxy.version() : null;
    }

    /** An upstream hook that opens each connection with a PROXY header of {@code version}. */
    public record Hook(HAProxyProtocolVersion version) implements BiConsumer<Channel, SocketChannel> {
        @Override
        public void accept(Channel client, SocketChannel upstream) {
            upstream.pipeline()
                    .addLast("proxy-header-encoder", HAProxyMessageEncoder.INSTANCE)
                    .addLast("proxy-header", new ProxyHeaderSender(version, ClientAddress.of(client),
                            (InetSocketAddress) client.localAddress()));
        }
    }


    /** The header that says a connection from {@code source} reached {@code destination}. */
    public static HAProxyMessage header(HAProxyProtocolVersion version, InetSocketAddress source,
                                 InetSocketAddress destination) {
        InetAddress from = source.getAddress();
        InetAddress to = destination.getAddress();
        boolean v6 = from instanceof Inet6Address || to instanceof Inet6Address;
        HAProxyProxiedProtocol protocol = v6 ? HAProxyProxiedProtocol.TCP6 : HAProxyProxiedProtocol.TCP4;
        // Both ends of a header are of one family: an IPv4 end beside an IPv6 one is written IPv4-mapped.
        return new HAProxyMessage(version, HAProxyCommand.PROXY, protocol, literal(from, v6), literal(to, v6),
                source.getPort(), destination.getPort());
    }

    private static String literal(InetAddress address, boolean v6) {
        if (v6 && address instanceof Inet4Address) {
            return "::ffff:" + address.getHostAddress();
        }
        String text = address.getHostAddress();
        int scope = text.indexOf('%'); // a link-local scope is this host's business, not the header's
        return scope < 0 ? text : text.substring(0, scope);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Made here, not when the pipeline was set up: a message is reference-counted, and a connection that
        // never connects would leak it.
        ctx.writeAndFlush(header(version, source, destination));
        ctx.pipeline().remove(this);
        ctx.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
        ctx.fireChannelActive();
    }
}
