package org.mailseal.imap.sync;

import java.util.Set;
import java.util.TreeSet;

/**
 * A message file name in a Maildir's {@code cur/} or {@code new/}: {@code <unique>[,U=<uid>][,...][:2,<info>]}.
 *
 * <p>The unique part is the deliverer's; other fields in it ({@code ,S=<size>} of Dovecot) are kept as they are.
 * The UID field is mbsync's native scheme; the info letters after {@code :2,} are the flags in ASCII order
 * (cr.yp.to/proto/maildir.html): uppercase for the standard ones, lowercase for Dovecot's keywords.
 *
 * @param before  the name up to where the UID field is (or goes)
 * @param uid     the UID of the {@code ,U=} field, 0 when there is none (or it is not a number in range)
 * @param after   the rest of the unique part after the UID field
 * @param info    the info letters, or null when the name has no {@code :2,} part (a message still in new/)
 */
record MaildirFileName(String before, long uid, String after, String info) {
    private static final String UID_FIELD = ",U=";
    private static final String INFO = ":2,";

    static MaildirFileName parse(String name) {
        String unique = name;
        String info = null;
        int colon = name.lastIndexOf(':');
        if (colon >= 0 && name.startsWith(INFO, colon)) {
            unique = name.substring(0, colon);
            info = name.substring(colon + INFO.length());
        }
        int field = unique.indexOf(UID_FIELD);
        if (field < 0) {
            return new MaildirFileName(unique, 0, "", info);
        }
        int end = field + UID_FIELD.length();
        while (end < unique.length() && Character.isDigit(unique.charAt(end)) && unique.charAt(end) < 0x80) {
            end++;
        }
        String digits = unique.substring(field + UID_FIELD.length(), end);
        long uid = 0;
        if (!digits.isEmpty() && digits.length() <= 10) {
            uid = Long.parseLong(digits);
            if (uid > MaildirUidValidity.MAX_UID) {
                uid = 0;
            }
        }
        return new MaildirFileName(unique.substring(0, field), uid, unique.substring(end), info);
    }

    /** A new message's name: the unique part, its UID and its info letters. */
    static MaildirFileName of(String unique, long uid, Set<Character> info) {
        return new MaildirFileName(unique, 0, "", "").withUid(uid).withInfo(info);
    }

    MaildirFileName withUid(long newUid) {
        return new MaildirFileName(before, newUid, after, info);
    }

    /** The same name with these info letters (put in ASCII order, as the Maildir specification asks). */
    MaildirFileName withInfo(Set<Character> letters) {
        StringBuilder sb = new StringBuilder();
        for (char c : new TreeSet<>(letters)) {
            sb.append(c);
        }
        return new MaildirFileName(before, uid, after, sb.toString());
    }

    /** The info letters; none for a message without an info part. */
    Set<Character> infoLetters() {
        Set<Character> letters = new TreeSet<>();
        if (info != null) {
            for (char c : info.toCharArray()) {
                letters.add(c);
            }
        }
        return letters;
    }

    /** The file name: the UID field only when there is a UID, the info part only when there is info. */
    String format() {
        return before + (uid > 0 ? UID_FIELD + uid : "") + after + (info != null ? INFO + info : "");
    }
}
