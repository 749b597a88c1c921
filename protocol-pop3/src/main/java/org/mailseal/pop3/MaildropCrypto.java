package org.mailseal.pop3;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What the POP3 proxy needs from cryptography, implemented by {@code proxy-server} (this module does not depend on
 * {@code crypto}). Every method may take time: implementations run the work off the event loop.
 */
public interface MaildropCrypto {
    /**
     * Called after the upstream accepted a login: unlocks that user's private keys with the same password (DESIGN.md:
     * the mail password is the key's passphrase). A user without a key, or whose key does not open with this
     * password, gets keys that decrypt nothing: the client then gets the stored messages as they are.
     */
    CompletionStage<MaildropKeys> unlock(String user, char[] password);

    /** A logged-in user's keys, dropped when the session ends. */
    interface MaildropKeys extends AutoCloseable {
        /**
         * The plaintext of a stored encrypted message (CRLF line ends), or empty when it cannot be decrypted (no key,
         * damaged, integrity check failed): the client then gets the message as stored, and no partial plaintext.
         */
        CompletionStage<Optional<byte[]>> decrypt(byte[] message);

        @Override
        void close();
    }
}
