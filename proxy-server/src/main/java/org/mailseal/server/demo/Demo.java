package org.mailseal.server.demo;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.CachingKeyDirectory;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.server.policy.Policy;
import org.mailseal.server.smtp.EncryptingFilter;
import org.mailseal.server.smtp.SpillSpool;
import org.mailseal.server.tls.SelfSignedTls;
import org.mailseal.smtp.SmtpClient;
import org.mailseal.smtp.SmtpListener;
import org.mailseal.smtp.SmtpSessionConfig;
import org.mailseal.smtp.Upstream;
import org.mailseal.smtp.UpstreamConfig;

/**
 * The demo a newcomer runs first: GreenMail as the "real" mail server on loopback and mailseal in front of it,
 * with four users (two OpenPGP, one S/MIME, one without a key) whose keys are made on the first start.
 */
public final class Demo implements AutoCloseable {
    public static final String DOMAIN = "demo.test";
    public static final String HOSTNAME = "mailseal." + DOMAIN;

    /** A demo user: address, password (which also protects the private key), and the kind of key. */
    public record User(String address, String password, Format keyFormat) {}

    public static final List<User> USERS = List.of(
            new User("alice@" + DOMAIN, "alice-pw", Format.PGP_MIME),
            new User("bob@" + DOMAIN, "bob-pw", Format.PGP_MIME),
            new User("carol@" + DOMAIN, "carol-pw", Format.SMIME),
            new User("dave@" + DOMAIN, "dave-pw", null));

    /** Ports: the upstream's (GreenMail) and mailseal's. */
    public record Ports(int upstreamSmtp, int upstreamPop3, int upstreamImap, int submission, int inbound) {
        static Ports from(int base) {
            return new Ports(base + 1025, base + 1110, base + 1143, base + 587, base + 25);
        }
    }

    private final GreenMail mailServer;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService crypto;
    private final List<Channel> listeners;
    private final Ports ports;
    private final FileKeyHome home;

    private Demo(GreenMail mailServer, EventLoopGroup boss, EventLoopGroup workers, ExecutorService crypto,
                 List<Channel> listeners, Ports ports, FileKeyHome home) {
        this.mailServer = mailServer;
        this.boss = boss;
        this.workers = workers;
        this.crypto = crypto;
        this.listeners = listeners;
        this.ports = ports;
        this.home = home;
    }

    public static Demo start(Path homeDirectory, int portBase) throws Exception {
        Ports ports = Ports.from(portBase);
        FileKeyHome home = FileKeyHome.open(homeDirectory);
        for (User user : USERS) {
            boolean hasKey = home.encryptionKeys(user.address()).stream().anyMatch(k -> k.format() == user.keyFormat());
            if (user.keyFormat() != null && !hasKey) {
                home.generate(user.address(), user.keyFormat(),
                        user.keyFormat() == Format.SMIME ? KeyAlgorithm.RSA3072 : KeyAlgorithm.CV25519,
                        user.password().toCharArray());
            }
        }
        GreenMail mailServer = new GreenMail(new ServerSetup[] {
            new ServerSetup(ports.upstreamSmtp(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP),
            new ServerSetup(ports.upstreamPop3(), "127.0.0.1", ServerSetup.PROTOCOL_POP3),
            new ServerSetup(ports.upstreamImap(), "127.0.0.1", ServerSetup.PROTOCOL_IMAP)});
        mailServer.start();
        for (User user : USERS) {
            mailServer.setUser(user.address(), user.address(), user.password());
        }
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        ExecutorService crypto = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                runnable -> {
                    Thread thread = new Thread(runnable, "mailseal-crypto");
                    thread.setDaemon(true);
                    return thread;
                });
        EncryptingFilter filter = new EncryptingFilter(new CachingKeyDirectory(home, Duration.ofSeconds(30)),
                Policy.opportunistic(), CryptoLimits.DEFAULTS, EncryptionOptions.DEFAULTS, 1 << 20, crypto);
        // Loopback only: the demo lets credentials cross the unencrypted link to GreenMail.
        Upstream.Connector upstream = SmtpClient.connector(
                UpstreamConfig.plain("127.0.0.1", ports.upstreamSmtp(), HOSTNAME).withPlaintextAuth(true),
                NioSocketChannel.class);
        SmtpSessionConfig submission = SmtpSessionConfig.defaults(SmtpSessionConfig.Role.SUBMISSION, HOSTNAME, Set.of())
                .withTls(SelfSignedTls.serverContext(HOSTNAME), false)
                .withAuthWithoutTls(true);
        SmtpSessionConfig inbound = SmtpSessionConfig.defaults(SmtpSessionConfig.Role.INBOUND_SMTP, HOSTNAME, Set.of(DOMAIN));
        List<Channel> listeners = List.of(
                SmtpListener.bind(boss, workers, NioServerSocketChannel.class, new InetSocketAddress("127.0.0.1",
                        ports.submission()), submission, upstream, filter, SpillSpool.factory(1 << 20)),
                SmtpListener.bind(boss, workers, NioServerSocketChannel.class, new InetSocketAddress("127.0.0.1",
                        ports.inbound()), inbound, upstream, filter, SpillSpool.factory(1 << 20)));
        return new Demo(mailServer, boss, workers, crypto, listeners, ports, home);
    }

    public Ports ports() {
        return ports;
    }

    public GreenMail mailServer() {
        return mailServer;
    }

    public FileKeyHome home() {
        return home;
    }

    @Override
    public void close() {
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        workers.shutdownGracefully(0, 5, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 5, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
        crypto.shutdownNow();
        mailServer.stop();
    }
}
