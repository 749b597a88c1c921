package org.mailseal.pop3;

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
 * A listening socket whose connections each get a command decoder and a session. Auto-read is off: the decoder reads
 * when the session wants the next command, which is the backpressure.
 */
public final class Pop3Listener {
    private Pop3Listener() {}

    /**
     * Binds and returns the server channel. Every accepted connection goes to {@code onAccept} (when not null) first:
     * it may track the channel (for draining on shutdown) and add handlers that run in front of the protocol's
     * (connection limits, the PROXY protocol).
     */
    public static Channel bind(EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> channelType,
                               Class<? extends SocketChannel> upstreamChannelType, InetSocketAddress address,
                               Pop3SessionConfig config, Pop3UpstreamConfig upstream, MaildropCrypto crypto,
                               DecryptedMaildrop cache, Consumer<? super SocketChannel> onAccept) throws InterruptedException {
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
                        Pop3CommandDecoder decoder = new Pop3CommandDecoder(config.maxLine());
                        ch.pipeline().addLast("commands", decoder).addLast("session",
                                new Pop3Session(config, upstream, upstreamChannelType, crypto, cache, decoder));
                    }
                });
        return bootstrap.bind(address).sync().channel();
    }
}
