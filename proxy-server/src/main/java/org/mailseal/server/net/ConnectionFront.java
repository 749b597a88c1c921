package org.mailseal.server.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.mailseal.server.ops.ProtocolMeters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of every client connection, in front of TLS and the protocol: it reads the PROXY protocol
 * header where the listener expects one, admits the connection against the per-address limit, and only then lets
 * the session begin (its {@code channelActive}, which sends the greeting). It counts the session and its bytes and
 * writes the session's log lines: one when it opens, one when it closes.
 *
 * <p>Until the session begins nothing reaches the protocol: a connection whose header is missing, malformed or late
 * is closed without a greeting, and one over the limit gets the protocol's own "try again later" reply (for
 * implicit TLS, where a reply would have to be encrypted, the connection is just closed).
 */
public final class ConnectionFront extends ChannelDuplexHandler {
    static final Logger LOG = LoggerFactory.getLogger("mailseal.session");
    private final Settings settings;
    private InetSocketAddress client;
    private boolean admitted;
    private boolean began;
    private boolean refused;
    private long openedAt;
    private long bytesIn;
    private long bytesOut;
    private ScheduledFuture<?> headerTimeout;

    /**
     * One listener's settings, shared by its connections.
     *
     * @param protocol      {@code smtp}, {@code imap} or {@code pop3}: the meters' tag and the log lines' field
     * @param listener      the listener's name, for the log
     * @param proxyProtocol whether a PROXY protocol header (v1 or v2) must open every connection
     * @param proxyFrom     the peers a header is taken from (the balancers); empty for any
     * @param implicitTls   whether the listener speaks TLS from the first byte (then a refusal cannot be written)
     * @param refusal       the protocol's line for "too many connections from your address", CRLF included
     */
    public record Settings(String protocol, String listener, boolean proxyProtocol, List<Cidr> proxyFrom,
                           boolean implicitTls, String refusal, Duration headerTimeout, ConnectionLimits limits,
                           ProtocolMeters meters) {
        /** Puts a new front in {@code channel}'s pipeline, before anything the protocol adds. */
        public void install(SocketChannel channel) {
            if (proxyProtocol) {
                channel.pipeline().addLast("proxy-header", new HAProxyMessageDecoder());
            }
            channel.pipeline().addLast("front", new ConnectionFront(this));
        }
    }

    ConnectionFront(Settings settings) {
        this.settings = settings;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        openedAt = System.nanoTime();
        if (!settings.proxyProtocol()) {
            begin(ctx, (InetSocketAddress) ctx.channel().remoteAddress());
            return;
        }
        InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
        if (!settings.proxyFrom().isEmpty()
                && settings.proxyFrom().stream().noneMatch(block -> block.contains(peer.getAddress()))) {
            // Not a balancer: its header would name any address it liked.
            refuse(ctx, "proxy-source", "not a balancer allowed to send PROXY headers", false);
            return;
        }
        // Auto-read is off: ask for the header ourselves; the session asks for its own input once it began.
        headerTimeout = ctx.executor().schedule(() -> {
            if (!began) {
                refuse(ctx, "proxy-header", "no PROXY header within " + settings.headerTimeout().toSeconds() + " s",
                        false);
            }
        }, settings.headerTimeout().toMillis(), TimeUnit.MILLISECONDS);
        ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage header) {
            try {
                proxied(ctx, header);
            } finally {
                header.release();
            }
            return;
        }
        if (!began) {
            ReferenceCountUtil.release(msg); // nothing reaches the protocol before the session began
            return;
        }
        long size = size(msg);
        bytesIn += size;
        settings.meters().bytesIn(size);
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        long size = size(msg);
        bytesOut += size;
        settings.meters().bytesOut(size);
        ctx.write(msg, promise);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!began) {
            // Before the session began the only source of trouble is the PROXY header, or the socket itself (a
            // reset, a port scan), which is nobody's refusal.
            if (cause instanceof HAProxyProtocolException || cause.getCause() instanceof HAProxyProtocolException) {
                refuse(ctx, "proxy-header", "malformed PROXY header", false);
            } else {
                LOG.debug("session={} event=closed-before-session peer={}: {}", ClientAddress.sessionId(ctx.channel()),
                        format((InetSocketAddress) ctx.channel().remoteAddress()), cause.toString());
                ctx.close();
            }
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (headerTimeout != null) {
            headerTimeout.cancel(false);
        }
        if (admitted) {
            settings.limits().release(client.getAddress());
            settings.meters().sessionClosed();
            String user = ctx.channel().attr(ClientAddress.USER).get();
            LOG.info("session={} protocol={} event=close user={} duration={}ms bytesIn={} bytesOut={}",
                    ClientAddress.sessionId(ctx.channel()), settings.protocol(), user == null ? "-" : user,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openedAt), bytesIn, bytesOut);
        }
        if (began) {
            ctx.fireChannelInactive();
        }
    }

    private void proxied(ChannelHandlerContext ctx, HAProxyMessage header) {
        if (began) {
            return; // a second header is the client's data; the decoder is gone by now, so this cannot happen
        }
        InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
        if (header.command() == HAProxyCommand.LOCAL || header.sourceAddress() == null) {
            // The balancer's own connection (a health check) or "UNKNOWN": the peer is the client.
            begin(ctx, peer);
            return;
        }
        // A literal, never a name to resolve: the decoder checked its syntax, and this reads it without DNS.
        InetAddress address = NetUtil.createInetAddressFromIpAddressString(header.sourceAddress());
        if (address == null) {
            refuse(ctx, "proxy-header", "PROXY header with a bad source address", false);
            return;
        }
        InetSocketAddress source = new InetSocketAddress(address, header.sourcePort());
        ctx.channel().attr(ClientAddress.PROXIED).set(source);
        begin(ctx, source);
    }

    private void begin(ChannelHandlerContext ctx, InetSocketAddress client) {
        if (headerTimeout != null) {
            headerTimeout.cancel(false);
        }
        this.client = client;
        if (!settings.limits().tryAcquire(client.getAddress())) {
            refuse(ctx, "per-address-limit", "over " + settings.limits().perAddress() + " connections from "
                    + client.getAddress().getHostAddress(), true);
            return;
        }
        admitted = true;
        began = true;
        settings.meters().sessionOpened();
        InetSocketAddress peer = (InetSocketAddress) ctx.channel().remoteAddress();
        if (ctx.channel().hasAttr(ClientAddress.PROXIED)) {
            LOG.info("session={} protocol={} event=open listener={} client={} via={}",
                    ClientAddress.sessionId(ctx.channel()), settings.protocol(), settings.listener(), format(client),
                    format(peer));
        } else {
            LOG.info("session={} protocol={} event=open listener={} client={}", ClientAddress.sessionId(ctx.channel()),
                    settings.protocol(), settings.listener(), format(client));
        }
        ctx.fireChannelActive();
    }

    private void refuse(ChannelHandlerContext ctx, String reason, String why, boolean reply) {
        if (refused) {
            return;
        }
        refused = true; // the decoder may already have closed the connection: it is logged and counted all the same
        settings.meters().refused(reason);
        LOG.warn("session={} protocol={} event=refused listener={} peer={} reason={}",
                ClientAddress.sessionId(ctx.channel()), settings.protocol(), settings.listener(),
                format((InetSocketAddress) ctx.channel().remoteAddress()), why);
        if (reply && !settings.implicitTls()) {
            ctx.writeAndFlush(Unpooled.copiedBuffer(settings.refusal(), StandardCharsets.US_ASCII))
                    .addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.close();
        }
    }

    private static long size(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        }
        return msg instanceof ByteBufHolder holder ? holder.content().readableBytes() : 0;
    }

    private static String format(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + address.getPort() : host + ":" + address.getPort();
    }
}
