package org.mailseal.server.keys;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.mailseal.crypto.keys.RecipientKey;

/** A key source whose answers, failures and hangs the test sets, counting its lookups. */
final class FakeKeySource implements KeySource {
    private final String name;
    final AtomicInteger lookups = new AtomicInteger();
    volatile List<RecipientKey> answer = List.of();
    volatile RuntimeException failure;
    /** When set, lookups wait for it (a source that accepts and never answers). */
    volatile CountDownLatch hang;

    FakeKeySource(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public List<RecipientKey> encryptionKeys(String address) {
        lookups.incrementAndGet();
        CountDownLatch latch = hang;
        if (latch != null) {
            try {
                latch.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (failure != null) {
            throw failure;
        }
        return answer;
    }
}
