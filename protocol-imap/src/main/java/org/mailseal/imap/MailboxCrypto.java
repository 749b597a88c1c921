package org.mailseal.imap;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * What the IMAP proxy needs from cryptography, implemented by {@code proxy-server} (this module does not depend on
 * {@code crypto}). Every method may take time: implementations run the work off the event loop.
 */
public interface MailboxCrypto {
    /**
     * Called after the upstream accepted a login: unlocks that user's private keys with the same password (DESIGN.md:
     * the mail password is the key's passphrase). A user without a key, or whose key does not open with this
     * password, gets keys that decrypt nothing: the client then sees the stored messages as they are.
     */
    CompletionStage<MailboxKeys> unlock(String user, char[] password);

    /** A logged-in user's keys, dropped when the session ends. */
    interface MailboxKeys extends AutoCloseable {
        /**
         * The plaintext of a stored encrypted message (CRLF line ends), or empty when it cannot be decrypted (no key,
         * damaged, integrity check failed): the client then gets the message as stored, and no partial plaintext.
         */
        CompletionStage<Optional<byte[]>> decrypt(byte[] message);

        /** The message encrypted to the user's own key for storing in {@code mailbox}, or empty to store it as it is. */
        CompletionStage<Optional<byte[]>> encryptForStorage(String mailbox, byte[] message);

        @Override
        void close();
    }
}
