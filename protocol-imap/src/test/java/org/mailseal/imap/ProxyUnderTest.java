package org.mailseal.imap;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The IMAP proxy on a loopback port in front of a given upstream, with stand-in cryptography. */
final class ProxyUnderTest implements AutoCloseable {
    final FakeCrypto crypto = new FakeCrypto();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel listener;
    /** The client connections, closed and awaited before the event loop stops (a loop that stops first drops them). */
    private final io.netty.channel.group.ChannelGroup sessions =
            new io.netty.channel.group.DefaultChannelGroup(io.netty.util.concurrent.GlobalEventExecutor.INSTANCE);

    ProxyUnderTest(ImapSessionConfig config, ImapUpstreamConfig upstream) throws InterruptedException {
        this(config, upstream, null);
    }

    /** With other cryptography than {@link #crypto} (null: that one). */
    ProxyUnderTest(ImapSessionConfig config, ImapUpstreamConfig upstream, MailboxCrypto other)
            throws InterruptedException {
        this(config, upstream, other, new DecryptedMessages(16 << 20, Duration.ofMinutes(5)));
    }

    /** With a cache shared with other proxies. */
    ProxyUnderTest(ImapSessionConfig config, ImapUpstreamConfig upstream, MailboxCrypto other, DecryptedMessages cache)
            throws InterruptedException {
        listener = ImapListener.bind(group, group, NioServerSocketChannel.class, NioSocketChannel.class,
                new InetSocketAddress("127.0.0.1", 0), config, upstream, other != null ? other : crypto, cache,
                sessions::add);
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
