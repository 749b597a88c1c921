package org.mailseal.imap.sync;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IMAP keywords of a Maildir folder the way Dovecot keeps them: the info letters {@code a} to {@code z} of a file
 * name stand for the keywords of index 0 to 25 in the folder's {@code dovecot-keywords} file, one
 * {@code <index> <keyword>} a line. A folder holds at most 26 distinct keywords; the 27th is refused. Keywords
 * match exactly (no case folding), so what a run stores is what the next run reads back.
 */
final class MaildirKeywords {
    static final String FILE = "dovecot-keywords";
    private static final int LETTERS = 26;
    private static final int MAX_FILE = 64 * 1024;
    private static final Pattern LINE = Pattern.compile("([0-9]{1,2}) (\\S+)");
    /** An IMAP flag-keyword (RFC 3501 atom): no specials, no controls, no spaces, no backslash. */
    private static final Pattern KEYWORD = Pattern.compile("[!#$&'+,\\-./0-9:;<=>?@A-Z\\[^_`a-z|}~]{1,100}");

    private final Path folder;
    private TreeMap<Integer, String> byIndex;

    private MaildirKeywords(Path folder, TreeMap<Integer, String> byIndex) {
        this.folder = folder;
        this.byIndex = byIndex;
    }

    /** The folder's keywords; none when the file is missing. Lines that do not parse are skipped, as Dovecot does. */
    static MaildirKeywords read(Path folder) throws IOException {
        return new MaildirKeywords(folder, load(folder));
    }

    private static TreeMap<Integer, String> load(Path folder) throws IOException {
        TreeMap<Integer, String> byIndex = new TreeMap<>();
        byte[] bytes = MaildirFiles.readPrefix(folder.resolve(FILE), MAX_FILE);
        if (bytes != null) {
            for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
                Matcher m = LINE.matcher(line.strip());
                if (m.matches() && Integer.parseInt(m.group(1)) < LETTERS) {
                    byIndex.putIfAbsent(Integer.parseInt(m.group(1)), m.group(2));
                }
            }
        }
        return byIndex;
    }

    static boolean isKeyword(String flag) {
        return KEYWORD.matcher(flag).matches();
    }

    /** The keyword an info letter stands for, if any. */
    Optional<String> keyword(char letter) {
        if (letter < 'a' || letter > 'z') {
            return Optional.empty();
        }
        return Optional.ofNullable(byIndex.get(letter - 'a'));
    }

    /** The info letter of a keyword the folder already has, without adding it. */
    Optional<Character> find(String keyword) {
        for (Map.Entry<Integer, String> e : byIndex.entrySet()) {
            if (e.getValue().equals(keyword)) {
                return Optional.of((char) ('a' + e.getKey()));
            }
        }
        return Optional.empty();
    }

    /**
     * The info letter of a keyword, giving it the lowest free index (and writing the file, crash-safely) when the
     * folder has none for it yet.
     *
     * @throws IOException when the keyword is not an IMAP atom or the folder's 26 letters are taken
     */
    char letter(String keyword) throws IOException {
        if (!isKeyword(keyword)) {
            throw new IOException("'" + keyword.replaceAll("[^\\x21-\\x7e]", "?") + "' is not an IMAP keyword");
        }
        Optional<Character> known = find(keyword);
        if (known.isPresent()) {
            return known.get();
        }
        byIndex = load(folder); // another program (Dovecot, a mail client) may have added keywords since
        known = find(keyword);
        if (known.isPresent()) {
            return known.get();
        }
        int free = 0;
        while (byIndex.containsKey(free)) {
            free++;
        }
        if (free >= LETTERS) {
            throw new IOException("Maildir folder " + folder + " already holds 26 keywords, the most a Maildir"
                    + " (Dovecot's dovecot-keywords) can name; cannot add " + keyword);
        }
        byIndex.put(free, keyword);
        StringBuilder sb = new StringBuilder();
        byIndex.forEach((i, k) -> sb.append(i).append(' ').append(k).append('\n'));
        MaildirFiles.replaceAtomically(folder.resolve(FILE), sb.toString().getBytes(StandardCharsets.UTF_8));
        return (char) ('a' + free);
    }
}
