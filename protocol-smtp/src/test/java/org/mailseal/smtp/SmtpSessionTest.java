package org.mailseal.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.SelfSignedCertificate;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The session against a fake upstream: what the client hears, and what the upstream is asked. */
class SmtpSessionTest {
    private final FakeUpstream upstream = new FakeUpstream();
    private EmbeddedChannel channel;

    /** Refuses RCPT for addresses starting with "nokey" (policy 'require' without a key); passes messages on whole. */
    private final MessageFilter filter = new MessageFilter() {
        @Override
        public CompletionStage<SmtpReply> checkRecipient(Envelope envelope, String recipient) {
            return CompletableFuture.completedFuture(recipient.startsWith("nokey")
                    ? SmtpReply.of(550, "5.7.1", "Recipient requires encryption; no usable key") : null);
        }

        @Override
        public CompletionStage<List<OutboundCopy>> process(Envelope envelope, MessageContent received) {
            return CompletableFuture.completedFuture(List.of(new OutboundCopy(envelope.reversePath(),
                    envelope.mailParameters(), envelope.recipients(), received)));
        }
    };

    private String start(SmtpSessionConfig config) {
        SmtpFrameDecoder decoder = new SmtpFrameDecoder(config.maxCommandLine(), config.maxTextLine());
        channel = new EmbeddedChannel(decoder, new SmtpSession(config, upstream, filter, InMemorySpool::new, decoder));
        return output();
    }

    private static SmtpSessionConfig submission() {
        return SmtpSessionConfig.defaults(SmtpSessionConfig.Role.SUBMISSION, "mail.example.org", Set.of())
                .withAuthWithoutTls(true);
    }

    private String send(String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
        return output();
    }

    private String output() {
        channel.runPendingTasks();
        StringBuilder out = new StringBuilder();
        ByteBuf written;
        while ((written = channel.readOutbound()) != null) {
            out.append(written.toString(StandardCharsets.UTF_8));
            written.release();
        }
        return out.toString();
    }

    private static String plain(String authorization, String user, String password) {
        return Base64.getEncoder().encodeToString((authorization + "\0" + user + "\0" + password).getBytes(StandardCharsets.UTF_8));
    }

    private void authenticated() {
        start(submission());
        send("EHLO client.example\r\n");
        assertThat(send("AUTH PLAIN " + plain("", "alice@example.org", "pw") + "\r\n")).startsWith("235 ");
    }

    /** RFC 2920 §3.1: replies to a pipelined batch may be held back and sent together once the batch is used up. */
    @Test
    void theRepliesToAPipelinedBatchLeaveInOneWrite() {
        start(submission());
        AtomicInteger flushes = new AtomicInteger();
        channel.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes.incrementAndGet();
                ctx.flush();
            }
        });
        assertThat(send("NOOP\r\nNOOP\r\nNOOP\r\n")).isEqualTo("250 2.0.0 OK\r\n".repeat(3));
        assertThat(flushes).hasValue(1);
        assertThat(send("NOOP\r\n")).isEqualTo("250 2.0.0 OK\r\n"); // a lone command is answered at once
        assertThat(flushes).hasValue(2);
    }

    @Test
    void aPipelinedSubmissionIsAnsweredInOrderAndDeliveredOnce() {
        assertThat(start(submission())).isEqualTo("220 mail.example.org ESMTP mailseal\r\n");
        assertThat(send("EHLO client.example\r\n")).isEqualTo("250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 26214400\r\n"
                + "250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n250-DSN\r\n250 AUTH PLAIN LOGIN\r\n");
        assertThat(send("AUTH PLAIN " + plain("", "alice@example.org", "secret") + "\r\n"))
                .isEqualTo("235 2.7.0 Authentication successful\r\n");
        String replies = send("MAIL FROM:<alice@example.org> SIZE=100\r\nRCPT TO:<bob@example.org>\r\n"
                + "RCPT TO:<carol@example.org> NOTIFY=NEVER\r\nDATA\r\n");
        assertThat(replies).isEqualTo("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n");
        assertThat(send("Subject: hi\r\n\r\n..dot\r\n.\r\nQUIT\r\n"))
                .isEqualTo("250 2.0.0 Message accepted for delivery\r\n221 2.0.0 mail.example.org closing connection\r\n");
        assertThat(upstream.calls).containsExactly("CONNECT", "AUTH alice@example.org secret",
                "MAIL <alice@example.org> {SIZE=100}", "RCPT <bob@example.org>", "RCPT <carol@example.org>",
                "DELIVER <alice@example.org> [bob@example.org, carol@example.org]");
        assertThat(upstream.delivered).singleElement().asString()
                .matches("(?s)Received: from client\\.example \\(\\[[^]]+]\\)\r\n\tby mail\\.example\\.org \\(mailseal\\) "
                        + "with ESMTPA id [0-9a-f]{12};\r\n\t[^\r\n]+ \\+0000\r\nSubject: hi\r\n\r\n\\.dot\r\n");
        assertThat(channel.isOpen()).isFalse();
        assertThat(upstream.closed).isTrue();
    }

    /** SMTP smuggling: every end-of-data look-alike stays in the one message; nothing is smuggled upstream. */
    @ParameterizedTest
    @ValueSource(strings = {"\n.\n", "\n.\r\n", "\r.\n", "\r.\r\n", "\r\n.\r", "\r\n.\n", "\n.\r", "\r\n\u0000.\r\n"})
    void smugglingLookAlikesYieldExactlyOneUpstreamMessage(String lookAlike) {
        authenticated();
        send("MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n");
        String replies = send("Subject: one\r\n\r\nbody" + lookAlike
                + "MAIL FROM:<mallory@example.org>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nsmuggled\r\n.\r\n");
        assertThat(replies).isEqualTo("250 2.0.0 Message accepted for delivery\r\n");
        assertThat(upstream.calls).filteredOn(c -> c.startsWith("DELIVER")).hasSize(1);
        assertThat(upstream.calls).noneMatch(c -> c.contains("mallory") || c.contains("victim"));
        assertThat(upstream.delivered).singleElement().asString().contains("MAIL FROM:<mallory@example.org>");
    }

    @Test
    void commandsPipelinedBehindStartTlsNeverRun() throws Exception {
        SelfSignedCertificate certificate = new SelfSignedCertificate("mail.example.org");
        start(SmtpSessionConfig.defaults(SmtpSessionConfig.Role.SUBMISSION, "mail.example.org", Set.of())
                .withTls(SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey()).build(), false));
        String ehlo = send("EHLO client.example\r\n");
        assertThat(ehlo).contains("250 STARTTLS\r\n").doesNotContain("AUTH");
        String reply = send("STARTTLS\r\nRSET\r\nMAIL FROM:<x@example.org>\r\n");
        assertThat(reply).isEqualTo("220 2.0.0 Ready to start TLS\r\n");
        assertThat(upstream.calls).containsExactly("CONNECT");
        assertThat(channel.pipeline().get("tls")).isNotNull();
    }

    @Test
    void aMegabyteLineIsRefusedAndTheSessionGoesOn() {
        start(submission());
        String reply = "";
        for (int i = 0; i < 16; i++) {
            reply += send("x".repeat(65536));
        }
        reply += send("\r\nNOOP\r\n");
        assertThat(reply).isEqualTo("500 5.5.2 Line too long\r\n250 2.0.0 OK\r\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"MAIL FROM:<a\r@example.org>", "MAIL FROM:<a@example.org>\nX", "MAIL FROM:<a\u0000@example.org>"})
    void controlCharactersInMailAreRefusedWith501(String command) {
        authenticated();
        assertThat(send(command + "\r\n")).startsWith("501 ");
        assertThat(upstream.calls).noneMatch(c -> c.startsWith("MAIL"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"RCPT TO:<b\r@example.org>", "RCPT TO:<b@example.org>\nX", "RCPT TO:<b\u0000@example.org>"})
    void controlCharactersInRcptAreRefusedWith501(String command) {
        authenticated();
        assertThat(send("MAIL FROM:<alice@example.org>\r\n")).startsWith("250 ");
        assertThat(send(command + "\r\n")).startsWith("501 ");
        assertThat(upstream.calls).noneMatch(c -> c.startsWith("RCPT"));
    }

    @Test
    void authFailuresNeverReachTheUpstream() {
        start(submission());
        send("EHLO client.example\r\n");
        assertThat(send("AUTH PLAIN not*base64\r\n")).startsWith("501 5.5.2");
        assertThat(send("AUTH PLAIN " + plain("mallory@example.org", "alice@example.org", "pw") + "\r\n")).startsWith("535 5.7.8");
        assertThat(send("AUTH PLAIN\r\n")).isEqualTo("334 \r\n");
        assertThat(send("*\r\n")).startsWith("501 5.0.0");
        assertThat(send("AUTH CRAM-MD5\r\n")).startsWith("504 5.5.4");
        assertThat(send("AUTH LOGIN\r\n")).isEqualTo("334 VXNlcm5hbWU6\r\n");
        assertThat(send("%%%\r\n")).startsWith("501 5.5.2");
        assertThat(upstream.calls).containsExactly("CONNECT");
    }

    @Test
    void authLoginIsRelayedAndAWrongPasswordIs535() {
        start(submission());
        send("EHLO client.example\r\n");
        upstream.authReply = SmtpReply.of(535, "5.7.8", "bad");
        send("AUTH LOGIN\r\n");
        send(Base64.getEncoder().encodeToString("alice@example.org".getBytes(StandardCharsets.UTF_8)) + "\r\n");
        String reply = send(Base64.getEncoder().encodeToString("wrong".getBytes(StandardCharsets.UTF_8)) + "\r\n");
        assertThat(reply).isEqualTo("535 5.7.8 Authentication credentials invalid\r\n");
        assertThat(upstream.calls).containsExactly("CONNECT", "AUTH alice@example.org wrong");
        assertThat(send("MAIL FROM:<alice@example.org>\r\n")).startsWith("530 5.7.0");
    }

    @Test
    void authBeforeTlsIsRefusedWhenNotAllowed() throws Exception {
        SelfSignedCertificate certificate = new SelfSignedCertificate("mail.example.org");
        start(SmtpSessionConfig.defaults(SmtpSessionConfig.Role.SUBMISSION, "mail.example.org", Set.of())
                .withTls(SslContextBuilder.forServer(certificate.certificate(), certificate.privateKey()).build(), false));
        send("EHLO client.example\r\n");
        assertThat(send("AUTH PLAIN " + plain("", "alice@example.org", "pw") + "\r\n")).startsWith("538 5.7.11");
        assertThat(upstream.calls).containsExactly("CONNECT");
    }

    @Test
    void theInboundListenerIsNoOpenRelay() {
        start(SmtpSessionConfig.defaults(SmtpSessionConfig.Role.INBOUND_SMTP, "mx.example.org", Set.of("example.org")));
        send("EHLO sender.example\r\n");
        assertThat(send("MAIL FROM:<someone@elsewhere.example>\r\nRCPT TO:<victim@elsewhere.example>\r\n"))
                .isEqualTo("250 2.1.0 Ok\r\n550 5.7.1 Relaying denied\r\n");
        assertThat(send("RCPT TO:<bob@EXAMPLE.org>\r\nAUTH PLAIN " + plain("", "a", "b") + "\r\n"))
                .isEqualTo("250 2.1.5 Ok\r\n502 5.5.1 AUTH not available here\r\n");
        assertThat(upstream.calls).doesNotContain("RCPT <victim@elsewhere.example>");
    }

    @Test
    void tooManyRecipientsGet452() {
        start(submission().withLimits(1000, 2));
        send("EHLO c\r\nAUTH PLAIN " + plain("", "alice@example.org", "pw") + "\r\n");
        String replies = send("MAIL FROM:<alice@example.org>\r\nRCPT TO:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n"
                + "RCPT TO:<c@example.org>\r\n");
        assertThat(replies).endsWith("250 2.1.5 Ok\r\n452 4.5.3 Too many recipients\r\n");
    }

    @Test
    void messagesAboveSizeGet552BeforeAndAfterTheData() {
        start(submission().withLimits(100, 10));
        send("EHLO c\r\nAUTH PLAIN " + plain("", "alice@example.org", "pw") + "\r\n");
        assertThat(send("MAIL FROM:<alice@example.org> SIZE=101\r\n")).startsWith("552 5.3.4");
        send("MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n");
        assertThat(send("x".repeat(90) + "\r\n" + "y".repeat(90) + "\r\n.\r\n")).startsWith("552 5.3.4");
        assertThat(upstream.calls).noneMatch(c -> c.startsWith("DELIVER"));
        assertThat(send("MAIL FROM:<alice@example.org>\r\n")).startsWith("250 ");
    }

    @Test
    void requirePolicyWithoutAKeyIs550AndTheUpstreamNeverHearsOfTheRecipient() {
        authenticated();
        String replies = send("MAIL FROM:<alice@example.org>\r\nRCPT TO:<nokey@example.org>\r\nDATA\r\n");
        assertThat(replies).isEqualTo("250 2.1.0 Ok\r\n550 5.7.1 Recipient requires encryption; no usable key\r\n"
                + "554 5.5.1 No valid recipients\r\n");
        assertThat(upstream.calls).noneMatch(c -> c.contains("nokey"));
    }

    @Test
    void anUpstreamFailureAtDeliveryIs451AndA5xxIsPassedBack() {
        authenticated();
        upstream.deliveryFails = true;
        send("MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n");
        assertThat(send("hello\r\n.\r\n")).isEqualTo("451 4.3.0 Temporary failure, try again later\r\n");
        upstream.deliveryFails = false;
        upstream.deliveryReplies.put("bob@example.org", SmtpReply.of(554, "5.7.1", "Rejected by content filter"));
        send("MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n");
        assertThat(send("hello\r\n.\r\n")).isEqualTo("554 5.7.1 Rejected by content filter\r\n");
    }

    @Test
    void lmtpAnswersEachRecipientAfterTheData() {
        start(SmtpSessionConfig.defaults(SmtpSessionConfig.Role.INBOUND_LMTP, "store.example.org", Set.of("example.org")));
        assertThat(send("EHLO mx\r\n")).startsWith("500 5.5.1 Use LHLO");
        send("LHLO mx\r\n");
        upstream.deliveryReplies.put("carol@example.org", SmtpReply.of(452, "4.2.2", "Mailbox full"));
        send("MAIL FROM:<sender@elsewhere.example>\r\nRCPT TO:<bob@example.org>\r\nRCPT TO:<carol@example.org>\r\nDATA\r\n");
        assertThat(send("hello\r\n.\r\n")).isEqualTo("250 2.0.0 queued\r\n452 4.2.2 Mailbox full\r\n");
    }

    @Test
    void aClientGoneBeforeTheFinalDotCausesNothingToBeSent() {
        authenticated();
        int discardedBefore = InMemorySpool.discarded;
        send("MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nSubject: half\r\n\r\nhalf a mess");
        channel.close();
        channel.runPendingTasks();
        assertThat(upstream.calls).noneMatch(c -> c.startsWith("DELIVER"));
        assertThat(InMemorySpool.discarded).isEqualTo(discardedBefore + 1);
        assertThat(upstream.closed).isTrue();
    }

    @Test
    void anUnreachableUpstreamIs421() {
        upstream.connectFailure = SmtpReply.of(421, "4.4.1", "connection refused");
        assertThat(start(submission())).isEqualTo("421 4.4.1 mail.example.org Service not available, try again later\r\n");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void anIdleClientIsTimedOutWith421() {
        start(submission());
        channel.advanceTimeBy(6, TimeUnit.MINUTES);
        assertThat(output()).isEqualTo("421 4.4.2 mail.example.org Timeout, closing connection\r\n");
        assertThat(channel.isOpen()).isFalse();
    }

    @Test
    void commandsOutOfOrderAreRefused() {
        start(submission());
        assertThat(send("MAIL FROM:<a@example.org>\r\n")).startsWith("503 5.5.1 Send EHLO first");
        send("EHLO c\r\n");
        assertThat(send("MAIL FROM:<a@example.org>\r\n")).startsWith("530 5.7.0");
        assertThat(send("RCPT TO:<b@example.org>\r\n")).startsWith("503 5.5.1");
        assertThat(send("DATA\r\n")).startsWith("503 5.5.1");
        assertThat(send("VRFY bob\r\n")).startsWith("252 ");
        assertThat(send("STARTTLS\r\n")).startsWith("502 5.5.1");
    }
}
