package org.mailseal.crypto.pgp;

import java.io.InputStream;
import java.security.GeneralSecurityException;
import org.bouncycastle.bcpg.AEADEncDataPacket;
import org.bouncycastle.bcpg.HashAlgorithmTags;
import org.bouncycastle.bcpg.SymmetricEncIntegrityPacket;
import org.bouncycastle.bcpg.SymmetricKeyAlgorithmTags;
import org.bouncycastle.openpgp.PGPException;
import org.bouncycastle.openpgp.PGPSessionKey;
import org.bouncycastle.openpgp.operator.PGPDataDecryptor;
import org.bouncycastle.openpgp.operator.PGPDigestCalculator;
import org.bouncycastle.openpgp.operator.SessionKeyDataDecryptorFactory;
import org.bouncycastle.openpgp.operator.jcajce.JcaPGPDigestCalculatorProviderBuilder;
import org.bouncycastle.openpgp.operator.jcajce.JceSessionKeyDataDecryptorFactoryBuilder;
import org.mailseal.crypto.BouncyCastleProviders;

/**
 * Decrypts SEIPD v1 with AES through {@link CfbViaEcbInputStream} and the JDK's SHA-1 for the MDC; Bouncy Castle
 * still parses the packet, checks the quick-check prefix and verifies the MDC. Everything else (other ciphers,
 * SEIPD v2, GnuPG's OCB packet) goes to Bouncy Castle's own JCA decryptors.
 */
final class FastSessionKeyDecryptorFactory implements SessionKeyDataDecryptorFactory {
    private final PGPSessionKey sessionKey;
    private final SessionKeyDataDecryptorFactory jdk;
    private final SessionKeyDataDecryptorFactory bouncyCastle;

    FastSessionKeyDecryptorFactory(PGPSessionKey sessionKey) {
        this.sessionKey = sessionKey;
        this.jdk = new JceSessionKeyDataDecryptorFactoryBuilder().build(sessionKey);
        this.bouncyCastle = new JceSessionKeyDataDecryptorFactoryBuilder()
                .setProvider(BouncyCastleProviders.INSTANCE).build(sessionKey);
    }

    @Override
    public PGPSessionKey getSessionKey() {
        return sessionKey;
    }

    @Override
    public PGPDataDecryptor createDataDecryptor(boolean withIntegrityPacket, int algorithm, byte[] key)
            throws PGPException {
        boolean aes = algorithm == SymmetricKeyAlgorithmTags.AES_128 || algorithm == SymmetricKeyAlgorithmTags.AES_192
                || algorithm == SymmetricKeyAlgorithmTags.AES_256;
        if (!withIntegrityPacket || !aes) {
            return jdk.createDataDecryptor(withIntegrityPacket, algorithm, key);
        }
        PGPDigestCalculator sha1 = new JcaPGPDigestCalculatorProviderBuilder().build().get(HashAlgorithmTags.SHA1);
        byte[] keyCopy = key.clone();
        return new PGPDataDecryptor() {
            @Override
            public InputStream getInputStream(InputStream in) {
                try {
                    return new CfbViaEcbInputStream(in, keyCopy);
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("AES is not available", e);
                }
            }

            @Override
            public int getBlockSize() {
                return 16;
            }

            @Override
            public PGPDigestCalculator getIntegrityCalculator() {
                return sha1;
            }
        };
    }

    @Override
    public PGPDataDecryptor createDataDecryptor(AEADEncDataPacket packet, PGPSessionKey key) throws PGPException {
        return bouncyCastle.createDataDecryptor(packet, key);
    }

    @Override
    public PGPDataDecryptor createDataDecryptor(SymmetricEncIntegrityPacket packet, PGPSessionKey key)
            throws PGPException {
        return bouncyCastle.createDataDecryptor(packet, key);
    }
}
