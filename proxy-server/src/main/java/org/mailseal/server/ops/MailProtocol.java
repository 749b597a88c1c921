package org.mailseal.server.ops;

import java.util.Locale;

/** The protocols mailseal proxies, as they appear in the {@code protocol} tag of its meters. */
public enum MailProtocol {
    /** SMTP and LMTP listeners alike. */
    SMTP,
    IMAP,
    POP3;

    /** The tag value: {@code smtp}, {@code imap}, {@code pop3}. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
