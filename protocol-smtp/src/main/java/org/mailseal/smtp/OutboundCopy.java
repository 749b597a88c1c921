package org.mailseal.smtp;

import java.util.List;
import java.util.Map;

/**
 * One copy of a message for the upstream: the envelope it goes with and its content, which the upstream streams
 * and dot-stuffs itself.
 *
 * @param recipients forward paths with their RCPT parameters (NOTIFY, ORCPT), in the client's order
 */
public record OutboundCopy(String reversePath, Map<String, String> mailParameters, List<Recipient> recipients,
                           MessageContent content) {
    public OutboundCopy {
        mailParameters = Map.copyOf(mailParameters);
        recipients = List.copyOf(recipients);
    }

    public record Recipient(String address, Map<String, String> parameters) {
        public Recipient {
            parameters = Map.copyOf(parameters);
        }
    }
}
