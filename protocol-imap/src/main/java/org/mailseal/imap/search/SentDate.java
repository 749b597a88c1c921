package org.mailseal.imap.search;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The date part of a Date field (RFC 5322 §3.3), read leniently; the time and zone do not matter to SENT*. */
final class SentDate {
    private static final List<String> MONTHS =
            List.of("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC");
    // [day-of-week ","] day month year hour ":" minute: a time is required, as Dovecot's parser requires one.
    private static final Pattern DATE = Pattern.compile(
            "^\\s*(?:\\(.*?\\)\\s*)?(?:[A-Za-z]{3}\\s*,\\s*)?(\\d{1,2})\\s+([A-Za-z]{3})\\s+(\\d{2,4})\\s+\\d{1,2}:\\d{2}");

    private SentDate() {
    }

    /** The date, or null when the field does not parse. */
    static LocalDate parse(String value) {
        Matcher m = DATE.matcher(value);
        if (!m.find()) {
            return null;
        }
        int month = MONTHS.indexOf(m.group(2).toUpperCase(Locale.ROOT));
        if (month < 0) {
            return null;
        }
        int year = Integer.parseInt(m.group(3));
        if (m.group(3).length() == 2) {
            year += year < 50 ? 2000 : 1900; // RFC 5322 §4.3 obs-year
        } else if (m.group(3).length() == 3) {
            year += 1900;
        }
        try {
            return LocalDate.of(year, month + 1, Integer.parseInt(m.group(1)));
        } catch (DateTimeException e) {
            return null;
        }
    }
}
