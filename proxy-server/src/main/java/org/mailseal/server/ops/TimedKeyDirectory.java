package org.mailseal.server.ops;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import org.mailseal.crypto.keys.KeyDirectory;
import org.mailseal.crypto.keys.RecipientKey;

/** Times each lookup of another key directory, by whether it found keys, found none, or failed. */
public final class TimedKeyDirectory implements KeyDirectory {
    private final KeyDirectory delegate;
    private final Timer found;
    private final Timer none;
    private final Timer error;

    public TimedKeyDirectory(KeyDirectory delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.found = timer(registry, "found");
        this.none = timer(registry, "none");
        this.error = timer(registry, "error");
    }

    private static Timer timer(MeterRegistry registry, String result) {
        return Timer.builder(MailsealMetrics.KEY_LOOKUPS).description("Public key lookups, cache included")
                .tag("result", result).register(registry);
    }

    @Override
    public List<RecipientKey> encryptionKeys(String address) {
        long start = System.nanoTime();
        try {
            List<RecipientKey> keys = delegate.encryptionKeys(address);
            (keys.isEmpty() ? none : found).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            return keys;
        } catch (RuntimeException e) {
            error.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
            throw e;
        }
    }
}
