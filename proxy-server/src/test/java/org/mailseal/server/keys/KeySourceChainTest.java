package org.mailseal.server.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.Ticker;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mailseal.crypto.keys.KeyAlgorithm;
import org.mailseal.crypto.keys.PgpKeys;
import org.mailseal.crypto.keys.RecipientKey;

/** Sources asked in order: the first with keys answers; a failure is never mistaken for "no key". */
class KeySourceChainTest {
    static final String BOB = "bob@example.org";
    static List<RecipientKey> pinned;
    static List<RecipientKey> published;

    private final FakeKeySource home = new FakeKeySource("home");
    private final FakeKeySource ldap = new FakeKeySource("ldap ldap://127.0.0.1");
    private final FakeKeySource wkd = new FakeKeySource("wkd");

    @BeforeAll
    static void keys() throws Exception {
        Date now = new Date();
        pinned = List.of(key(now));
        published = List.of(key(now));
    }

    private static RecipientKey key(Date now) throws Exception {
        return PgpKeys.recipientKey(BOB,
                PgpKeys.generate(BOB, KeyAlgorithm.CV25519, "pw".toCharArray(), now, false).toCertificate(), now);
    }

    private static KeySourceChain chain(FakeKeySource... sources) {
        return new KeySourceChain(java.util.Arrays.stream(sources)
                .map(s -> new CachedKeySource(s, KeyCacheSettings.DEFAULTS, Runnable::run, Ticker.systemTicker()))
                .toList());
    }

    @Test
    void theFirstSourceWithKeysWinsAndLaterOnesAreNotAsked() {
        home.answer = pinned;
        ldap.answer = published;
        assertThat(chain(home, ldap).encryptionKeys(BOB)).isEqualTo(pinned);
        assertThat(ldap.lookups).hasValue(0);
    }

    @Test
    void anEmptySourceLetsTheNextAnswer() {
        ldap.answer = published;
        assertThat(chain(home, ldap).encryptionKeys(BOB)).isEqualTo(published);
        assertThat(chain(home, wkd).encryptionKeys(BOB)).isEmpty();
    }

    @Test
    void aFailedSourceDoesNotHideALaterSourcesKey() {
        ldap.failure = new IllegalStateException("down");
        wkd.answer = published;
        assertThat(chain(home, ldap, wkd).encryptionKeys(BOB)).isEqualTo(published);
    }

    @Test
    void aFailedSourceAndNoKeyElsewhereIsAFailureNotNoKey() {
        ldap.failure = new IllegalStateException("down");
        KeySourceChain chain = chain(home, ldap, wkd);
        assertThatThrownBy(() -> chain.encryptionKeys(BOB))
                .isInstanceOf(KeyLookupException.class)
                .satisfies(e -> assertThat(((KeyLookupException) e).source()).isEqualTo("ldap ldap://127.0.0.1"));
        assertThat(wkd.lookups).hasValue(1);
    }

    @Test
    void statsAndHealthArePerSourceInChainOrder() {
        ldap.failure = new IllegalStateException("down");
        KeySourceChain chain = chain(home, ldap);
        assertThatThrownBy(() -> chain.encryptionKeys("carol@example.org")).isInstanceOf(KeyLookupException.class);
        assertThatThrownBy(() -> chain.encryptionKeys("carol@example.org")).isInstanceOf(KeyLookupException.class);
        assertThat(chain.stats()).extracting(KeySourceChain.SourceStats::source).containsExactly("home", "ldap ldap://127.0.0.1");
        assertThat(chain.stats().get(0).cache().hitCount()).isEqualTo(1); // home's "no key" was cached
        assertThat(chain.stats().get(1).cache().loadFailureCount()).isEqualTo(2); // ldap's failures were not
        assertThat(chain.health()).containsExactly(new KeySourceChain.SourceHealth("home", true),
                new KeySourceChain.SourceHealth("ldap ldap://127.0.0.1", false));
    }
}
