package org.mailseal.smtp;

import java.util.Map;

/** A parsed client command (RFC 5321 §4.1, RFC 3207, RFC 4954, RFC 2033). */
public sealed interface SmtpCommand {

    /** EHLO, HELO or LMTP's LHLO, with the client's domain or address literal. */
    record Hello(Kind kind, String domain) implements SmtpCommand {
        public enum Kind { EHLO, HELO, LHLO }
    }

    /**
     * MAIL FROM.
     *
     * @param reversePath the address, empty for the null reverse path {@code <>}
     * @param parameters  ESMTP parameters, keywords upper-cased, values as sent (empty for a bare keyword)
     */
    record Mail(String reversePath, Map<String, String> parameters) implements SmtpCommand {
        public Mail {
            parameters = Map.copyOf(parameters);
        }
    }

    /** RCPT TO, with the forward path and ESMTP parameters (NOTIFY, ORCPT). */
    record Rcpt(String forwardPath, Map<String, String> parameters) implements SmtpCommand {
        public Rcpt {
            parameters = Map.copyOf(parameters);
        }
    }

    record Data() implements SmtpCommand {}

    record Rset() implements SmtpCommand {}

    record Noop() implements SmtpCommand {}

    record Quit() implements SmtpCommand {}

    record Help() implements SmtpCommand {}

    record StartTls() implements SmtpCommand {}

    /** VRFY: answered 252 without looking anything up (RFC 5321 §3.5.3). */
    record Vrfy() implements SmtpCommand {}

    /** AUTH, with the mechanism upper-cased and the initial response if one was sent (RFC 4954 §4). */
    record Auth(String mechanism, String initialResponse) implements SmtpCommand {}

    /** A command that is syntactically wrong or not supported; the reply says why. */
    record Invalid(SmtpReply reply) implements SmtpCommand {}
}
