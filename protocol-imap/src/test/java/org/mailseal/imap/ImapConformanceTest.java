package org.mailseal.imap;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Differential conformance (issue acceptance item 2): every transcript in src/test/resources/transcripts is played
 * (a) against the upstream directly, on an account holding the corpus messages as plaintext, and (b) through the
 * proxy, on an account holding the same messages, those marked "encrypted" stored as {@link FakeCrypto} ciphertext.
 * After {@link ResponseNormaliser} the two response streams must be identical: whatever the proxy answers from a
 * decrypted message must be what the server itself answers for the plaintext. Each upstream is started once.
 */
class ImapConformanceTest {
    private static final String[] UPSTREAMS = {"greenmail", "dovecot"};
    private static final Map<String, ConformanceUpstream> running = new LinkedHashMap<>();

    /** -Dconformance.only=05 and -Dconformance.upstream=dovecot narrow a run down while working on one transcript. */
    static Stream<Arguments> cases() throws IOException {
        String only = System.getProperty("conformance.only", "");
        String onlyUpstream = System.getProperty("conformance.upstream", "");
        List<Arguments> cases = new ArrayList<>();
        for (String name : Transcript.names()) {
            for (String upstream : UPSTREAMS) {
                if (!name.startsWith(only) || !upstream.startsWith(onlyUpstream)
                        || !Transcript.load(name).upstreams().contains(upstream)) {
                    continue;
                }
                cases.add(Arguments.of(name, upstream));
            }
        }
        return cases.stream();
    }

    @AfterAll
    static void stopUpstreams() throws IOException {
        for (ConformanceUpstream upstream : running.values()) {
            upstream.close();
        }
        running.clear();
    }

    private static ConformanceUpstream upstream(String name) throws Exception {
        ConformanceUpstream upstream = running.get(name);
        if (upstream == null) {
            upstream = ConformanceUpstream.start(name);
            running.put(name, upstream);
        }
        return upstream;
    }

    @ParameterizedTest(name = "{0} via {1}")
    @MethodSource("cases")
    void theProxyOnEncryptedMessagesAnswersAsTheServerOnPlaintext(String file, String upstreamName) throws Exception {
        Transcript transcript = Transcript.load(file);
        ConformanceUpstream upstream = upstream(upstreamName);

        ConformanceUpstream.Account plain = upstream.newAccount();
        upstream.store(plain, transcript.mailboxes(), transcript.messages(), 0, false);
        TranscriptSession direct = play(transcript, upstream, upstream.port(), plain, false, "direct");

        ConformanceUpstream.Account encrypted = upstream.newAccount();
        upstream.store(encrypted, transcript.mailboxes(), transcript.messages(), 0, true);
        TranscriptSession proxied;
        try (WireTap tap = new WireTap(upstream.port());
             ProxyUnderTest proxy = new ProxyUnderTest(
                ImapSessionConfig.defaults("imap.example.org").withLoginWithoutTls(true),
                ImapUpstreamConfig.plain("127.0.0.1", Boolean.getBoolean("conformance.wiretap") ? tap.port()
                        : upstream.port()))) {
            proxied = play(transcript, upstream, proxy.port(), encrypted, true, "proxy");
        }

        ResponseNormaliser.Profile profile = upstreamName.equals("greenmail") ? ResponseNormaliser.Profile.GREENMAIL
                : ResponseNormaliser.Profile.STRICT;
        List<String> expected = new ArrayList<>(ResponseNormaliser.normalise(direct.record(), profile));
        List<String> actual = new ArrayList<>(ResponseNormaliser.normalise(proxied.record(), profile));
        List<String> failures = new ArrayList<>(direct.failures());
        failures.addAll(proxied.failures());
        for (String tag : transcript.stricterTags()) {
            List<String> refused = block(actual, tag);
            if (refused.size() != 1 || !refused.get(0).startsWith(tag + " BAD")) {
                failures.add("the proxy should refuse " + tag + " with BAD (RFC 3501 §9), but answered " + refused);
            }
            block(expected, tag);
        }
        if (transcript.freeOrder()) {
            expected = expected.stream().sorted().toList();
            actual = actual.stream().sorted().toList();
        }
        if (!expected.equals(actual)) {
            failures.add("responses differ (- " + upstreamName + " on plaintext, + proxy on encrypted):\n"
                    + TranscriptDiff.diff(expected, actual));
        }
        if (!failures.isEmpty()) {
            String report = "== " + file + " via " + upstreamName + "\n" + String.join("\n", failures);
            System.out.println(report);
            assertThat(failures).as(report).isEmpty();
        }
    }

    /** Removes a non-pipelined command's client line and responses from a record (mutable copy); returns the responses. */
    private static List<String> block(List<String> record, String tag) {
        int start = record.indexOf(record.stream().filter(unit -> unit.startsWith("C: " + tag + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no command tagged " + tag)));
        int end = start + 1;
        while (end < record.size() && !record.get(end).startsWith("C: ") && !record.get(end).startsWith("# ")) {
            end++;
        }
        List<String> responses = new ArrayList<>(record.subList(start + 1, end));
        record.subList(start, end).clear();
        return responses;
    }

    /** Logs in (not recorded: the proxy's greeting and capabilities are its own), then plays the transcript. */
    private static TranscriptSession play(Transcript transcript, ConformanceUpstream upstream, int port,
                                          ConformanceUpstream.Account account, boolean encrypt, String side)
            throws IOException {
        int[] delivered = {transcript.messages().size()};
        TranscriptSession.Delivery delivery = message -> upstream.store(account, List.of(), List.of(message),
                delivered[0]++, encrypt);
        Socket socket = new Socket("127.0.0.1", port);
        try (ImapTestClient client = new ImapTestClient(socket)) {
            socket.setSoTimeout(TranscriptSession.READ_TIMEOUT_MS);
            client.greeting();
            String login = client.command("login", "LOGIN " + account.user() + " " + account.password());
            assertThat(login).as("%s login", side).contains("login OK");
            TranscriptSession session = new TranscriptSession(client, delivery, side);
            session.run(transcript);
            return session;
        }
    }
}
