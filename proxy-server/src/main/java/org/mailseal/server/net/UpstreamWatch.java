package org.mailseal.server.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.function.BiConsumer;
import org.mailseal.server.ops.ProtocolMeters;

/**
 * Counts what goes wrong on upstream connections: one that never connects (refused, timed out), one whose TLS
 * handshake fails (implicit TLS, whose handler comes after this one, through its handshake future; STARTTLS, whose
 * handler the protocol puts first, through the handshake event that passes here), and one that breaks (an I/O
 * error on the open link, which Netty raises at the head of the pipeline). An upstream that closes
 * in the ordinary way, after QUIT or LOGOUT, is not an error. Installed through the upstream's {@code onConnect}
 * hook, in front of whatever else the hook adds.
 */
public final class UpstreamWatch extends ChannelInboundHandlerAdapter {
    private final ProtocolMeters meters;
    private boolean active;
    private boolean counted;

    private UpstreamWatch(ProtocolMeters meters) {
        this.meters = meters;
    }

    /** {@code hook} (which may be null) with an upstream watch added first. */
    public static BiConsumer<Channel, SocketChannel> around(BiConsumer<Channel, SocketChannel> hook, ProtocolMeters meters) {
        return (client, upstream) -> {
            UpstreamWatch watch = new UpstreamWatch(meters);
            upstream.pipeline().addLast("upstream-watch", watch);
            upstream.closeFuture().addListener(closed -> watch.closed());
            if (hook != null) {
                hook.accept(client, upstream);
            }
            // The protocol adds its TLS handler after this hook; look for it once the pipeline is complete.
            upstream.eventLoop().execute(() -> {
                SslHandler tls = upstream.pipeline().get(SslHandler.class);
                if (tls != null) {
                    tls.handshakeFuture().addListener(handshake -> {
                        if (!handshake.isSuccess()) {
                            watch.count();
                        }
                    });
                }
            });
        };
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        active = true;
        ctx.fireChannelActive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof SslHandshakeCompletionEvent handshake && !handshake.isSuccess()) {
            count();
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        count();
        ctx.fireExceptionCaught(cause);
    }

    private void closed() {
        if (!active) {
            count(); // it never connected
        }
    }

    private void count() {
        if (!counted) {
            counted = true;
            meters.upstreamError();
        }
    }
}
