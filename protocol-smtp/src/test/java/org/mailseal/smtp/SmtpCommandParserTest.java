package org.mailseal.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SmtpCommandParserTest {
    private static SmtpReply rejection(String line) {
        SmtpCommand command = SmtpCommandParser.parse(line);
        assertThat(command).as(line).isInstanceOf(SmtpCommand.Invalid.class);
        return ((SmtpCommand.Invalid) command).reply();
    }

    @Test
    void mailAndRcptWithParameters() {
        assertThat(SmtpCommandParser.parse("mail from:<Alice@Example.org> SIZE=1000 BODY=8BITMIME SMTPUTF8"))
                .isEqualTo(new SmtpCommand.Mail("Alice@Example.org",
                        Map.of("SIZE", "1000", "BODY", "8BITMIME", "SMTPUTF8", "")));
        assertThat(SmtpCommandParser.parse("MAIL FROM: <>")).isEqualTo(new SmtpCommand.Mail("", Map.of()));
        assertThat(SmtpCommandParser.parse("RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org"))
                .isEqualTo(new SmtpCommand.Rcpt("bob@example.org",
                        Map.of("NOTIFY", "SUCCESS,FAILURE", "ORCPT", "rfc822;bob@example.org")));
        assertThat(SmtpCommandParser.parse("RCPT TO:<@relay.example:bob@example.org>"))
                .isEqualTo(new SmtpCommand.Rcpt("bob@example.org", Map.of()));
        assertThat(SmtpCommandParser.parse("RCPT TO:<Postmaster>")).isEqualTo(new SmtpCommand.Rcpt("Postmaster", Map.of()));
    }

    @Test
    void simpleCommands() {
        assertThat(SmtpCommandParser.parse("EHLO client.example")).isEqualTo(
                new SmtpCommand.Hello(SmtpCommand.Hello.Kind.EHLO, "client.example"));
        assertThat(SmtpCommandParser.parse("LHLO [127.0.0.1]")).isEqualTo(
                new SmtpCommand.Hello(SmtpCommand.Hello.Kind.LHLO, "[127.0.0.1]"));
        assertThat(SmtpCommandParser.parse("data")).isEqualTo(new SmtpCommand.Data());
        assertThat(SmtpCommandParser.parse("NOOP anything")).isEqualTo(new SmtpCommand.Noop());
        assertThat(SmtpCommandParser.parse("AUTH plain AGFsaWNlAHB3")).isEqualTo(new SmtpCommand.Auth("PLAIN", "AGFsaWNlAHB3"));
        assertThat(SmtpCommandParser.parse("AUTH LOGIN")).isEqualTo(new SmtpCommand.Auth("LOGIN", null));
        assertThat(SmtpCommandParser.parse("VRFY bob")).isEqualTo(new SmtpCommand.Vrfy());
    }

    @ParameterizedTest
    @ValueSource(strings = {"MAIL FROM:<a\rb@example.org>", "RCPT TO:<a\nb@example.org>", "RCPT TO:<a\u0000@example.org>",
        "MAIL FROM:<a@example.org> SIZE=1\r0", "EHLO a\u0000b"})
    void controlCharactersAreRefusedWith501(String line) {
        assertThat(rejection(line).code()).isEqualTo(501);
    }

    @Test
    void badSyntaxGetsTheRightReply() {
        assertThat(rejection("MAIL FROM:a@example.org").code()).isEqualTo(501);
        assertThat(rejection("MAIL FROM:<a@example.org").code()).isEqualTo(501);
        assertThat(rejection("MAIL TO:<a@example.org>").code()).isEqualTo(501);
        assertThat(rejection("RCPT TO:<>").enhanced()).isEqualTo("5.1.3");
        assertThat(rejection("RCPT TO:<a b@example.org>").enhanced()).isEqualTo("5.1.3");
        assertThat(rejection("RCPT TO:<" + "a".repeat(250) + "@example.org>").lines()).containsExactly("Path too long");
        assertThat(rejection("MAIL FROM:<a@example.org> SIZE=").code()).isEqualTo(501);
        assertThat(rejection("MAIL FROM:<a@example.org>SIZE=10").code()).isEqualTo(501);
        assertThat(rejection("DATA now").code()).isEqualTo(501);
        assertThat(rejection("EHLO").code()).isEqualTo(501);
        assertThat(rejection("EXPN staff").code()).isEqualTo(502);
        assertThat(rejection("BDAT 100 LAST").code()).isEqualTo(502);
        assertThat(rejection("FOO").code()).isEqualTo(500);
        assertThat(rejection("").code()).isEqualTo(500);
    }

    @Test
    void replyTextNeverCarriesLineBreaks() {
        SmtpReply reply = SmtpReply.of(550, "5.1.1", "no such user: evil\r\n250 OK");
        String wire = text(reply.encode(io.netty.buffer.ByteBufAllocator.DEFAULT));
        assertThat(wire).isEqualTo("550 5.1.1 no such user: evil  250 OK\r\n");
        String multi = text(new SmtpReply(250, null, java.util.List.of("mail.example", "PIPELINING", "8BITMIME"))
                .encode(io.netty.buffer.ByteBufAllocator.DEFAULT));
        assertThat(multi).isEqualTo("250-mail.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
    }

    private static String text(io.netty.buffer.ByteBuf encoded) {
        try {
            return encoded.toString(java.nio.charset.StandardCharsets.UTF_8);
        } finally {
            encoded.release();
        }
    }
}
