package org.mailseal.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.pop3.Pop3UpstreamConfig;
import org.mailseal.smtp.UpstreamConfig;

/** Greeting probes against GreenMail's implicit-TLS servers (self-signed: trusted here only by explicit choice). */
class UpstreamProbeTest {
    static final Duration TIMEOUT = Duration.ofSeconds(10);
    static GreenMail mailServer;
    static EventLoopGroup group;
    static SslContext trustAnything;

    @BeforeAll
    static void start() throws Exception {
        mailServer = new GreenMail(new ServerSetup[] {
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTPS).dynamicPort(),
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_IMAPS).dynamicPort(),
            new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_POP3S).dynamicPort()});
        mailServer.start();
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        trustAnything = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    }

    @AfterAll
    static void stop() {
        mailServer.stop();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Test
    void implicitTlsUpstreamsAnswerAfterTheHandshake() throws Exception {
        UpstreamConfig smtps = UpstreamConfig.plain("127.0.0.1", mailServer.getSmtps().getPort(), "probe.test")
                .withTls(UpstreamConfig.TlsMode.IMPLICIT, trustAnything);
        ImapUpstreamConfig imaps = ImapUpstreamConfig.plain("127.0.0.1", mailServer.getImaps().getPort())
                .withTls(ImapUpstreamConfig.TlsMode.IMPLICIT, trustAnything, false);
        Pop3UpstreamConfig pop3s = Pop3UpstreamConfig.plain("127.0.0.1", mailServer.getPop3s().getPort())
                .withTls(Pop3UpstreamConfig.TlsMode.IMPLICIT, trustAnything, false);

        assertThat(UpstreamProbe.smtp(group, smtps, TIMEOUT).check()).isEqualTo("greeting 220 over TLS");
        assertThat(UpstreamProbe.imap(group, imaps, TIMEOUT).check()).isEqualTo("greeting * OK over TLS");
        assertThat(UpstreamProbe.pop3(group, pop3s, TIMEOUT).check()).isEqualTo("greeting +OK over TLS");
    }

    @Test
    void anUntrustedCertificateIsDown() throws Exception {
        SslContext jdkTrust = SslContextBuilder.forClient().build();
        ImapUpstreamConfig imaps = ImapUpstreamConfig.plain("127.0.0.1", mailServer.getImaps().getPort())
                .withTls(ImapUpstreamConfig.TlsMode.IMPLICIT, jdkTrust, false);
        try (HealthChecks checks = new HealthChecks(TIMEOUT, Duration.ZERO, System::nanoTime)) {
            checks.register("imaps", UpstreamProbe.imap(group, imaps, TIMEOUT));
            HealthChecks.Result result = checks.report().checks().get(0);
            assertThat(result.up()).isFalse();
            assertThat(result.detail()).startsWith("SSLHandshakeException");
        }
    }
}
