package org.mailseal.imap;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImapFrameDecoderTest {
    private ImapFrameDecoder decoder;
    private final List<Object> frames = new ArrayList<>();

    /** A server-side decoder whose handler asks for the next command as soon as it got one. */
    private EmbeddedChannel commands(int maxLiteral, boolean nonSynchronizing) {
        decoder = new ImapFrameDecoder(ImapFrameDecoder.Side.COMMANDS, 1024, maxLiteral, 1024 + 4 * maxLiteral);
        decoder.limits(maxLiteral, 1024 + 4 * maxLiteral, nonSynchronizing);
        EmbeddedChannel channel = new EmbeddedChannel(decoder, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                frames.add(msg instanceof ImapFrame.Unit unit ? text(unit) : msg);
                decoder.request();
            }
        });
        decoder.request();
        return channel;
    }

    private static String text(ImapFrame.Unit unit) {
        String text = unit.tag() + "|" + unit.raw().toString(StandardCharsets.ISO_8859_1);
        unit.raw().release();
        return text;
    }

    private static String written(EmbeddedChannel channel) {
        StringBuilder out = new StringBuilder();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    private static void feed(EmbeddedChannel channel, String text) {
        channel.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    @Test
    void aCommandWithLiteralsIsOneUnitWhereverTheInputIsCut() {
        String command = "a1 LOGIN {5}\r\nalice {3}\r\npw!\r\nb2 NOOP\r\n";
        for (int cut = 0; cut <= command.length(); cut++) {
            frames.clear();
            EmbeddedChannel channel = commands(100, false);
            feed(channel, command.substring(0, cut));
            feed(channel, command.substring(cut));
            assertThat(frames).as("cut at %d", cut)
                    .containsExactly("a1|a1 LOGIN {5}\r\nalice {3}\r\npw!\r\n", "b2|b2 NOOP\r\n");
            // Each synchronizing literal is invited once, and only once its announcement has arrived.
            assertThat(written(channel)).isEqualTo("+ Ready for literal data\r\n".repeat(2));
            assertThat(channel.finish()).isFalse();
        }
    }

    @Test
    void nonSynchronizingLiteralsAreNotInvited() {
        EmbeddedChannel channel = commands(100, true);
        feed(channel, "a APPEND INBOX {3+}\r\nabc\r\n");
        assertThat(frames).containsExactly("a|a APPEND INBOX {3+}\r\nabc\r\n");
        assertThat(written(channel)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a LOGIN {4294967295}\r\n", "a LOGIN {99999999999999999999}\r\n", "a LOGIN {101}\r\n"})
    void aLiteralAboveTheLimitIsRefusedBeforeAnyOfItIsBufferedOrInvited(String command) {
        EmbeddedChannel channel = commands(100, false);
        feed(channel, command);
        assertThat(frames).containsExactly(new ImapFrame.LiteralTooBig("a", true));
        assertThat(written(channel)).doesNotContain("+");
        feed(channel, "b NOOP\r\n"); // the client never sent the literal: the next command is read as one
        assertThat(frames).last().isEqualTo("b|b NOOP\r\n");
    }

    @Test
    void aNonSynchronizingLiteralWhereNoneIsAllowedIsRefused() {
        EmbeddedChannel channel = commands(100, false);
        feed(channel, "a LOGIN {5+}\r\nalice x\r\n");
        assertThat(frames.get(0)).isEqualTo(new ImapFrame.LiteralTooBig("a", false));
    }

    @Test
    void aNegativeLiteralIsNoLiteralAndReachesTheSessionAsText() {
        EmbeddedChannel channel = commands(100, false);
        feed(channel, "a LOGIN {-1}\r\n");
        assertThat(frames).containsExactly("a|a LOGIN {-1}\r\n");
        assertThat(written(channel)).isEmpty();
    }

    @Test
    void aMegabyteLineIsSkippedWithBoundedMemory() {
        EmbeddedChannel channel = commands(100, false);
        for (int i = 0; i < 64; i++) {
            feed(channel, "(".repeat(16384));
        }
        assertThat(decoder.buffered()).isLessThan(2048);
        feed(channel, "\r\nc NOOP\r\n");
        assertThat(frames).containsExactly(new ImapFrame.LineTooLong("*"), "c|c NOOP\r\n");
    }

    @Test
    void aBareLineFeedEndsNothing() {
        EmbeddedChannel channel = commands(100, false);
        feed(channel, "a NOOP\nb NOOP\r\n");
        assertThat(frames).containsExactly(new ImapFrame.BareLineFeed("a"), "b|b NOOP\r\n");
    }

    @Test
    void tagsWithForbiddenCharactersAreNoTags() {
        EmbeddedChannel channel = commands(100, false);
        feed(channel, "a\u0000b NOOP\r\n");
        feed(channel, "a+b NOOP\r\n");
        assertThat(frames).containsExactly("*|a\u0000b NOOP\r\n", "*|a+b NOOP\r\n");
    }

    @Test
    void responsesWithLiteralsAreOneUnitEach() {
        ImapFrameDecoder responses = new ImapFrameDecoder(ImapFrameDecoder.Side.RESPONSES, 1024, 1 << 20, 2 << 20);
        List<String> units = new ArrayList<>();
        EmbeddedChannel channel = new EmbeddedChannel(responses, new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                units.add(text((ImapFrame.Unit) msg));
            }
        });
        String stream = "* 1 FETCH (UID 7 BODY[] {4}\r\nab\r\n FLAGS (\\Seen))\r\n+ idling\r\na OK done\r\n";
        for (int i = 0; i < stream.length(); i++) {
            feed(channel, stream.substring(i, i + 1));
        }
        assertThat(units).containsExactly("*|* 1 FETCH (UID 7 BODY[] {4}\r\nab\r\n FLAGS (\\Seen))\r\n", "*|+ idling\r\n",
                "a|a OK done\r\n");
        assertThat(written(channel)).isEmpty(); // a client never invites the server's literals
    }
}
