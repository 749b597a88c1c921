package org.mailseal.crypto.pgp;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.bcpg.KeyIdentifier;
import org.bouncycastle.openpgp.PGPEncryptedData;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPPublicKeyEncryptedData;
import org.bouncycastle.openpgp.PGPSessionKey;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyKeyEncryptionMethodGenerator;
import org.bouncycastle.openpgp.operator.jcajce.JcePGPDataEncryptorBuilder;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.RewrapException;
import org.mailseal.crypto.RewrapResult;
import org.mailseal.crypto.io.Base64Text;
import org.mailseal.crypto.io.Bytes;
import org.mailseal.crypto.keys.RecipientKey;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.mime.MimeParts;

/**
 * Re-wraps a PGP/MIME message: the armored block is replaced by one holding new PKESK packets followed by the
 * original encrypted data packet, byte for byte; every other byte of the message stays as it was.
 */
public final class PgpRewrap {
    private static final byte[] BEGIN = "-----BEGIN PGP MESSAGE-----".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "-----END PGP MESSAGE-----".getBytes(StandardCharsets.US_ASCII);

    private PgpRewrap() {}

    /** The encrypted data packet (SEIPD), as bytes: what re-wrapping keeps byte for byte. */
    public static byte[] bulk(MimeParts mime, MimeParts.Entity outer) throws IOException, RewrapException {
        byte[] binary = binary(mime, outer);
        int dataOffset = PacketSplitter.dataPacketOffset(binary);
        return java.util.Arrays.copyOfRange(binary, dataOffset, binary.length);
    }

    /**
     * The keys the session-key packets (PKESK) are addressed to. A wildcard key ID (an anonymous recipient, RFC 9580
     * §5.1) names no key and is left out.
     */
    public static List<KeyIdentifier> recipientKeyIds(MimeParts mime, MimeParts.Entity outer)
            throws IOException, RewrapException {
        PGPEncryptedDataList list;
        try {
            list = PgpDecryption.encryptedDataList(new ByteArrayInputStream(binary(mime, outer)));
        } catch (DecryptionFailedException e) {
            throw new RewrapException("PGP/MIME part holds no encrypted OpenPGP message", e);
        }
        List<KeyIdentifier> ids = new ArrayList<>();
        for (PGPEncryptedData data : list) {
            if (data instanceof PGPPublicKeyEncryptedData packet && !packet.getKeyIdentifier().isWildcard()) {
                ids.add(packet.getKeyIdentifier());
            }
        }
        return ids;
    }

    /** The armored OpenPGP message of the encrypted part, decoded. */
    private static byte[] binary(MimeParts mime, MimeParts.Entity outer) throws IOException {
        MimeParts.Entity part = PgpMimeReader.encryptedPart(mime, outer);
        Base64Text.Decoded decoded = ArmorReader.decode(mime.data(), part.bodyStart(), part.end());
        return java.util.Arrays.copyOf(decoded.data(), decoded.length());
    }

    public static RewrapResult rewrap(MimeParts mime, MimeParts.Entity outer, Collection<? extends UnlockedKey> oldKeys,
                                      List<RecipientKey.Pgp> recipients, OutputStream out)
            throws IOException, RewrapException {
        MimeParts.Entity part = PgpMimeReader.encryptedPart(mime, outer);
        if (mime.transferDecoded(part) != null) {
            throw new RewrapException("re-wrapping needs the armored part in 7bit, not " + part.transferEncoding());
        }
        byte[] data = mime.data();
        Base64Text.Decoded decoded = ArmorReader.decode(data, part.bodyStart(), part.end());
        byte[] binary = java.util.Arrays.copyOf(decoded.data(), decoded.length());
        int begin = indexOfLine(data, BEGIN, part.bodyStart(), part.end());
        int end = begin < 0 ? -1 : indexOfLine(data, END, begin, part.end());
        if (begin < 0 || end < 0 || indexOfLine(data, BEGIN, begin + 1, part.end()) >= 0) {
            throw new RewrapException("PGP/MIME part must hold exactly one ASCII-armored message");
        }
        int endOfEndLine = end + END.length;

        PgpDecryption.SessionKeyMatch match;
        try {
            PGPEncryptedDataList list = PgpDecryption.encryptedDataList(new ByteArrayInputStream(binary));
            match = PgpDecryption.findSessionKey(list, oldKeys);
        } catch (DecryptionFailedException e) {
            throw RewrapException.noKeyOpens(e);
        }
        if (match.packet().isAEAD()) {
            throw new RewrapException("re-wrapping SEIPD v2 / OCB messages is not supported");
        }
        int dataOffset = PacketSplitter.dataPacketOffset(binary);

        ByteArrayOutputStream packets = new ByteArrayOutputStream(binary.length + 1024);
        List<String> fingerprints = new ArrayList<>();
        packets.write(sessionKeyPackets(match, recipients, fingerprints));
        packets.write(binary, dataOffset, binary.length - dataOffset);

        out.write(data, 0, begin);
        try (OutputStream armor = new ArmorOutputStream(out)) {
            armor.write(packets.toByteArray());
        }
        // The new armor ends with CRLF after its END line; skip the original END line and its CRLF.
        int resume = endOfEndLine;
        if (resume + 1 < mime.length() && data[resume] == '\r' && data[resume + 1] == '\n') {
            resume += 2;
        }
        out.write(data, resume, mime.length() - resume);
        return new RewrapResult(Format.PGP_MIME, match.key().fingerprint(), fingerprints);
    }

    /** New session-key packets (v3 PKESK) for the recipients, holding the session key the old key opened. */
    private static byte[] sessionKeyPackets(PgpDecryption.SessionKeyMatch match, List<RecipientKey.Pgp> recipients,
                                            List<String> fingerprints) throws IOException, RewrapException {
        ByteArrayOutputStream packets = new ByteArrayOutputStream(512 * recipients.size());
        try {
            PGPSessionKey sessionKey = match.sessionKey();
            // Bouncy Castle adds the algorithm octet and checksum of a v3 PKESK (RFC 9580 §5.1.1) itself.
            byte[] sessionInfo = sessionKey.getKey();
            for (RecipientKey.Pgp recipient : recipients) {
                JcePGPDataEncryptorBuilder v1 = new JcePGPDataEncryptorBuilder(sessionKey.getAlgorithm())
                        .setWithIntegrityPacket(true);
                packets.write(new BcPublicKeyKeyEncryptionMethodGenerator(PgpMimeWriter.newestKey(recipient))
                        .generate(v1, sessionInfo).getEncoded());
                fingerprints.add(recipient.fingerprint());
            }
        } catch (PGPException e) {
            throw new RewrapException("cannot encrypt the session key to the new keys", e);
        }
        return packets.toByteArray();
    }

    /**
     * The fast way, when it applies: new session-key packets of exactly the old ones' length (the usual case when
     * one key of an algorithm replaces another) change only the first bytes of the armored message, and base64
     * keeps every later group of three bytes in the same four characters. So only the first few armor lines are
     * decoded and written anew, the checksum is corrected for the changed bytes alone (CRC-24 is linear), and the
     * rest of the message, the encrypted data packet above all, is copied as it is, never decoded: its cost is a
     * copy. Applies to armor in regular CRLF lines; returns null otherwise, and the caller takes the general way.
     */
    public static Splice splice(MimeParts mime, MimeParts.Entity outer, Collection<? extends UnlockedKey> oldKeys,
                                List<RecipientKey.Pgp> recipients) throws IOException, RewrapException {
        MimeParts.Entity part = encryptedPartFromTheEnds(mime, outer);
        if (part == null) {
            return null;
        }
        if (part.transferEncoding() != null && !part.transferEncoding().equalsIgnoreCase("7bit")
                && !part.transferEncoding().equalsIgnoreCase("8bit")) {
            return null;
        }
        byte[] data = mime.data();
        int begin = indexOfLine(data, BEGIN, part.bodyStart(), Math.min(part.end(), part.bodyStart() + 4096));
        int end = begin < 0 ? -1 : Bytes.lastIndexOf(data, begin, part.end(), END);
        if (begin < 0 || end <= begin || data[end - 1] != '\n') {
            return null;
        }
        // The first data line: after the BEGIN line and any armor headers, up to an empty line.
        int pos = crlfLineEnd(data, begin, end);
        int headers = pos;
        while (headers > 0 && headers < end && data[headers] != '\r') {
            if (Bytes.indexOf(data, headers, Math.min(end, headers + 200), (byte) ':') < 0) {
                break; // no armor headers and no empty line: data starts here
            }
            headers = crlfLineEnd(data, headers, end);
        }
        if (headers < 0 || headers >= end) {
            return null;
        }
        int dataStart = data[headers] == '\r' ? headers + 2 : headers;
        // The optional checksum line, "=" and four characters, just before the END line.
        int checksumLine = end - 2;
        while (checksumLine > dataStart && data[checksumLine - 1] != '\n') {
            checksumLine--;
        }
        boolean checksum = data[checksumLine] == '=' && end - checksumLine == 7;
        int dataEnd = checksum ? checksumLine : end;
        // Lines of one length L (a multiple of four) with CRLF, the last one shorter or equal.
        int lineLength = Bytes.indexOf(data, dataStart, dataEnd, (byte) '\r') - dataStart;
        if (lineLength <= 0 || lineLength % 4 != 0 || data[dataStart + lineLength + 1] != '\n') {
            return null;
        }
        int stride = lineLength + 2;
        int fullLines = (dataEnd - dataStart) / stride;
        int lastLength = (dataEnd - dataStart) % stride;
        if (lastLength == 1 || (lastLength == 0 && fullLines == 0)) {
            return null;
        }
        // The CRLFs of the first lines (the ones decoded), of every 64th line and of the last two whole lines, and a
        // last line without a line break inside: with the length of the whole, they fix the number of lines, and so
        // the length of the data, which the checksum correction needs; the other lines are copied without being
        // looked at. (Only line breaks moved by a multiple of half a line's length within 64 lines could escape
        // this, and they would leave the data as it was and only the checksum wrong.)
        int decodedLines = 2 + 3072 / lineLength;
        for (int line = 0; line < fullLines; line = line < decodedLines || line >= fullLines - 2 ? line + 1
                : Math.min(fullLines - 2, line + 64)) {
            int lineEnd = dataStart + line * stride + lineLength;
            if (data[lineEnd] != '\r' || data[lineEnd + 1] != '\n') {
                return null;
            }
        }
        if (lastLength > 0) {
            lastLength -= 2; // its CRLF
            if (data[dataEnd - 2] != '\r' || data[dataEnd - 1] != '\n' || lastLength > lineLength
                    || Bytes.indexOf(data, dataEnd - 2 - lastLength, dataEnd - 2, (byte) '\n') >= 0) {
                return null;
            }
        }
        long characters = (long) fullLines * lineLength + lastLength;
        if (characters % 4 != 0) {
            return null;
        }
        int padding = data[dataEnd - 3] == '=' ? (data[dataEnd - 4] == '=' ? 2 : 1) : 0;
        long length = characters / 4 * 3 - padding;

        // Decode the first lines: the session-key packets and the start of the encrypted data packet.
        int prefixLines = (int) Math.min(fullLines, 2 + 3072 / lineLength);
        byte[] prefixText = new byte[prefixLines * lineLength];
        for (int line = 0; line < prefixLines; line++) {
            System.arraycopy(data, dataStart + line * stride, prefixText, line * lineLength, lineLength);
        }
        byte[] prefix;
        int dataOffset;
        try {
            prefix = java.util.Base64.getDecoder().decode(prefixText);
            dataOffset = PacketSplitter.dataPacketOffset(prefix);
        } catch (IllegalArgumentException | IOException e) {
            return null; // more session-key packets than the first lines hold, or not plain base64 there
        }
        int aligned = (dataOffset + 2) / 3 * 3;
        if (aligned + 3 > prefix.length || aligned >= length) {
            return null;
        }
        PgpDecryption.SessionKeyMatch match;
        try {
            PGPEncryptedDataList list = PgpDecryption.encryptedDataList(new ByteArrayInputStream(prefix));
            match = PgpDecryption.findSessionKey(list, oldKeys);
        } catch (DecryptionFailedException e) {
            throw RewrapException.noKeyOpens(e);
        }
        if (match.packet().isAEAD()) {
            throw new RewrapException("re-wrapping SEIPD v2 / OCB messages is not supported");
        }
        List<String> fingerprints = new ArrayList<>();
        byte[] packets = sessionKeyPackets(match, recipients, fingerprints);
        if (packets.length != dataOffset) {
            return null;
        }
        byte[] changed = java.util.Arrays.copyOf(prefix, aligned);
        System.arraycopy(packets, 0, changed, 0, packets.length);
        byte[] text = java.util.Base64.getEncoder().encode(changed);

        int resume = dataStart + (text.length / lineLength) * stride + text.length % lineLength;
        if (text.length % lineLength == 0) {
            resume -= 2; // the CRLF after the last whole line is copied with the rest
        }
        byte[] sumLine = null;
        if (checksum) {
            byte[] difference = new byte[aligned];
            for (int i = 0; i < aligned; i++) {
                difference[i] = (byte) (prefix[i] ^ changed[i]);
            }
            byte[] oldSum;
            try {
                oldSum = java.util.Base64.getDecoder().decode(new String(data, checksumLine + 1, 4,
                        StandardCharsets.US_ASCII));
            } catch (IllegalArgumentException e) {
                return null;
            }
            int sum = ((oldSum[0] & 0xff) << 16 | (oldSum[1] & 0xff) << 8 | (oldSum[2] & 0xff))
                    ^ Crc24.shift(Crc24.ofDifference(difference, 0, aligned), length - aligned);
            sumLine = ("=" + java.util.Base64.getEncoder().encodeToString(
                    new byte[] {(byte) (sum >> 16), (byte) (sum >> 8), (byte) sum})).getBytes(StandardCharsets.US_ASCII);
        }
        return new Splice(data, mime.length(), dataStart, lineLength, text, resume, checksum ? checksumLine : -1,
                sumLine, new RewrapResult(Format.PGP_MIME, match.key().fingerprint(), fingerprints));
    }

    /** A re-wrapped message as the old one's bytes with a few replaced: written with bulk copies. */
    public record Splice(byte[] data, int length, int dataStart, int lineLength, byte[] text, int resume,
                         int checksumLine, byte[] checksum, RewrapResult result) {
        public void writeTo(OutputStream out) throws IOException {
            out.write(data, 0, dataStart);
            int written = 0;
            while (written < text.length) {
                int chunk = Math.min(lineLength, text.length - written);
                out.write(text, written, chunk);
                written += chunk;
                if (chunk == lineLength && written < text.length) {
                    out.write(CRLF);
                }
            }
            if (checksumLine < 0) {
                out.write(data, resume, length - resume);
                return;
            }
            out.write(data, resume, checksumLine - resume);
            out.write(checksum);
            out.write(data, checksumLine + 5, length - checksumLine - 5);
        }
    }

    private static final byte[] CRLF = {'\r', '\n'};

    /**
     * The armored part of a PGP/MIME message, found without reading through it: its two delimiters near the start of
     * the body, the close delimiter from the end. Null unless that finds the usual shape (an application/pgp-encrypted
     * part, then an application/octet-stream one, then the close delimiter).
     */
    private static MimeParts.Entity encryptedPartFromTheEnds(MimeParts mime, MimeParts.Entity outer) throws IOException {
        String boundary = outer.contentType().parameter("boundary").orElse(null);
        if (boundary == null || boundary.isEmpty()) {
            return null;
        }
        byte[] data = mime.data();
        byte[] dashBoundary = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        int window = Math.min(outer.end(), outer.bodyStart() + 16384);
        int first = delimiter(data, dashBoundary, outer.bodyStart(), outer.bodyStart(), window);
        int controlStart = first < 0 ? -1 : crlfLineEnd(data, first, window);
        int second = controlStart < 0 ? -1 : delimiter(data, dashBoundary, controlStart, outer.bodyStart(), window);
        int armorStart = second < 0 ? -1 : crlfLineEnd(data, second, window);
        if (armorStart < 0) {
            return null;
        }
        byte[] close = ("--" + boundary + "--").getBytes(StandardCharsets.ISO_8859_1);
        int closing = Bytes.lastIndexOf(data, armorStart, outer.end(), close);
        if (closing < armorStart + 2 || data[closing - 2] != '\r' || data[closing - 1] != '\n') {
            return null;
        }
        MimeParts.Entity control = mime.entity(controlStart, second - 2);
        MimeParts.Entity armored = mime.entity(armorStart, closing - 2);
        return control.contentType().is("application/pgp-encrypted")
                && armored.contentType().is("application/octet-stream") ? armored : null;
    }

    /** A delimiter line ("--boundary", optional blanks, CRLF) starting at or after {@code from}, or -1. */
    private static int delimiter(byte[] data, byte[] dashBoundary, int from, int bodyStart, int end) {
        for (int at = from; ; at++) {
            at = Bytes.indexOf(data, at, end, dashBoundary);
            if (at < 0) {
                return -1;
            }
            boolean lineStart = at == bodyStart || (at >= 2 && data[at - 2] == '\r' && data[at - 1] == '\n');
            int after = at + dashBoundary.length;
            while (after < end && (data[after] == ' ' || data[after] == '\t')) {
                after++;
            }
            if (lineStart && after + 1 < end && data[after] == '\r' && data[after + 1] == '\n') {
                return at;
            }
        }
    }

    /** The start of the line after the one at {@code from}, which must end in CRLF; -1 otherwise. */
    private static int crlfLineEnd(byte[] data, int from, int end) {
        int lf = Bytes.indexOf(data, from, end, (byte) '\n');
        return lf <= from || data[lf - 1] != '\r' ? -1 : lf + 1;
    }

    /** Index of the first line (at offset 0 or after CRLF) starting with the marker, from {@code from}; -1 if none. */
    static int indexOfLine(byte[] data, byte[] marker, int from, int end) {
        outer:
        for (int i = Math.max(from, 0); i <= end - marker.length; i++) {
            if (i > 0 && data[i - 1] != '\n') {
                continue;
            }
            for (int j = 0; j < marker.length; j++) {
                if (data[i + j] != marker[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
