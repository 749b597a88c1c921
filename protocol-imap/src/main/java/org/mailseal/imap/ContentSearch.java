package org.mailseal.imap;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.mailseal.imap.message.MessageView;
import org.mailseal.imap.search.MessageFacts;
import org.mailseal.imap.search.SearchKey;
import org.mailseal.imap.search.SearchProgram;

/**
 * A SEARCH or UID SEARCH whose keys read content (notes/imap.md 8), answered as {@link SearchProgram} describes:
 * the server's exact answer for plaintext messages, united with the proxy's own evaluation of the encrypted
 * candidates over their decrypted copies. Everything runs as commands of the proxy's own on the session's
 * connection while the client's command waits, by UID, so sequence numbers keep their meaning; what the server
 * reports meanwhile unasked (EXISTS, flag changes) goes to the client after the answer.
 */
final class ContentSearch {
    private static final DateTimeFormatter INTERNALDATE = DateTimeFormatter.ofPattern("d-MMM-yyyy HH:mm:ss Z",
            Locale.ROOT);
    private static final int BATCH = 32;

    private final SearchProgram program;
    private final boolean uid;
    private final ContentFetch.Session session;
    private final List<ByteBuf> unsolicited = new ArrayList<>();

    /** What a FETCH told of one candidate. */
    private static final class Candidate {
        long uid;
        long sequence;
        Set<String> flags = Set.of();
        OffsetDateTime internalDate;
        long modSeq;
        boolean encrypted;
        MessageView view;
    }

    ContentSearch(SearchProgram program, boolean uid, ContentFetch.Session session) {
        this.program = program;
        this.uid = uid;
        this.session = session;
    }

    /** What the server reported unasked so far (for the client, after a search that failed). */
    List<ByteBuf> unsolicited() {
        return unsolicited;
    }

    /** Runs the search; the result is the "* SEARCH ..." response followed by what arrived unasked. */
    CompletionStage<List<ByteBuf>> run() {
        ImapUpstream upstream = session.upstream();
        boolean literalPlus = upstream.capabilities().contains("LITERAL+");
        // Asking for MODSEQ would switch CONDSTORE on for the client's session (RFC 7162 §3.1): only when the
        // program's own MODSEQ key has done that already.
        boolean condstore = program.keys().stream().anyMatch(ContentSearch::usesModSeq);
        Set<Long> exact = new HashSet<>();
        Set<Long> candidates = new TreeSet<>();
        Map<Long, Candidate> facts = new LinkedHashMap<>();
        long[] mailbox = new long[2]; // messages, highest UID
        return upstream.internal("UID SEARCH " + program.wire(literalPlus), unit -> searchResult(unit, exact))
                .thenCompose(done -> status(done, "program")
                        .internal("UID SEARCH " + program.superset(), unit -> searchResult(unit, candidates)))
                .thenCompose(done -> status(done, "UID SEARCH").internal("UID FETCH * (UID)", unit -> {
                    Candidate last = candidate(unit);
                    if (last != null) { // what "*" means in the program's sets (none when the mailbox is empty)
                        mailbox[0] = last.sequence;
                        mailbox[1] = last.uid;
                    }
                }))
                .thenCompose(done -> {
                    done.release();
                    return fetchFacts(upstream, candidates, facts, condstore);
                })
                .thenCompose(ignored -> decryptMissing(facts))
                .thenApplyAsync(ignored -> {
                    MessageFacts.Mailbox box = new MessageFacts.Mailbox(mailbox[0], mailbox[1], Instant.now());
                    TreeSet<Long> found = new TreeSet<>();
                    for (Candidate candidate : facts.values()) {
                        boolean match = candidate.encrypted && candidate.view != null
                                ? program.matches(new MessageFacts(candidate.uid, candidate.sequence, candidate.flags,
                                        candidate.internalDate, candidate.modSeq, candidate.view, box))
                                : exact.contains(candidate.uid); // plaintext, or encrypted and not ours to open
                        if (match) {
                            found.add(uid ? candidate.uid : candidate.sequence);
                        }
                    }
                    StringBuilder answer = new StringBuilder("* SEARCH");
                    found.forEach(number -> answer.append(' ').append(number));
                    List<ByteBuf> out = new ArrayList<>();
                    out.add(io.netty.buffer.Unpooled.copiedBuffer(answer.append("\r\n"), StandardCharsets.US_ASCII));
                    out.addAll(unsolicited);
                    return out;
                }, session.executor());
    }

    /** The server refused the program itself: the client gets the server's answer under its own tag. */
    static final class Refused extends RuntimeException {
        final String status;

        Refused(String status) {
            super(status, null, false, false);
            this.status = status;
        }
    }

    /**
     * Checks an internal command's completion. A refusal of the client's own program (the first search) is the
     * client's answer; any later failure ends the search (the client gets NO).
     */
    private ImapUpstream status(ByteBuf tagged, String what) {
        String line = ImapUpstream.firstLine(tagged);
        tagged.release();
        int space = line.indexOf(' ');
        if (space < 0 || !line.regionMatches(true, space + 1, "OK", 0, 2)) {
            if (what.equals("program") && space > 0) {
                throw new Refused(line.substring(space + 1).replaceAll("[^\\x20-\\x7e]", "?"));
            }
            throw new ImapUpstreamException(what + " failed upstream");
        }
        return session.upstream();
    }

    private void searchResult(ByteBuf unit, Set<Long> into) {
        String line = ImapUpstream.firstLine(unit);
        if (!line.regionMatches(true, 0, "* SEARCH", 0, 8)) {
            unsolicited.add(unit);
            return;
        }
        unit.release();
        for (String number : line.substring(8).trim().split(" +")) {
            if (!number.isEmpty() && number.chars().allMatch(Character::isDigit)) {
                into.add(Long.parseLong(number));
            }
        }
    }

    private CompletionStage<Void> fetchFacts(ImapUpstream upstream, Set<Long> candidates, Map<Long, Candidate> facts,
                                             boolean condstore) {
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        List<Long> all = new ArrayList<>(candidates);
        for (int from = 0; from < all.size(); from += 500) {
            String set = join(all.subList(from, Math.min(all.size(), from + 500)));
            chain = chain.thenCompose(ignored -> upstream.internal("UID FETCH " + set + " (UID FLAGS INTERNALDATE "
                    + "BODYSTRUCTURE" + (condstore ? " MODSEQ)" : ")"), unit -> {
                        Candidate candidate = candidate(unit);
                        if (candidate != null && candidates.contains(candidate.uid)) {
                            facts.put(candidate.uid, candidate);
                        }
                    }).thenAccept(done -> status(done, "UID FETCH")));
        }
        return chain;
    }

    /** Fetches and decrypts the encrypted candidates not in the cache, a batch at a time. */
    private CompletionStage<Void> decryptMissing(Map<Long, Candidate> facts) {
        List<Long> missing = new ArrayList<>();
        for (Candidate candidate : facts.values()) {
            if (candidate.encrypted) {
                candidate.view = session.cache().get(session.key(candidate.uid));
                if (candidate.view == null) {
                    missing.add(candidate.uid);
                }
            }
        }
        CompletionStage<Void> chain = CompletableFuture.completedFuture(null);
        for (int from = 0; from < missing.size(); from += BATCH) {
            String set = join(missing.subList(from, Math.min(missing.size(), from + BATCH)));
            chain = chain.thenCompose(ignored -> {
                List<CompletableFuture<Void>> decryptions = new ArrayList<>();
                return session.upstream().internal("UID FETCH " + set + " (UID BODY.PEEK[])",
                        unit -> decryptions.add(decrypt(unit, facts))).thenCompose(done -> {
                            status(done, "UID FETCH");
                            return CompletableFuture.allOf(decryptions.toArray(CompletableFuture[]::new));
                        });
            });
        }
        return chain;
    }

    private CompletableFuture<Void> decrypt(ByteBuf unit, Map<Long, Candidate> facts) {
        ContentFetch.Ciphertext fetched = ContentFetch.Ciphertext.of(unit);
        if (fetched == null) {
            unsolicited.add(unit);
            return CompletableFuture.completedFuture(null);
        }
        Candidate candidate = facts.get(fetched.uid());
        byte[] ciphertext = candidate == null ? null : fetched.bytes();
        unit.release();
        if (candidate == null) {
            return CompletableFuture.completedFuture(null);
        }
        return ContentFetch.open(session, fetched.uid(), ciphertext).thenAccept(view -> candidate.view = view);
    }

    /** The facts in a FETCH response, or null (the unit is then kept for the client, or released). */
    private Candidate candidate(ByteBuf unit) {
        FetchResponse response;
        try {
            response = FetchResponse.parse(unit);
        } catch (ImapSyntaxException e) {
            response = null;
        }
        if (response == null || response.item("UID") == null) {
            unsolicited.add(unit);
            return null;
        }
        Candidate candidate = new Candidate();
        candidate.sequence = response.sequence();
        candidate.uid = number(response, response.item("UID"));
        FetchResponse.Item flags = response.item("FLAGS");
        if (flags != null) {
            String list = response.value(flags).toString(StandardCharsets.US_ASCII).replaceAll("[()]", "").trim();
            candidate.flags = list.isEmpty() ? Set.of() : Set.of(list.split(" +"));
        }
        FetchResponse.Item date = response.item("INTERNALDATE");
        if (date != null) {
            try {
                candidate.internalDate = OffsetDateTime.parse(new String(response.stringValue(date),
                        StandardCharsets.US_ASCII).trim(), INTERNALDATE);
            } catch (DateTimeParseException e) {
                candidate.internalDate = null;
            }
        }
        FetchResponse.Item modSeq = response.item("MODSEQ");
        if (modSeq != null) {
            candidate.modSeq = Long.parseLong(response.value(modSeq).toString(StandardCharsets.US_ASCII)
                    .replaceAll("[()]", "").trim());
        }
        FetchResponse.Item structure = response.item("BODYSTRUCTURE");
        candidate.encrypted = structure != null && EncryptedStructure.isEncrypted(response.value(structure));
        unit.release();
        return candidate;
    }

    private static boolean usesModSeq(SearchKey key) {
        if (key instanceof SearchKey.ModSeq) {
            return true;
        }
        if (key instanceof SearchKey.Not not) {
            return usesModSeq(not.key());
        }
        if (key instanceof SearchKey.Or or) {
            return usesModSeq(or.left()) || usesModSeq(or.right());
        }
        return key instanceof SearchKey.And and && and.keys().stream().anyMatch(ContentSearch::usesModSeq);
    }

    private static long number(FetchResponse response, FetchResponse.Item item) {
        return Long.parseLong(response.value(item).toString(StandardCharsets.US_ASCII).trim());
    }

    private static String join(List<Long> uids) {
        return ContentFetch.uidSet(uids);
    }
}
