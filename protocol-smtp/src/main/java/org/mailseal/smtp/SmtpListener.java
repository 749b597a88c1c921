package org.mailseal.smtp;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * A listening socket whose connections each get a frame decoder and a session. Auto-read is off: the decoder
 * reads when the session wants input, which is the backpressure.
 */
public final class SmtpListener {
    private SmtpListener() {}

    /** Binds and returns the server channel (close it to stop listening). */
    public static Channel bind(EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> channelType,
                               InetSocketAddress address, SmtpSessionConfig config, Upstream.Connector connector,
                               MessageFilter filter, MessageSpool.Factory spools) throws InterruptedException {
        return bind(boss, workers, channelType, address, config, connector, filter, spools, null);
    }

    /**
     * As above, handing every accepted connection to {@code onAccept} first: it may track the channel (for draining
     * on shutdown) and add handlers that run in front of the protocol's (connection limits, the PROXY protocol).
     */
    public static Channel bind(EventLoopGroup boss, EventLoopGroup workers, Class<? extends ServerChannel> channelType,
                               InetSocketAddress address, SmtpSessionConfig config, Upstream.Connector connector,
                               MessageFilter filter, MessageSpool.Factory spools, Consumer<? super SocketChannel> onAccept)
            throws InterruptedException {
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
                            SslHandler tls = config.tls().newHandler(ch.alloc());
                            ch.pipeline().addLast("tls", tls);
                        }
                        SmtpFrameDecoder decoder = new SmtpFrameDecoder(config.maxCommandLine(), config.maxTextLine());
                        ch.pipeline().addLast("frames", decoder)
                                .addLast("session", new SmtpSession(config, connector, filter, spools, decoder));
                    }
                });
        return bootstrap.bind(address).sync().channel();
    }
}
