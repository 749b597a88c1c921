package org.mailseal.pop3;

/** The upstream POP3 server could not be reached, refused, or broke the protocol. */
final class Pop3UpstreamException extends RuntimeException {
    Pop3UpstreamException(String message) {
        super(message);
    }
}
