package org.mailseal.imap.sync;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Key translation (issue 7): turns a message into the form a store keeps. A store may name the address whose key
 * its copies are encrypted to; an encrypted message is re-wrapped for that key (its encrypted data unchanged), a
 * plaintext one encrypted to it.
 */
public interface MessageTranslator {

    /** The bytes to store where copies are encrypted to {@code encryptTo}; the message itself when empty. */
    byte[] forStore(byte[] message, Optional<String> encryptTo) throws IOException;

    /**
     * What identifies a message's content across translations, 32 bytes: for an encrypted message the SHA-256 of
     * its encrypted data (the same in every re-wrapped copy), otherwise of the whole message.
     */
    byte[] contentDigest(byte[] message);

    /** Stores every message as it is and digests the whole message. */
    MessageTranslator NONE = new MessageTranslator() {
        @Override
        public byte[] forStore(byte[] message, Optional<String> encryptTo) {
            return message;
        }

        @Override
        public byte[] contentDigest(byte[] message) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(message);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    };
}
