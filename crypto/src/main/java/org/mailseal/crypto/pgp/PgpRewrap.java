package org.mailseal.crypto.pgp;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.bouncycastle.openpgp.PGPEncryptedDataList;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPSessionKey;
import org.bouncycastle.openpgp.operator.bc.BcPublicKeyKeyEncryptionMethodGenerator;
import org.bouncycastle.openpgp.operator.jcajce.JcePGPDataEncryptorBuilder;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.Format;
import org.mailseal.crypto.RewrapException;
import org.mailseal.crypto.RewrapResult;
import org.mailseal.crypto.io.Base64Text;
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
        MimeParts.Entity part = PgpMimeReader.encryptedPart(mime, outer);
        Base64Text.Decoded decoded = ArmorReader.decode(mime.data(), part.bodyStart(), part.end());
        byte[] binary = java.util.Arrays.copyOf(decoded.data(), decoded.length());
        int dataOffset = PacketSplitter.dataPacketOffset(binary);
        return java.util.Arrays.copyOfRange(binary, dataOffset, binary.length);
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
            throw new RewrapException("none of the old keys opens this message", e);
        }
        if (match.packet().isAEAD()) {
            throw new RewrapException("re-wrapping SEIPD v2 / OCB messages is not supported");
        }
        int dataOffset = PacketSplitter.dataPacketOffset(binary);

        ByteArrayOutputStream packets = new ByteArrayOutputStream(binary.length + 1024);
        List<String> fingerprints = new ArrayList<>();
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
