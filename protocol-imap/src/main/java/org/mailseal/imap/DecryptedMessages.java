package org.mailseal.imap;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.mailseal.imap.message.MessageView;

/**
 * Decrypted messages, parsed, in memory only (DESIGN.md invariant 7), shared by a user's sessions: keyed by user,
 * mailbox, UIDVALIDITY and UID, which together name one immutable message (RFC 3501 §2.3.1.1), so an entry never
 * goes stale; bounded by the bytes it holds.
 */
public final class DecryptedMessages {
    /** What names one stored message. */
    public record Key(String user, String mailbox, long uidValidity, long uid) {
        Mailbox mailboxKey() {
            return new Mailbox(user, mailbox, uidValidity);
        }
    }

    /** One user's mailbox in one UIDVALIDITY epoch. */
    public record Mailbox(String user, String mailbox, long uidValidity) {}

    private final Cache<Key, MessageView> cache;
    /** Entries per mailbox: tells a fetch whether asking the server for its messages' UIDs first will pay off. */
    private final ConcurrentHashMap<Mailbox, AtomicLong> perMailbox = new ConcurrentHashMap<>();

    public DecryptedMessages(long maxBytes, Duration idleExpiry) {
        this.cache = Caffeine.newBuilder()
                .maximumWeight(maxBytes)
                .weigher((Key key, MessageView view) -> view.size() + 512)
                .expireAfterAccess(idleExpiry)
                .removalListener((Key key, MessageView view, RemovalCause cause) -> count(key, -1))
                .build();
    }

    public MessageView get(Key key) {
        return cache.getIfPresent(key);
    }

    /** Caches a message unless it is there already (a message never changes under its key). */
    public void put(Key key, MessageView view) {
        if (cache.asMap().putIfAbsent(key, view) == null) {
            count(key, 1);
        }
    }

    /** About how many messages of this mailbox are cached (removals are counted a moment late). */
    public long cachedIn(Mailbox mailbox) {
        AtomicLong count = perMailbox.get(mailbox);
        return count == null ? 0 : Math.max(0, count.get());
    }

    private void count(Key key, int delta) {
        perMailbox.compute(key.mailboxKey(), (mailbox, count) -> {
            AtomicLong counted = count == null ? new AtomicLong() : count;
            return counted.addAndGet(delta) == 0 ? null : counted;
        });
    }

    public long estimatedSize() {
        return cache.estimatedSize();
    }

    /** About how many bytes the cached messages weigh (their size plus a little per entry), for monitoring. */
    public long estimatedBytes() {
        return cache.policy().eviction().map(eviction -> eviction.weightedSize().orElse(0)).orElse(0L);
    }
}
