package org.mailseal.server.demo;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.pop3.Pop3UpstreamConfig;
import org.mailseal.server.config.AdminConfig;
import org.mailseal.server.config.ImapListenerConfig;
import org.mailseal.server.config.Pop3ListenerConfig;
import org.mailseal.server.config.ListenerConfig;
import org.mailseal.server.config.MailsealConfig;
import org.mailseal.server.policy.Policy;
import org.mailseal.server.run.ProxyServer;
import org.mailseal.server.tls.SelfSignedTls;
import org.mailseal.smtp.SmtpSessionConfig;
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
    public record Ports(int upstreamSmtp, int upstreamPop3, int upstreamImap, int submission, int inbound, int imap,
                        int pop3) {
        static Ports from(int base) {
            return new Ports(base + 1025, base + 1110, base + 1143, base + 587, base + 25, base + 143, base + 110);
        }
    }

    private final GreenMail mailServer;
    private final ProxyServer proxy;
    private final Ports ports;
    private final FileKeyHome home;

    private Demo(GreenMail mailServer, ProxyServer proxy, Ports ports, FileKeyHome home) {
        this.mailServer = mailServer;
        this.proxy = proxy;
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
        // Loopback only: the demo lets credentials cross the unencrypted link to GreenMail, and AUTH without TLS.
        UpstreamConfig upstream = UpstreamConfig.plain("127.0.0.1", ports.upstreamSmtp(), HOSTNAME).withPlaintextAuth(true);
        SslContext tls = SelfSignedTls.serverContext(HOSTNAME);
        MailsealConfig config = new MailsealConfig(homeDirectory, Policy.opportunistic(), EncryptionOptions.DEFAULTS,
                25L << 20, 100, 1 << 20, List.of(
                        new ListenerConfig("submission", SmtpSessionConfig.Role.SUBMISSION, "127.0.0.1", ports.submission(),
                                HOSTNAME, tls, false, true, Set.of(), upstream),
                        new ListenerConfig("inbound", SmtpSessionConfig.Role.INBOUND_SMTP, "127.0.0.1", ports.inbound(),
                                HOSTNAME, null, false, false, Set.of(DOMAIN), upstream)))
                .withImapListeners(List.of(new ImapListenerConfig("imap", "127.0.0.1", ports.imap(), HOSTNAME, tls,
                        false, true, ImapUpstreamConfig.plain("127.0.0.1", ports.upstreamImap()))))
                .withPop3Listeners(List.of(new Pop3ListenerConfig("pop3", "127.0.0.1", ports.pop3(), HOSTNAME, tls,
                        false, true, Pop3UpstreamConfig.plain("127.0.0.1", ports.upstreamPop3()), null)))
                // Metrics and health on loopback, on any free port: the demo prints where.
                .withAdmin(new AdminConfig("127.0.0.1", 0));
        try {
            return new Demo(mailServer, ProxyServer.start(config), ports, home);
        } catch (Exception e) {
            mailServer.stop();
            throw e;
        }
    }

    public Ports ports() {
        return ports;
    }

    /** Where the admin endpoint ({@code /metrics}, {@code /health}) listens. */
    public InetSocketAddress adminAddress() {
        return proxy.adminAddress().orElseThrow();
    }

    public GreenMail mailServer() {
        return mailServer;
    }

    public FileKeyHome home() {
        return home;
    }

    @Override
    public void close() {
        proxy.close();
        mailServer.stop();
    }
}
