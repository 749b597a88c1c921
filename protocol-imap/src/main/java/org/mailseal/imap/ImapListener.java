package org.mailseal.imap;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * A listening socket whose connections each get a frame decoder and a session. Auto-read is off: the decoder reads
 * when the session wants the next command, which is the backpressure.
 */
public final class ImapListener {
    private ImapListener() {}

    /**
     * Binds and returns the server channel. Every accepted connection goes to {@code onAccept} (when not null) first:
     * it may track the channel (for draining on shutdown) and add handlers that run in front of the protocol's
     * (connection limits, the PROXY protocol).
     */
    public static Channel bind(EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> channelType,
                               Class<? extends SocketChannel> upstreamChannelType, InetSocketAddress address,
                               ImapSessionConfig config, ImapUpstreamConfig upstream, MailboxCrypto crypto,
                               DecryptedMessages cache, Consumer<? super SocketChannel> onAccept) throws InterruptedException {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(channelType)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (onAccept != null) {
                            onAccept.accept(ch); // before the protocol's handlers: whatever it adds comes first
                        }
                        if (config.implicitTls()) {
                            ch.pipeline().addLast("tls", config.tls().newHandler(ch.alloc()));
                        }
                        ImapFrameDecoder decoder = new ImapFrameDecoder(ImapFrameDecoder.Side.COMMANDS, 64 << 10,
                                config.maxLiteralBeforeLogin(), (64 << 10) + 4 * config.maxLiteralBeforeLogin());
                        ch.pipeline().addLast("frames", decoder).addLast("session",
                                new ImapSession(config, upstream, upstreamChannelType, crypto, cache, decoder));
                    }
                });
        return bootstrap.bind(address).sync().channel();
    }
}
