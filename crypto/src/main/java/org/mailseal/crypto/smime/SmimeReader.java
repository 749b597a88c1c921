package org.mailseal.crypto.smime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Collection;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1SequenceParser;
import org.bouncycastle.asn1.ASN1StreamParser;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfoParser;
import org.bouncycastle.cms.CMSAuthEnvelopedDataParser;
import org.bouncycastle.cms.CMSEnvelopedDataParser;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSTypedStream;
import org.bouncycastle.cms.RecipientInformation;
import org.bouncycastle.cms.RecipientInformationStore;
import org.bouncycastle.cms.jcajce.JceKeyTransAuthEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransRecipientId;
import org.bouncycastle.util.io.Streams;
import org.mailseal.crypto.BouncyCastleProviders;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.DecryptionFailedException;
import org.mailseal.crypto.DecryptionOptions;
import org.mailseal.crypto.Integrity;
import org.mailseal.crypto.MessageDecryptor;
import org.mailseal.crypto.io.BoundedInputStream;
import org.mailseal.crypto.io.CanonicalLineInputStream;
import org.mailseal.crypto.io.SpillBuffer;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.crypto.mime.MimeParts;

/** Reads S/MIME EnvelopedData and AuthEnvelopedData (RFC 8551 §3.3, RFC 5083). */
public final class SmimeReader {
    private SmimeReader() {}

    public static MessageDecryptor.Opened decrypt(MimeParts mime, MimeParts.Entity outer,
                                                  Collection<? extends UnlockedKey> keys, CryptoLimits limits,
                                                  DecryptionOptions options, SpillBuffer plaintext)
            throws IOException, DecryptionFailedException {
        byte[] der = derBody(mime, outer);
        try {
            ASN1ObjectIdentifier type = contentType(der);
            if (CMSObjectIdentifiers.authEnvelopedData.equals(type)) {
                CMSAuthEnvelopedDataParser parser = new CMSAuthEnvelopedDataParser(new ByteArrayInputStream(der));
                return open(parser.getRecipientInfos(), keys, limits, plaintext, true);
            }
            if (CMSObjectIdentifiers.envelopedData.equals(type)) {
                if (!options.allowUnauthenticated()) {
                    throw DecryptionFailedException.refused(
                            "S/MIME EnvelopedData (CBC) has no integrity protection and is not allowed");
                }
                CMSEnvelopedDataParser parser = new CMSEnvelopedDataParser(new ByteArrayInputStream(der));
                return open(parser.getRecipientInfos(), keys, limits, plaintext, false);
            }
            throw new DecryptionFailedException();
        } catch (CMSException | RuntimeException e) {
            throw new DecryptionFailedException(e);
        }
    }

    /** The DER (or BER) bytes of the body, with the Content-Transfer-Encoding (normally base64) undone. */
    public static byte[] derBody(MimeParts mime, MimeParts.Entity entity) throws IOException {
        byte[] decoded = mime.transferDecoded(entity);
        return decoded != null ? decoded : java.util.Arrays.copyOfRange(mime.data(), entity.bodyStart(), entity.end());
    }

    /** The ContentInfo's content type. */
    static ASN1ObjectIdentifier contentType(byte[] der) throws IOException {
        try {
            ASN1SequenceParser sequence = (ASN1SequenceParser) new ASN1StreamParser(der).readObject();
            return new ContentInfoParser(sequence).getContentType();
        } catch (ClassCastException | IllegalStateException | NullPointerException e) {
            throw new IOException("not a CMS ContentInfo", e);
        }
    }

    private static MessageDecryptor.Opened open(RecipientInformationStore recipients,
                                                Collection<? extends UnlockedKey> keys, CryptoLimits limits,
                                                SpillBuffer plaintext, boolean authenticated)
            throws IOException, CMSException, DecryptionFailedException {
        for (UnlockedKey unlocked : keys) {
            if (!(unlocked instanceof UnlockedKey.Smime smime)) {
                continue;
            }
            RecipientInformation recipient = recipients.get(new JceKeyTransRecipientId(smime.certificate()));
            if (recipient == null) {
                continue;
            }
            JceKeyTransRecipient opener = authenticated
                    ? new JceKeyTransAuthEnvelopedRecipient(smime.privateKey())
                    : new JceKeyTransEnvelopedRecipient(smime.privateKey());
            if (smime.keyProvider() != null) {
                // A token key: the RSA unwrap runs in the token; the content key must come out of it as bytes for
                // the content cipher below, which runs in memory.
                opener.setProvider(smime.keyProvider()).setMustProduceEncodableUnwrappedKey(true);
            }
            // The JDK has no AlgorithmParameters for the GCM OIDs: Bouncy Castle parses them and runs GCM. CBC uses
            // the JDK's default provider (null: no particular one).
            opener.setContentProvider(authenticated ? BouncyCastleProviders.INSTANCE : null);
            CMSTypedStream content = recipient.getContentStream(opener);
            InputStream data = new BoundedInputStream(content.getContentStream(), limits.maxDecompressedBytes(), "plaintext");
            new CanonicalLineInputStream(data).transferTo(plaintext);
            Streams.drain(content.getContentStream());
            return new MessageDecryptor.Opened(smime.fingerprint(), authenticated ? Integrity.AEAD : Integrity.NONE);
        }
        throw new DecryptionFailedException();
    }
}
