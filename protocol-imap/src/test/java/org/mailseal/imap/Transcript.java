package org.mailseal.imap;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One conformance transcript, parsed: the accounts' starting contents and the client's steps with their
 * expectations. The format is described in {@code src/test/resources/transcripts/README.md}.
 */
/**
 * @param stricterTags commands the proxy refuses with BAD as RFC 3501's grammar says, where Dovecot is lenient
 *                     ({@code # stricter: TAG ...}); their responses are checked on the proxy alone
 * @param freeOrder    responses of pipelined commands may interleave differently ({@code # order: free}, RFC 3501
 *                     §5.5); the streams are compared as multisets of responses
 * @param upstreams    the servers it runs against ({@code # upstreams: dovecot (why)}; default both)
 */
record Transcript(String name, List<String> mailboxes, List<Message> messages, List<Step> steps,
                  List<String> stricterTags, boolean freeOrder, List<String> upstreams) {
    /** A corpus message stored before the session starts, or delivered while it runs. */
    record Message(String mailbox, String corpus, byte[] plaintext, boolean encrypted, String flags) {}

    /** One piece of a client command: text, or a literal (sent synchronizing: after the server's "+"). */
    record Part(String text, byte[] literal) {}

    /** An {@code S:} line: an exact first line, a regex some response must match, or one none may match. */
    record Expect(int lineNumber, String text, boolean regex, boolean negated) {}

    sealed interface Step permits Send, Wait, Deliver {}

    /** A client line; a pipelined one ({@code P:}) goes out in the same write as the next {@code C:} line. */
    record Send(int lineNumber, String shown, List<Part> parts, boolean pipelined, List<Expect> expects)
            implements Step {}

    /** Reads responses until one matches (an unsolicited EXISTS during IDLE, say). */
    record Wait(int lineNumber, Pattern until, List<Expect> expects) implements Step {}

    /** Another connection of the same account APPENDs a message straight to the server. */
    record Deliver(int lineNumber, Message message) implements Step {}

    private static final Pattern MSG_LITERAL = Pattern.compile("\\{msg:(\\d+)}");
    private static final Pattern APPEND = Pattern.compile(
            "(\\S+) (\\d+) (plain|encrypted)(?: (\\(.*\\)))?");

    static List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(resource("/transcripts"))) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".txt")).sorted().toList();
        }
    }

    static Transcript load(String name) throws IOException {
        List<String> lines = Files.readAllLines(resource("/transcripts").resolve(name), StandardCharsets.UTF_8);
        return parse(name, lines);
    }

    static Transcript parse(String name, List<String> lines) {
        List<String> mailboxes = new ArrayList<>();
        List<Message> messages = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        List<Expect> expects = null; // where the next S: lines go
        List<String> stricter = new ArrayList<>();
        boolean freeOrder = false;
        List<String> upstreams = List.of("greenmail", "dovecot");
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int number = i + 1;
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# stricter: ")) {
                stricter.addAll(List.of(line.substring(12).replaceAll("\\(.*", "").trim().split(" +")));
            } else if (line.startsWith("# upstreams: ")) {
                upstreams = List.of(line.substring(13).replaceAll("\\(.*", "").trim().split(" +"));
            } else if (line.startsWith("# order: free")) {
                freeOrder = true;
            } else if (line.startsWith("# create: ")) {
                requireSetup(steps, number);
                mailboxes.add(line.substring(10).trim());
            } else if (line.startsWith("# append: ")) {
                Message message = message(line.substring(10).trim(), number);
                if (steps.isEmpty()) {
                    messages.add(message);
                } else {
                    steps.add(new Deliver(number, message));
                }
                expects = null;
            } else if (line.startsWith("# wait: ")) {
                expects = new ArrayList<>();
                steps.add(new Wait(number, Pattern.compile(line.substring(8).trim(), Pattern.DOTALL), expects));
            } else if (line.startsWith("#")) {
                continue; // a comment
            } else if (line.startsWith("C: ") || line.startsWith("P: ")) {
                boolean pipelined = line.startsWith("P: ");
                String text = line.substring(3);
                List<Part> parts = new ArrayList<>();
                if (text.endsWith("{}")) {
                    // An inline literal: the L: lines that follow, each with CRLF.
                    ByteArrayOutputStream literal = new ByteArrayOutputStream();
                    while (i + 1 < lines.size() && lines.get(i + 1).startsWith("L:")) {
                        String l = lines.get(++i);
                        literal.writeBytes((l.length() > 2 ? l.substring(3) : "").getBytes(StandardCharsets.UTF_8));
                        literal.writeBytes(new byte[] {'\r', '\n'});
                    }
                    parts.add(new Part(text.substring(0, text.length() - 2), null));
                    parts.add(new Part(null, literal.toByteArray()));
                    text = text.substring(0, text.length() - 2) + "{" + literal.size() + "}";
                } else {
                    Matcher m = MSG_LITERAL.matcher(text);
                    int from = 0;
                    while (m.find()) {
                        parts.add(new Part(text.substring(from, m.start()), null));
                        parts.add(new Part(null, corpus(m.group(1), number)));
                        from = m.end();
                    }
                    parts.add(new Part(text.substring(from), null));
                }
                if (pipelined && parts.stream().anyMatch(p -> p.literal() != null)) {
                    throw new IllegalArgumentException(name + ":" + number + ": a pipelined line cannot carry a literal");
                }
                expects = pipelined ? null : new ArrayList<>();
                steps.add(new Send(number, text, List.copyOf(parts), pipelined, expects == null ? List.of() : expects));
            } else if (line.startsWith("S: ")) {
                if (expects == null) {
                    throw new IllegalArgumentException(name + ":" + number + ": S: belongs after a C: line or a wait");
                }
                String s = line.substring(3);
                boolean negated = s.startsWith("!~");
                boolean regex = negated || s.startsWith("~");
                expects.add(new Expect(number, regex ? s.substring(negated ? 2 : 1) : s, regex, negated));
            } else {
                throw new IllegalArgumentException(name + ":" + number + ": not a transcript line: " + line);
            }
        }
        if (!steps.isEmpty() && steps.get(steps.size() - 1) instanceof Send last && last.pipelined()) {
            throw new IllegalArgumentException(name + ": ends with a pipelined line that is never sent");
        }
        return new Transcript(name, List.copyOf(mailboxes), List.copyOf(messages), List.copyOf(steps),
                List.copyOf(stricter), freeOrder, upstreams);
    }

    private static void requireSetup(List<Step> steps, int number) {
        if (!steps.isEmpty()) {
            throw new IllegalArgumentException("line " + number + ": create: belongs before the first client line");
        }
    }

    private static Message message(String spec, int number) {
        Matcher m = APPEND.matcher(spec);
        if (!m.matches()) {
            throw new IllegalArgumentException("line " + number + ": expected 'append: MAILBOX NN plain|encrypted"
                    + " [(FLAGS)]', got " + spec);
        }
        return new Message(m.group(1), m.group(2), corpus(m.group(2), number), m.group(3).equals("encrypted"),
                m.group(4) == null ? "()" : m.group(4));
    }

    /** Corpus message NN: the file in src/test/resources/messages whose name starts with "NN-". */
    static byte[] corpus(String number, int lineNumber) {
        try (Stream<Path> files = Files.list(resource("/messages"))) {
            Path file = files.filter(f -> f.getFileName().toString().startsWith(number + "-")).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("line " + lineNumber + ": no corpus message "
                            + number));
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path resource(String dir) {
        try {
            return Paths.get(Transcript.class.getResource(dir).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
