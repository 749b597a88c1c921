package org.mailseal.smtp;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;

/** A listener on a free loopback port, relaying through the real upstream client, passing messages on unchanged. */
final class RelayUnderTest implements AutoCloseable {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final Channel listener;

    RelayUnderTest(SmtpSessionConfig session, UpstreamConfig upstream) throws InterruptedException {
        listener = SmtpListener.bind(group, group, NioServerSocketChannel.class, new InetSocketAddress("127.0.0.1", 0),
                session, SmtpClient.connector(upstream, NioSocketChannel.class), new PassThroughFilter(),
                InMemorySpool::new);
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    @Override
    public void close() throws InterruptedException {
        listener.close().sync();
        group.shutdownGracefully().sync();
    }
}
