package org.mailseal.imap.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class BothSidesTest {

    private static boolean await(CountDownLatch latch) throws IOException {
        return await(latch, 30_000);
    }

    private static boolean await(CountDownLatch latch, long millis) throws IOException {
        try {
            return latch.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException();
        }
    }

    @Test
    void runsBothSidesAtOnceAndReturnsEachResult() throws Exception {
        CountDownLatch bothStarted = new CountDownLatch(2);
        Map<Side, String> results = BothSides.run(side -> {
            bothStarted.countDown();
            // Each side waits for the other: this only ends if they really run at the same time.
            if (!await(bothStarted)) {
                throw new IOException("the sides ran one after the other");
            }
            return side.name().toLowerCase();
        });
        assertThat(results).containsEntry(Side.A, "a").containsEntry(Side.B, "b");
        assertThat(BothSides.run(side -> null)).containsKeys(Side.A, Side.B); // null results allowed
    }

    @Test
    void aFailureWaitsForTheOtherSideAndHandsItsResultToDiscard() {
        AtomicBoolean aFinished = new AtomicBoolean();
        List<String> discarded = Collections.synchronizedList(new ArrayList<>());
        assertThatThrownBy(() -> BothSides.run(side -> {
            if (side == Side.B) {
                throw new IOException("B could not log in");
            }
            await(new CountDownLatch(1), 200); // A is slower: run must not return while A still uses its store
            aFinished.set(true);
            return "store A";
        }, discarded::add)).isInstanceOf(IOException.class).hasMessage("B could not log in");
        assertThat(aFinished).isTrue();
        assertThat(discarded).containsExactly("store A");
    }

    @Test
    void whenBothFailOneIsThrownWithTheOtherSuppressed() {
        assertThatThrownBy(() -> BothSides.run(side -> {
            if (side == Side.A) {
                throw new IllegalStateException("A broke");
            }
            throw new IOException("B broke");
        })).isInstanceOf(IOException.class).hasMessage("B broke")
                .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("A broke"));
    }
}
