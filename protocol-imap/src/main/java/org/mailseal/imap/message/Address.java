package org.mailseal.imap.message;

import java.util.ArrayList;
import java.util.List;

/**
 * One entry of an ENVELOPE address list (RFC 3501 §7.4.2): a mailbox, or a group start ({@code domain} null,
 * {@code mailbox} the group name) or a group end (all null).
 */
record Address(String name, String route, String mailbox, String domain) {

    /**
     * Parses an address-list (RFC 5322 §3.4) with Dovecot's leniency: an address that does not parse still yields
     * an entry, with {@code MISSING_MAILBOX}, {@code MISSING_DOMAIN} or {@code SYNTAX_ERROR} filled in, and a
     * trailing comment of an addr-spec becomes its display name.
     */
    static List<Address> parseList(String value) {
        return new Parser(value).list();
    }

    private static final class Parser {
        private final StringBuilder lastComment = new StringBuilder();
        private final List<Address> out = new ArrayList<>();
        private String name;
        private String route;
        private String mailbox;
        private String domain;

        private final Rfc822Tokens tokens;

        Parser(String value) {
            // the cursor records comments so that "addr@example.org (Name)" can name the address
            tokens = new Rfc822Tokens(value, lastComment);
        }

        List<Address> list() {
            if (tokens.skipLwsp() <= 0) {
                return out;
            }
            for (;;) {
                if (address() == 0) {
                    break;
                }
                if (tokens.peek() != ',') {
                    break;
                }
                tokens.pos++;
                int ret = tokens.skipLwsp();
                if (ret <= 0) {
                    if (ret < 0) {
                        addFixed();
                    }
                    break;
                }
            }
            return out;
        }

        private void add() {
            out.add(new Address(name, route, mailbox, domain));
            name = route = mailbox = domain = null;
        }

        private void addFixed() {
            if (mailbox == null) {
                mailbox = "MISSING_MAILBOX";
            }
            if (domain == null) {
                domain = "MISSING_DOMAIN";
            }
            add();
        }

        private int address() {
            int start = tokens.pos;
            int ret = group();
            if (ret < 0) {
                tokens.pos = start;
                ret = mailbox();
            }
            return ret;
        }

        private int group() {
            StringBuilder phrase = new StringBuilder();
            if (tokens.phrase(phrase) <= 0 || tokens.peek() != ':') {
                return -1;
            }
            // From here on this is a group, whatever follows.
            tokens.pos++;
            int ret = tokens.skipLwsp();
            mailbox = phrase.toString();
            add();
            if (ret > 0 && tokens.peek() != ';') {
                for (;;) {
                    if (mailbox() <= 0) {
                        ret = -1;
                        break;
                    }
                    if (tokens.peek() != ',') {
                        break;
                    }
                    tokens.pos++;
                    if (tokens.skipLwsp() <= 0) {
                        ret = -1;
                        break;
                    }
                }
            }
            if (ret >= 0) {
                if (tokens.peek() != ';') {
                    ret = -1;
                } else {
                    tokens.pos++;
                    ret = tokens.skipLwsp();
                }
            }
            add();
            return ret == 0 ? 0 : 1;
        }

        private int mailbox() {
            int start = tokens.pos;
            int ret = nameAddr();
            if (ret < 0) {
                tokens.pos = start;
                ret = addrSpec();
            }
            addFixed();
            return ret;
        }

        private int nameAddr() {
            StringBuilder phrase = new StringBuilder();
            if (tokens.phrase(phrase) <= 0 || tokens.peek() != '<') {
                return -1;
            }
            name = phrase.length() == 0 ? null : phrase.toString();
            if (angleAddr() < 0) {
                domain = "SYNTAX_ERROR";
            }
            return tokens.atEnd() ? 0 : 1;
        }

        private int angleAddr() {
            tokens.pos++;
            int ret = tokens.skipLwsp();
            if (ret <= 0) {
                return ret;
            }
            if (tokens.peek() == '@') {
                if (domainList() <= 0 || tokens.peek() != ':') {
                    route = "INVALID_ROUTE";
                    return -1;
                }
                tokens.pos++;
                ret = tokens.skipLwsp();
                if (ret <= 0) {
                    return ret;
                }
            }
            ret = localPart();
            if (ret <= 0) {
                return ret;
            }
            if (tokens.peek() == '@') {
                ret = domain();
                if (ret <= 0) {
                    return ret;
                }
            }
            if (tokens.peek() != '>') {
                return -1;
            }
            tokens.pos++;
            return tokens.skipLwsp();
        }

        /** obs-domain-list: "@" domain *(*(CFWS / ",") [CFWS] "@" domain) */
        private int domainList() {
            StringBuilder r = new StringBuilder();
            for (;;) {
                if (tokens.atEnd()) {
                    return 0;
                }
                if (tokens.peek() != '@') {
                    break;
                }
                if (r.length() > 0) {
                    r.append(',');
                }
                r.append('@');
                int ret = tokens.domain(r);
                if (ret <= 0) {
                    return ret;
                }
                while (tokens.skipLwsp() > 0 && tokens.peek() == ',') {
                    tokens.pos++;
                }
            }
            route = r.toString();
            return 1;
        }

        private int localPart() {
            StringBuilder s = new StringBuilder();
            int ret = tokens.peek() == '"' ? tokens.quotedString(s) : tokens.dotAtom(s);
            if (ret < 0) {
                return -1;
            }
            mailbox = s.toString();
            return ret;
        }

        private int domain() {
            StringBuilder s = new StringBuilder();
            int ret = tokens.domain(s);
            if (ret < 0) {
                return -1;
            }
            domain = s.toString();
            return ret;
        }

        private int addrSpec() {
            lastComment.setLength(0);
            int ret = tokens.atEnd() ? -1 : localPart();
            if (ret != 0 && tokens.peek() == '@') {
                int ret2 = domain();
                if (ret2 <= 0) {
                    ret = ret2;
                }
            }
            if (lastComment.length() > 0) {
                name = lastComment.toString();
            }
            return ret;
        }
    }
}
