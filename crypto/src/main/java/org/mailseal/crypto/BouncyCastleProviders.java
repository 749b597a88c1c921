package org.mailseal.crypto;

import java.security.Provider;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/**
 * One Bouncy Castle JCA provider instance, used only where the JDK lacks an algorithm (OCB for SEIPD v2, GCM parameters for CMS AuthEnvelopedData). It is
 * never registered globally, so the JDK's faster AES stays the default everywhere else.
 */
public final class BouncyCastleProviders {
    public static final Provider INSTANCE = new BouncyCastleProvider();

    private BouncyCastleProviders() {}
}
