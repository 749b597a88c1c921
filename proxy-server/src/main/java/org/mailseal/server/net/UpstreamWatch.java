package org.mailseal.server.net;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.SocketChannel;
import java.util.function.BiConsumer;
import org.mailseal.server.ops.ProtocolMeters;

/**
 * Counts what goes wrong on upstream connections: one that never connects (refused, timed out), and one that breaks
 * (an exception on an open link). An upstream that closes in the ordinary way, after QUIT or LOGOUT, is not an
 * error. Installed through the upstream's {@code onConnect} hook, in front of whatever else the hook adds.
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
        };
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        active = true;
        ctx.fireChannelActive();
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
