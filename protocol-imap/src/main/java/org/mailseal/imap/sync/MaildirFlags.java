package org.mailseal.imap.sync;

import java.io.IOException;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * IMAP flags and Maildir info letters (cr.yp.to/proto/maildir.html): {@code D} \\Draft, {@code F} \\Flagged,
 * {@code R} \\Answered, {@code S} \\Seen, {@code T} \\Deleted; {@code a-z} keywords by the folder's
 * {@link MaildirKeywords}. Other letters ({@code P}, passed) have no IMAP flag and stay as they are.
 */
final class MaildirFlags {
    private static final Map<Character, String> SYSTEM_FLAGS = Map.of('D', "\\Draft", 'F', "\\Flagged",
            'R', "\\Answered", 'S', "\\Seen", 'T', "\\Deleted");

    private MaildirFlags() {}

    /** The IMAP flags of a file name's info letters; letters without an IMAP flag (P, unnamed keywords) are left out. */
    static Set<String> of(String fileName, MaildirKeywords keywords) {
        Set<String> flags = new HashSet<>();
        for (char c : MaildirFileName.parse(fileName).infoLetters()) {
            String system = SYSTEM_FLAGS.get(c);
            if (system != null) {
                flags.add(system);
            } else {
                keywords.keyword(c).ifPresent(flags::add);
            }
        }
        return flags;
    }

    /**
     * The info letters of IMAP flags. {@code \\Recent} is skipped (no client sets it); other system flags a
     * Maildir cannot keep are an IOException, never silently dropped. A keyword gets a letter of its own when
     * {@code allocate}, and none (nothing to remove) otherwise if the folder does not know it.
     */
    static Set<Character> letters(Collection<String> flags, MaildirKeywords keywords, boolean allocate)
            throws IOException {
        Set<Character> letters = new TreeSet<>();
        for (String flag : flags) {
            if (flag.startsWith("\\")) {
                if (flag.equalsIgnoreCase("\\Recent")) {
                    continue;
                }
                Character letter = SYSTEM_FLAGS.entrySet().stream().filter(e -> e.getValue().equalsIgnoreCase(flag))
                        .map(Map.Entry::getKey).findFirst().orElseThrow(() -> new IOException(
                                "a Maildir cannot keep the flag " + MaildirLayout.printable(flag)));
                letters.add(letter);
            } else if (allocate) {
                letters.add(keywords.letter(flag));
            } else {
                keywords.find(flag).ifPresent(letters::add);
            }
        }
        return letters;
    }
}
