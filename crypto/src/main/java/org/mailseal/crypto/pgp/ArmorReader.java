package org.mailseal.crypto.pgp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.mailseal.crypto.io.Base64Text;
import org.mailseal.crypto.io.Bytes;

/**
 * Decodes the ASCII-armored OpenPGP message in a range of bytes (RFC 9580 §6.2): armor headers are skipped and
 * the optional CRC-24 line is ignored (§6.1). Works on the array in place.
 */
final class ArmorReader {
    private static final byte[] BEGIN = "-----BEGIN PGP MESSAGE-----".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "-----END PGP MESSAGE-----".getBytes(StandardCharsets.US_ASCII);

    private ArmorReader() {}

    static Base64Text.Decoded decode(byte[] data, int start, int end) throws IOException {
        int begin = Bytes.indexOf(data, start, end, BEGIN);
        if (begin < 0 || (begin > start && data[begin - 1] != '\n')) {
            throw new IOException("no ASCII-armored OpenPGP message");
        }
        // Armor headers ("Key: Value"), then an empty line; writers without headers may leave out the line.
        int pos = nextLine(data, begin, end);
        while (pos < end) {
            int stop = nextLine(data, pos, end);
            if (isBlank(data, pos, stop)) {
                pos = stop;
                break;
            }
            if (Bytes.indexOf(data, pos, stop, (byte) ':') < 0) {
                break; // the first data line
            }
            pos = stop;
        }
        int endLine = Bytes.lastIndexOf(data, pos, end, END); // the END line closes the part: look from the back
        if (endLine < 0) {
            throw new IOException("ASCII armor without END line");
        }
        // The CRC-24 line ("=" and four base64 characters) just before the END line, if any.
        int dataEnd = endLine;
        int lastLine = previousLineStart(data, pos, endLine);
        if (lastLine >= pos && data[lastLine] == '=' && endLine - lastLine <= 8) {
            dataEnd = lastLine;
        }
        return Base64Text.decode(data, pos, dataEnd);
    }

    private static boolean isBlank(byte[] data, int from, int to) {
        for (int i = from; i < to; i++) {
            if (data[i] != ' ' && data[i] != '\t' && data[i] != '\r' && data[i] != '\n') {
                return false;
            }
        }
        return true;
    }

    private static int nextLine(byte[] data, int from, int end) {
        int lf = Bytes.indexOf(data, from, end, (byte) '\n');
        return lf < 0 ? end : lf + 1;
    }

    /** Start of the line before the one that starts at {@code lineStart} (skipping its CRLF). */
    private static int previousLineStart(byte[] data, int floor, int lineStart) {
        int i = lineStart - 1;
        while (i >= floor && (data[i] == '\n' || data[i] == '\r')) {
            i--;
        }
        while (i >= floor && data[i] != '\n') {
            i--;
        }
        return i + 1;
    }
}
