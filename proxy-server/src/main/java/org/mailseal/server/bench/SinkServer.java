package org.mailseal.server.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import org.mailseal.smtp.SmtpFrame;
import org.mailseal.smtp.SmtpFrameDecoder;

/**
 * An SMTP server that accepts every message and throws it away: the upstream of the load test, so that what is
 * measured is mailseal, not a mail store. It uses mailseal's own frame decoder.
 */
final class SinkServer implements AutoCloseable {
    private final Channel channel;
    final AtomicLong messages = new AtomicLong();

    SinkServer(EventLoopGroup group) throws InterruptedException {
        channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        SmtpFrameDecoder decoder = new SmtpFrameDecoder(4096, 1 << 20);
                        ch.pipeline().addLast(decoder, new Sink(decoder));
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    private final class Sink extends ChannelInboundHandlerAdapter {
        private final SmtpFrameDecoder decoder;

        Sink(SmtpFrameDecoder decoder) {
            this.decoder = decoder;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            say(ctx, "220 sink ESMTP");
            decoder.requestLine();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof SmtpFrame.Data data) {
                data.release();
                return;
            }
            if (msg instanceof SmtpFrame.DataEnd) {
                messages.incrementAndGet();
                say(ctx, "250 2.0.0 sunk");
                decoder.requestLine();
                return;
            }
            String line = msg instanceof SmtpFrame.Line l ? l.text().toUpperCase(Locale.ROOT) : "";
            if (line.startsWith("EHLO") || line.startsWith("LHLO")) {
                say(ctx, "250-sink\r\n250-PIPELINING\r\n250 8BITMIME");
            } else if (line.startsWith("DATA")) {
                say(ctx, "354 go");
                decoder.requestData();
                return;
            } else if (line.startsWith("QUIT")) {
                say(ctx, "221 bye");
                ctx.close();
                return;
            } else {
                say(ctx, "250 ok");
            }
            decoder.requestLine();
        }

        private void say(ChannelHandlerContext ctx, String reply) {
            ByteBuf out = Unpooled.copiedBuffer(reply + "\r\n", StandardCharsets.US_ASCII);
            ctx.writeAndFlush(out);
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
