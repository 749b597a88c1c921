package org.mailseal.pop3;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stand-in cryptography for protocol tests (this module has no crypto): an "encrypted" message is a PGP/MIME
 * multipart/encrypted whose second part holds the plaintext in base64 between markers; anything else does not open.
 * Real encryption runs in proxy-server's tests.
 */
final class FakeCrypto implements MaildropCrypto {
    static final String BOUNDARY = "fake-boundary";
    final AtomicInteger decryptions = new AtomicInteger();
    /** The plaintext of every message opened, in order. */
    final java.util.List<String> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
    volatile String lastPassword;
    volatile String lastUser;

    static String encrypt(String plaintext) {
        return "From: someone@example.org\r\nTo: bob@example.org\r\nSubject: ...\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"" + BOUNDARY
                + "\"\r\n\r\n--" + BOUNDARY + "\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--"
                + BOUNDARY + "\r\nContent-Type: application/octet-stream\r\n\r\nFAKE-CIPHERTEXT "
                + Base64.getEncoder().encodeToString(plaintext.getBytes(StandardCharsets.ISO_8859_1))
                + " END\r\n\r\n--" + BOUNDARY + "--\r\n";
    }

    @Override
    public CompletionStage<MaildropKeys> unlock(String user, char[] password) {
        lastPassword = new String(password);
        lastUser = user;
        return CompletableFuture.completedFuture(new MaildropKeys() {
            @Override
            public CompletionStage<Optional<byte[]>> decrypt(byte[] message) {
                return CompletableFuture.supplyAsync(() -> {
                    decryptions.incrementAndGet();
                    String text = new String(message, StandardCharsets.ISO_8859_1);
                    int start = text.indexOf("FAKE-CIPHERTEXT ");
                    int end = text.indexOf(" END");
                    if (start < 0 || end < start) {
                        return Optional.empty();
                    }
                    try {
                        byte[] plaintext = Base64.getDecoder().decode(text.substring(start + 16, end));
                        opened.add(new String(plaintext, StandardCharsets.ISO_8859_1));
                        return Optional.of(plaintext);
                    } catch (IllegalArgumentException e) {
                        return Optional.empty();
                    }
                });
            }

            @Override
            public void close() {
            }
        });
    }
}
