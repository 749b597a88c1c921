package org.mailseal.crypto.smime;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.Collection;
import java.util.Locale;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1SequenceParser;
import org.bouncycastle.asn1.ASN1StreamParser;
import org.bouncycastle.asn1.cms.CMSObjectIdentifiers;
import org.bouncycastle.asn1.cms.ContentInfoParser;
import org.bouncycastle.cms.CMSAuthEnvelopedDataParser;
import org.bouncycastle.cms.CMSEnvelopedDataParser;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSTypedStream;
import org.bouncycastle.cms.Recipient;
import org.bouncycastle.cms.RecipientInformation;
import org.bouncycastle.cms.RecipientInformationStore;
import org.bouncycastle.cms.jcajce.JceKeyTransAuthEnvelopedRecipient;
import org.bouncycastle.cms.jcajce.JceKeyTransEnvelopedRecipient;
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
import org.mailseal.crypto.mime.HeaderSection;

/** Reads S/MIME EnvelopedData and AuthEnvelopedData (RFC 8551 §3.3, RFC 5083). */
public final class SmimeReader {
    private SmimeReader() {}

    public static MessageDecryptor.Opened decrypt(HeaderSection outer, InputStream body,
                                                  Collection<? extends UnlockedKey> keys, CryptoLimits limits,
                                                  DecryptionOptions options, SpillBuffer plaintext)
            throws IOException, DecryptionFailedException {
        BufferedInputStream der = new BufferedInputStream(decodeTransfer(outer, body), 1 << 16);
        try {
            ASN1ObjectIdentifier type = peekContentType(der);
            if (CMSObjectIdentifiers.authEnvelopedData.equals(type)) {
                CMSAuthEnvelopedDataParser parser = new CMSAuthEnvelopedDataParser(der);
                return open(parser.getRecipientInfos(), keys, limits, plaintext, true);
            }
            if (CMSObjectIdentifiers.envelopedData.equals(type)) {
                if (!options.allowUnauthenticated()) {
                    throw DecryptionFailedException.refused(
                            "S/MIME EnvelopedData (CBC) has no integrity protection and is not allowed");
                }
                CMSEnvelopedDataParser parser = new CMSEnvelopedDataParser(der);
                return open(parser.getRecipientInfos(), keys, limits, plaintext, false);
            }
            throw new DecryptionFailedException();
        } catch (CMSException | RuntimeException e) {
            throw new DecryptionFailedException(e);
        }
    }

    /** Undoes the Content-Transfer-Encoding of the body: base64 (the usual), or binary. */
    static InputStream decodeTransfer(HeaderSection outer, InputStream body) {
        String encoding = outer.value("Content-Transfer-Encoding").orElse("7bit").trim().toLowerCase(Locale.ROOT);
        return encoding.equals("base64") ? Base64.getMimeDecoder().wrap(body) : body;
    }

    /** Reads the ContentInfo's content type and rewinds. */
    static ASN1ObjectIdentifier peekContentType(BufferedInputStream der) throws IOException {
        der.mark(1 << 12);
        try {
            ASN1SequenceParser sequence = (ASN1SequenceParser) new ASN1StreamParser(der).readObject();
            return new ContentInfoParser(sequence).getContentType();
        } catch (ClassCastException | IllegalStateException e) {
            throw new IOException("not a CMS ContentInfo", e);
        } finally {
            der.reset();
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
            Recipient opener = authenticated
                    // The JDK has no AlgorithmParameters for the GCM OIDs: Bouncy Castle parses them and runs GCM.
                    ? new JceKeyTransAuthEnvelopedRecipient(smime.privateKey()).setContentProvider(BouncyCastleProviders.INSTANCE)
                    : new JceKeyTransEnvelopedRecipient(smime.privateKey());
            CMSTypedStream content = recipient.getContentStream(opener);
            InputStream data = new BoundedInputStream(content.getContentStream(), limits.maxDecompressedBytes(), "plaintext");
            new CanonicalLineInputStream(data).transferTo(plaintext);
            Streams.drain(content.getContentStream());
            return new MessageDecryptor.Opened(smime.fingerprint(), authenticated ? Integrity.AEAD : Integrity.NONE);
        }
        throw new DecryptionFailedException();
    }
}
