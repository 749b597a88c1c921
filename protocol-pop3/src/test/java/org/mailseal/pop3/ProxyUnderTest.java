package org.mailseal.pop3;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The POP3 proxy on a loopback port in front of a given upstream, with stand-in cryptography. */
final class ProxyUnderTest implements AutoCloseable {
    final FakeCrypto crypto = new FakeCrypto();
    final DecryptedMaildrop cache;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel listener;
    /** The client connections, closed and awaited before the event loop stops (a loop that stops first drops them). */
    private final ChannelGroup sessions = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    ProxyUnderTest(Pop3SessionConfig config, Pop3UpstreamConfig upstream) throws InterruptedException {
        this(config, upstream, new DecryptedMaildrop(16 << 20, Duration.ofMinutes(5), 10_000, Duration.ofHours(1)));
    }

    /** With a cache shared with other proxies. */
    ProxyUnderTest(Pop3SessionConfig config, Pop3UpstreamConfig upstream, DecryptedMaildrop cache)
            throws InterruptedException {
        this.cache = cache;
        listener = Pop3Listener.bind(group, group, NioServerSocketChannel.class, NioSocketChannel.class,
                new InetSocketAddress("127.0.0.1", 0), config, upstream, crypto, cache, sessions::add);
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        sessions.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        group.shutdownGracefully(100, 2_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    }
}
