package org.mailseal.server.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * An IMAP server that holds sessions and nothing else: it logs anyone in, selects an empty INBOX and idles. The
 * upstream of the idle-session measurement, so that the heap measured is mailseal's, not a mail store's.
 */
final class IdleImapServer implements AutoCloseable {
    private final Channel channel;

    IdleImapServer(EventLoopGroup group) throws InterruptedException {
        channel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new LineBasedFrameDecoder(8192), new Session());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    private static final class Session extends ChannelInboundHandlerAdapter {
        private String idleTag;

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            say(ctx, "* OK [CAPABILITY IMAP4rev1 IDLE LITERAL+] idle server ready");
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            String line = ((io.netty.buffer.ByteBuf) msg).toString(StandardCharsets.UTF_8).trim();
            ((io.netty.buffer.ByteBuf) msg).release();
            if (idleTag != null && line.equalsIgnoreCase("DONE")) {
                say(ctx, idleTag + " OK IDLE done");
                idleTag = null;
                return;
            }
            String[] words = line.split(" ", 3);
            String tag = words[0];
            String command = words.length > 1 ? words[1].toUpperCase(Locale.ROOT) : "";
            switch (command) {
                case "CAPABILITY" -> say(ctx, "* CAPABILITY IMAP4rev1 IDLE LITERAL+\r\n" + tag + " OK done");
                case "SELECT", "EXAMINE" -> say(ctx, "* 0 EXISTS\r\n* OK [UIDVALIDITY 1] ok\r\n* OK [UIDNEXT 1] ok\r\n"
                        + tag + " OK [READ-WRITE] selected");
                case "IDLE" -> {
                    idleTag = tag;
                    say(ctx, "+ idling");
                }
                case "LOGOUT" -> {
                    say(ctx, "* BYE bye\r\n" + tag + " OK done");
                    ctx.close();
                }
                default -> say(ctx, tag + " OK done");
            }
        }

        private static void say(ChannelHandlerContext ctx, String text) {
            ctx.writeAndFlush(Unpooled.copiedBuffer(text + "\r\n", StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
