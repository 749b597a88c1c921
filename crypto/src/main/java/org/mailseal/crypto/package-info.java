/**
 * The crypto core: encrypt a MIME message to a set of recipients (OpenPGP PGP/MIME, RFC 3156; S/MIME, RFC 8551),
 * decrypt whole integrity-protected messages, re-wrap session keys, and the key home.
 *
 * <p>Pure: streams, mime4j and Bouncy Castle only, no sockets. Entry points are {@link
 * org.mailseal.crypto.MessageEncryptor}, {@link org.mailseal.crypto.MessageDecryptor}, {@link
 * org.mailseal.crypto.SessionKeyRewrapper} and {@link org.mailseal.crypto.keys.FileKeyHome}.
 */
package org.mailseal.crypto;
