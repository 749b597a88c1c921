package org.mailseal.server.imap;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.DecryptionOptions;
import org.mailseal.crypto.DecryptionResult;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.NotEncryptedException;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyDirectory;
import org.mailseal.crypto.keys.KeyUnlockException;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.mime.HeaderSection;
import org.mailseal.imap.MailboxCrypto;
import org.mailseal.pop3.MaildropCrypto;
import org.mailseal.server.ops.CryptoMeters;
import org.mailseal.server.ops.MailProtocol;

/**
 * The IMAP proxy's cryptography: a login's password unlocks that user's private keys from the key home (DESIGN.md:
 * the mail password is the key's passphrase). Unlocked keys are shared by the user's sessions and dropped a short
 * idle time after the last session is gone; they are keyed by a digest of the password, so a changed password never
 * reuses keys unlocked with the old one. All work runs on the given executor, never on an event loop.
 */
public final class UnlockingMailboxCrypto implements MailboxCrypto {
    private record Login(String user, ByteBuffer passwordDigest) {}

    /** Keys unlocked once, used by every session of that login; closed when unused and evicted. */
    private static final class Shared {
        final List<UnlockedKey> keys;
        int sessions;
        boolean evicted;

        Shared(List<UnlockedKey> keys) {
            this.keys = keys;
        }

        /** False when the keys were evicted (and perhaps closed) in the meantime: unlock again. */
        synchronized boolean acquire() {
            if (evicted) {
                return false;
            }
            sessions++;
            return true;
        }

        synchronized void release() {
            if (--sessions == 0 && evicted) {
                keys.forEach(UnlockedKey::close);
            }
        }

        synchronized void evict() {
            evicted = true;
            if (sessions == 0) {
                keys.forEach(UnlockedKey::close);
            }
        }
    }

    private final FileKeyHome home;
    private final KeyDirectory publicKeys;
    private final MessageDecryptor decryptor;
    private final MessageEncryptor encryptor;
    private final Executor executor;
    private final CryptoLimits limits;
    private final Cache<Login, Shared> unlocked;
    private final CryptoMeters meters;

    public UnlockingMailboxCrypto(FileKeyHome home, KeyDirectory publicKeys, CryptoLimits limits,
                                  MessageEncryptor encryptor, Executor executor, Duration idleExpiry) {
        this(home, publicKeys, limits, encryptor, executor, idleExpiry, new CryptoMeters(new SimpleMeterRegistry()));
    }

    /** @param meters where messages decrypted (by protocol and format), passed on and failed are counted */
    public UnlockingMailboxCrypto(FileKeyHome home, KeyDirectory publicKeys, CryptoLimits limits,
                                  MessageEncryptor encryptor, Executor executor, Duration idleExpiry,
                                  CryptoMeters meters) {
        this.meters = meters;
        this.home = home;
        this.publicKeys = publicKeys;
        this.decryptor = new MessageDecryptor(limits, DecryptionOptions.DEFAULTS);
        this.encryptor = encryptor;
        this.executor = executor;
        this.limits = limits;
        this.unlocked = Caffeine.newBuilder()
                .expireAfterAccess(idleExpiry)
                .executor(Runnable::run)
                .removalListener((Login login, Shared shared, RemovalCause cause) -> {
                    if (shared != null) {
                        shared.evict();
                    }
                })
                .build();
    }

    @Override
    public CompletionStage<MailboxKeys> unlock(String user, char[] password) {
        return unlock(user, password, MailProtocol.IMAP);
    }

    private CompletionStage<MailboxKeys> unlock(String user, char[] password, MailProtocol protocol) {
        char[] copy = password.clone(); // the caller clears its own as soon as this returns
        return CompletableFuture.supplyAsync(() -> {
            try {
                Login login = new Login(user, ByteBuffer.wrap(digest(copy)));
                while (true) {
                    Shared shared = unlocked.get(login, ignored -> new Shared(unlockOrNone(user, copy)));
                    if (shared.acquire()) {
                        return new SessionKeys(user, shared, protocol);
                    }
                    unlocked.asMap().remove(login, shared);
                }
            } finally {
                Arrays.fill(copy, '\0');
            }
        }, executor);
    }

    private List<UnlockedKey> unlockOrNone(String user, char[] password) {
        try {
            return home.unlock(user, password);
        } catch (KeyUnlockException | IOException e) {
            return List.of(); // no key, or one this password does not open: messages pass through as stored
        }
    }

    private static byte[] digest(char[] password) {
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        try {
            return MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(bytes.array(), bytes.limit()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        } finally {
            Arrays.fill(bytes.array(), (byte) 0);
        }
    }

    /** The same keys for POP3 sessions (which only decrypt). */
    public MaildropCrypto forPop3() {
        return (user, password) -> unlock(user, password, MailProtocol.POP3).thenApply(keys -> new MaildropCrypto.MaildropKeys() {
            @Override
            public CompletionStage<Optional<byte[]>> decrypt(byte[] message) {
                return keys.decrypt(message);
            }

            @Override
            public void close() {
                keys.close();
            }
        });
    }

    /** One session's hold on its user's keys. */
    private final class SessionKeys implements MailboxKeys {
        private final String user;
        private final Shared shared;
        private final MailProtocol protocol;
        private boolean closed;

        SessionKeys(String user, Shared shared, MailProtocol protocol) {
            this.user = user;
            this.shared = shared;
            this.protocol = protocol;
        }

        @Override
        public CompletionStage<Optional<byte[]>> decrypt(byte[] message) {
            return CompletableFuture.supplyAsync(() -> {
                if (shared.keys.isEmpty()) {
                    return Optional.empty();
                }
                try (DecryptionResult result = decryptor.decrypt(message, message.length, shared.keys)) {
                    byte[] plaintext = result.message().toByteArray();
                    meters.decrypted(protocol, result.format());
                    return Optional.of(plaintext);
                } catch (NotEncryptedException e) {
                    meters.passed(protocol, CryptoMeters.Passed.NOT_ENCRYPTED);
                    return Optional.<byte[]>empty();
                } catch (DecryptionFailedException | IOException e) {
                    meters.decryptFailed(protocol);
                    return Optional.<byte[]>empty(); // passed through as stored; no partial plaintext exists
                }
            }, executor);
        }

        @Override
        public CompletionStage<Optional<byte[]>> encryptForStorage(String mailbox, byte[] message) {
            return CompletableFuture.supplyAsync(() -> {
                List<RecipientKey> own = publicKeys.encryptionKeys(user);
                if (own.isEmpty()) {
                    meters.passed(protocol, CryptoMeters.Passed.NO_KEY);
                    return Optional.empty();
                }
                try {
                    HeaderSection header = HeaderSection.read(new ByteArrayInputStream(message), limits.maxHeaderBytes());
                    if (MessageDecryptor.encryptedFormat(header).isPresent()) {
                        meters.passed(protocol, CryptoMeters.Passed.FOREIGN_CIPHERTEXT);
                        return Optional.<byte[]>empty(); // encrypted by the client already: stored as it is
                    }
                    ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 1024);
                    meters.encrypted(protocol,
                            encryptor.encrypt(new ByteArrayInputStream(message), message.length, out, own).format());
                    return Optional.of(out.toByteArray());
                } catch (IOException e) {
                    return Optional.<byte[]>empty();
                }
            }, executor);
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                shared.release();
            }
        }
    }
}
