package org.mailseal.imap.search;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Evaluates keys over one message's facts (RFC 3501 §6.4.4); content is decoded lazily, once per message, and only
 * when a content key is reached.
 */
final class Evaluation {
    private final MessageFacts facts;
    private ContentSearch content;

    Evaluation(MessageFacts facts) {
        this.facts = facts;
    }

    boolean test(SearchKey key) {
        if (key instanceof SearchKey.All) {
            return true;
        }
        if (key instanceof SearchKey.Flag f) {
            return facts.hasFlag(f.flag()) == f.set();
        }
        if (key instanceof SearchKey.InternalDate d) {
            // The date in the zone the server reports it in: Dovecot compares in its local zone, the zone it also
            // writes INTERNALDATE in.
            return d.op().test(facts.internalDate().toLocalDate(), d.date());
        }
        if (key instanceof SearchKey.SentDate d) {
            return d.op().test(content().sentDate(), d.date());
        }
        if (key instanceof SearchKey.Size s) {
            long size = facts.content().size();
            return s.larger() ? size > s.octets() : size < s.octets();
        }
        if (key instanceof SearchKey.Text t) {
            return text(t);
        }
        if (key instanceof SearchKey.Messages m) {
            return m.uid() ? m.set().contains(facts.uid(), facts.mailbox().highestUid())
                    : m.set().contains(facts.sequence(), facts.mailbox().messages());
        }
        if (key instanceof SearchKey.ModSeq m) {
            return facts.modSeq() >= m.modSeq();
        }
        if (key instanceof SearchKey.Within w) {
            // RFC 5032 §3: OLDER n is BEFORE now-n and YOUNGER n is SINCE now-n, to the second.
            Instant limit = facts.mailbox().now().minus(Duration.ofSeconds(w.seconds()));
            Instant date = facts.internalDate().toInstant();
            return w.older() ? date.isBefore(limit) : !date.isBefore(limit);
        }
        if (key instanceof SearchKey.Not n) {
            return !test(n.key());
        }
        if (key instanceof SearchKey.Or o) {
            return test(o.left()) || test(o.right());
        }
        if (key instanceof SearchKey.And a) {
            for (SearchKey k : a.keys()) {
                if (!test(k)) {
                    return false;
                }
            }
            return true;
        }
        throw new IllegalStateException("unhandled key " + key.getClass().getSimpleName());
    }

    private boolean text(SearchKey.Text t) {
        String needle = ContentSearch.fold(t.valueText());
        ContentSearch c = content();
        return switch (t.where()) {
            case BODY -> c.body(needle);
            case TEXT -> c.headers(needle) || c.body(needle);
            case SUBJECT -> c.header("Subject", needle, true);
            case FROM, TO, CC, BCC -> c.address(t.where().name().toLowerCase(Locale.ROOT), needle);
            case HEADER -> c.header(t.header(), needle, false);
        };
    }

    private ContentSearch content() {
        if (content == null) {
            content = new ContentSearch(facts.content());
        }
        return content;
    }
}
