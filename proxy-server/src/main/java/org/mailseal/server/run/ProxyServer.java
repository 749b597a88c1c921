package org.mailseal.server.run;

import com.github.benmanes.caffeine.cache.Ticker;
import com.unboundid.ldap.sdk.LDAPException;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.mailseal.crypto.CryptoLimits;
import org.mailseal.crypto.MessageEncryptor;
import org.mailseal.crypto.keys.FileKeyHome;
import org.mailseal.crypto.keys.KeyDirectory;
import org.mailseal.crypto.keys.KeyUnlockException;
import org.mailseal.crypto.keys.UnlockedKey;
import org.mailseal.imap.DecryptedMessages;
import org.mailseal.imap.ImapListener;
import org.mailseal.imap.ImapSessionConfig;
import org.mailseal.pop3.DecryptedMaildrop;
import org.mailseal.pop3.MaildropCrypto;
import org.mailseal.pop3.Pop3Listener;
import org.mailseal.pop3.Pop3SessionConfig;
import org.mailseal.server.config.ConnectionLimitsConfig;
import org.mailseal.server.config.ImapListenerConfig;
import org.mailseal.server.config.ListenerOptions;
import org.mailseal.server.config.KeySourcesConfig;
import org.mailseal.server.config.Pop3ListenerConfig;
import org.mailseal.server.config.ListenerConfig;
import org.mailseal.server.config.MailsealConfig;
import org.mailseal.server.imap.UnlockingMailboxCrypto;
import org.mailseal.server.net.AuthThrottle;
import org.mailseal.server.net.ClientAddress;
import org.mailseal.server.net.ConnectionFront;
import org.mailseal.server.net.ConnectionLimits;
import org.mailseal.server.net.UpstreamWatch;
import org.mailseal.server.keys.AutocryptLearner;
import org.mailseal.server.keys.AutocryptStore;
import org.mailseal.server.keys.CachedKeySource;
import org.mailseal.server.keys.KeyCacheSettings;
import org.mailseal.server.keys.KeySource;
import org.mailseal.server.keys.KeySourceChain;
import org.mailseal.server.keys.LdapKeyDirectory;
import org.mailseal.server.keys.WkdKeyDirectory;
import org.mailseal.server.ops.AdminServer;
import org.mailseal.server.ops.CryptoMeters;
import org.mailseal.server.ops.HealthChecks;
import org.mailseal.server.ops.KeyHomeProbe;
import org.mailseal.server.ops.MailProtocol;
import org.mailseal.server.ops.MailsealMetrics;
import org.mailseal.server.ops.TimedKeyDirectory;
import org.mailseal.server.ops.UpstreamProbe;
import org.mailseal.server.smtp.EncryptingFilter;
import org.mailseal.server.smtp.SpillSpool;
import org.mailseal.smtp.SmtpClient;
import org.mailseal.smtp.SmtpListener;
import org.mailseal.smtp.SmtpSessionConfig;

/**
 * mailseal running: the listeners of a configuration, their sessions, and the crypto workers. Closing stops
 * accepting connections, lets open sessions finish for a while (drain), then stops.
 */
public final class ProxyServer implements AutoCloseable {
    /** How long a user's unlocked keys stay in memory after the last use. */
    private static final Duration UNLOCKED_KEY_IDLE = Duration.ofMinutes(5);
    /** Decrypted messages kept for IMAP, in memory only. */
    private static final long DECRYPTED_CACHE_BYTES = 128L << 20;
    /**
     * Key lookups in flight at once, per source; beyond that a lookup of that source fails at once (and counts as
     * the source failing). Per source, so that a hung directory cannot starve the others, the key home above all.
     */
    private static final int MAX_KEY_LOOKUPS = 64;
    /** How long a health probe waits for an upstream's greeting. */
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService crypto;
    private final ChannelGroup sessions;
    private final List<Channel> listeners;
    private final Duration drainTimeout;
    private List<UnlockedKey> gatewayKeys = List.of();
    private GatewayToken gatewayToken;
    private KeySourceChain keys;
    private final MailsealMetrics metrics = new MailsealMetrics();
    private final HealthChecks health = new HealthChecks();
    private AdminServer admin;

    private ProxyServer(EventLoopGroup boss, EventLoopGroup workers, ExecutorService crypto, ChannelGroup sessions,
                        List<Channel> listeners, Duration drainTimeout) {
        this.boss = boss;
        this.workers = workers;
        this.crypto = crypto;
        this.sessions = sessions;
        this.listeners = listeners;
        this.drainTimeout = drainTimeout;
    }

    public static ProxyServer start(MailsealConfig config) throws IOException, InterruptedException {
        FileKeyHome home = FileKeyHome.open(config.keyHome());
        List<UnlockedKey> gatewayKeys = new ArrayList<>();
        GatewayToken token = null;
        if (config.gateway() != null && config.gateway().passphrase() != null) {
            try {
                // Unlocked once, here; from now on held only in memory (DESIGN.md, keys).
                gatewayKeys.addAll(home.unlock(config.gateway().address(), config.gateway().passphrase()));
            } catch (KeyUnlockException e) {
                throw new IOException("cannot unlock the gateway key " + config.gateway().address() + ": " + e.getMessage(), e);
            }
        }
        if (config.gateway() != null && config.gateway().token() != null) {
            try {
                // Logged in once, here; the private key stays in the token.
                token = GatewayToken.open(config.gateway().token());
            } catch (IOException e) {
                gatewayKeys.forEach(UnlockedKey::close);
                throw e;
            }
            gatewayKeys.add(token.key());
        }
        KeySources keySources;
        try {
            keySources = keySources(config.keySources(), home, localDomains(config));
        } catch (IOException | RuntimeException e) {
            gatewayKeys.forEach(UnlockedKey::close);
            if (token != null) {
                token.close();
            }
            throw e;
        }
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(NioIoHandler.newFactory());
        ExecutorService crypto = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
                runnable -> {
                    Thread thread = new Thread(runnable, "mailseal-crypto");
                    thread.setDaemon(true);
                    return thread;
                });
        CryptoLimits limits = CryptoLimits.DEFAULTS.withMaxMessageBytes(Math.max(config.maxMessageBytes() * 2,
                CryptoLimits.DEFAULTS.maxMessageBytes()));
        KeySourceChain keys = keySources.chain();
        ChannelGroup sessions = new DefaultChannelGroup("sessions", GlobalEventExecutor.INSTANCE);
        List<Channel> listeners = new ArrayList<>();
        ProxyServer server = new ProxyServer(boss, workers, crypto, sessions, listeners, Duration.ofSeconds(30));
        server.gatewayKeys = List.copyOf(gatewayKeys);
        server.gatewayToken = token;
        server.keys = keys;
        MailsealMetrics metrics = server.metrics;
        Fronts fronts = new Fronts(config.connectionLimits(), metrics, sessions);
        AuthThrottle throttle = new AuthThrottle(config.connectionLimits().auth(), metrics.registry(),
                Ticker.systemTicker());
        CryptoMeters cryptoMeters = new CryptoMeters(metrics.registry());
        for (CachedKeySource source : keys.sources()) {
            metrics.monitorCacheStats("keys:" + source.name(), source::stats, source::estimatedSize);
            server.health.register("keys:" + source.name(), () -> {
                if (!source.answersNow()) {
                    throw new IOException("no answer within the lookup timeout");
                }
                return "answers";
            });
        }
        KeyDirectory timedKeys = new TimedKeyDirectory(keys, metrics.registry());
        EncryptingFilter filter = new EncryptingFilter(timedKeys, config.policy(), limits, config.encryption(),
                config.spoolMemoryBytes(), crypto, gatewayKeys, keySources.learner(), cryptoMeters);
        try {
            for (ListenerConfig listener : config.listeners()) {
                SmtpSessionConfig session = new SmtpSessionConfig(listener.role(), listener.hostname(),
                        config.maxMessageBytes(), config.maxRecipients(), listener.localDomains(), listener.tls(),
                        listener.implicitTls(), listener.authWithoutTls(), 512, 1000,
                        listener.options().idleTimeoutOr(Duration.ofMinutes(5)), Duration.ofMinutes(3),
                        throttle.smtp(), ClientAddress::of);
                listeners.add(SmtpListener.bind(boss, workers, NioServerSocketChannel.class,
                        new InetSocketAddress(listener.host(), listener.port()), session,
                        SmtpClient.connector(listener.upstream().withOnConnect(UpstreamWatch.around(
                                listener.upstream().onConnect(), metrics.protocol(MailProtocol.SMTP))),
                                NioSocketChannel.class),
                        filter.forRole(listener.role()), SpillSpool.factory(config.spoolMemoryBytes()),
                        fronts.of(MailProtocol.SMTP, listener.name(), listener.options(), listener.implicitTls())));
                server.probeUpstream(MailProtocol.SMTP, listener.upstream().host(), listener.upstream().port(),
                        UpstreamProbe.smtp(workers, listener.upstream(), PROBE_TIMEOUT));
            }
            // IMAP and POP3 sessions of one user share the keys a login unlocked.
            UnlockingMailboxCrypto mailboxCrypto = config.imapListeners().isEmpty() && config.pop3Listeners().isEmpty()
                    ? null : new UnlockingMailboxCrypto(home, timedKeys, limits,
                            new MessageEncryptor(limits, config.encryption()), crypto, UNLOCKED_KEY_IDLE, cryptoMeters);
            if (!config.imapListeners().isEmpty()) {
                DecryptedMessages decrypted = new DecryptedMessages(DECRYPTED_CACHE_BYTES, Duration.ofMinutes(30));
                metrics.monitorDecryptCache(MailProtocol.IMAP, decrypted, DecryptedMessages::estimatedBytes,
                        DecryptedMessages::estimatedSize);
                for (ImapListenerConfig listener : config.imapListeners()) {
                    ImapSessionConfig session = new ImapSessionConfig(listener.hostname(), listener.tls(),
                            listener.implicitTls(), listener.loginWithoutTls(), 4096,
                            (int) Math.min(Integer.MAX_VALUE - (2 << 20), config.maxMessageBytes()),
                            listener.options().idleTimeoutOr(Duration.ofMinutes(30)),
                            listener.plaintextAppends(), listener.loginDomain(), throttle.imap());
                    listeners.add(ImapListener.bind(boss, workers, NioServerSocketChannel.class, NioSocketChannel.class,
                            new InetSocketAddress(listener.host(), listener.port()), session,
                            listener.upstream().withOnConnect(UpstreamWatch.around(listener.upstream().onConnect(),
                                    metrics.protocol(MailProtocol.IMAP))),
                            mailboxCrypto, decrypted, fronts.of(MailProtocol.IMAP, listener.name(), listener.options(),
                                    listener.implicitTls())));
                    server.probeUpstream(MailProtocol.IMAP, listener.upstream().host(),
                            listener.upstream().port(), UpstreamProbe.imap(workers, listener.upstream(), PROBE_TIMEOUT));
                }
            }
            if (!config.pop3Listeners().isEmpty()) {
                DecryptedMaildrop maildrops = new DecryptedMaildrop(DECRYPTED_CACHE_BYTES, Duration.ofMinutes(30),
                        1_000_000, Duration.ofDays(30));
                metrics.monitorDecryptCache(MailProtocol.POP3, maildrops, DecryptedMaildrop::estimatedBytes,
                        DecryptedMaildrop::estimatedMessages);
                MaildropCrypto maildropCrypto = mailboxCrypto.forPop3();
                for (Pop3ListenerConfig listener : config.pop3Listeners()) {
                    Pop3SessionConfig session = new Pop3SessionConfig(listener.hostname(), listener.tls(),
                            listener.implicitTls(), listener.loginWithoutTls(), 8192,
                            listener.options().idleTimeoutOr(Duration.ofMinutes(10)), listener.loginDomain(),
                            throttle.pop3());
                    listeners.add(Pop3Listener.bind(boss, workers, NioServerSocketChannel.class, NioSocketChannel.class,
                            new InetSocketAddress(listener.host(), listener.port()), session,
                            listener.upstream().withOnConnect(UpstreamWatch.around(listener.upstream().onConnect(),
                                    metrics.protocol(MailProtocol.POP3))),
                            maildropCrypto, maildrops, fronts.of(MailProtocol.POP3, listener.name(), listener.options(),
                                    listener.implicitTls())));
                    server.probeUpstream(MailProtocol.POP3, listener.upstream().host(),
                            listener.upstream().port(), UpstreamProbe.pop3(workers, listener.upstream(), PROBE_TIMEOUT));
                }
            }
            if (config.admin() != null) {
                server.admin = AdminServer.start(config.admin().address(), metrics, server.health);
            }
        } catch (IOException | RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        return server;
    }

    /**
     * What every accepted connection gets before its protocol's handlers: a place in the drained group and a
     * {@link ConnectionFront} (PROXY header, per-address limit, session meters and log lines).
     */
    private record Fronts(ConnectionLimitsConfig config, ConnectionLimits limits, MailsealMetrics metrics,
                          ChannelGroup sessions) {
        Fronts(ConnectionLimitsConfig config, MailsealMetrics metrics, ChannelGroup sessions) {
            this(config, new ConnectionLimits(config.perAddress()), metrics, sessions);
        }

        Consumer<SocketChannel> of(MailProtocol protocol, String listener, ListenerOptions options,
                                   boolean implicitTls) {
            ConnectionFront.Settings settings = new ConnectionFront.Settings(protocol.tag(), listener,
                    options.proxyProtocol(), options.proxyFrom(), implicitTls, tooMany(protocol),
                    config.proxyHeaderTimeout(), limits,
                    metrics.protocol(protocol));
            return channel -> {
                sessions.add(channel);
                settings.install(channel);
            };
        }

        /** Each protocol's own "too many connections from your address, come back later" (RFC 3206 for POP3). */
        private static String tooMany(MailProtocol protocol) {
            return switch (protocol) {
                case SMTP -> "421 4.7.0 Too many connections from your address, try again later\r\n";
                case IMAP -> "* BYE [UNAVAILABLE] Too many connections from your address\r\n";
                case POP3 -> "-ERR [SYS/TEMP] Too many connections from your address\r\n";
            };
        }
    }

    /**
     * The configured key sources in order, each behind its own cache (the key home alone by default). Each source's
     * lookups run on a bounded pool of its own: a hung directory holds its own threads, never another source's (the
     * key home's above all), the crypto workers' or an event loop's.
     * With an Autocrypt source, its store also learns from passing mail; whether an address is
     * pinned is asked of the key home itself, not of its cache or the chain, so a key the administrator put there is
     * never overridden by a learned one, whatever the order of the sources.
     */
    static KeySources keySources(KeySourcesConfig config, FileKeyHome home, Set<String> localDomains)
            throws IOException {
        List<KeySource> opened = new ArrayList<>();
        AutocryptStore autocrypt = null;
        int autocryptIndex = -1;
        try {
            for (KeySourcesConfig.Source source : config.sources()) {
                if (source instanceof KeySourcesConfig.Source.Home) {
                    opened.add(KeySource.of("home", home));
                } else if (source instanceof KeySourcesConfig.Source.Ldap ldap) {
                    try {
                        opened.add(LdapKeyDirectory.open(ldap.settings(), Clock.systemUTC()));
                    } catch (LDAPException | GeneralSecurityException e) {
                        throw new IOException("cannot set up the LDAP key source " + ldap.settings().urls() + ": "
                                + e.getMessage(), e);
                    }
                } else if (source instanceof KeySourcesConfig.Source.Wkd wkd) {
                    try {
                        opened.add(new WkdKeyDirectory(wkd.config()));
                    } catch (IllegalArgumentException e) {
                        throw new IOException("cannot set up the WKD key source: " + e.getMessage(), e);
                    }
                } else if (source instanceof KeySourcesConfig.Source.Autocrypt learned) {
                    autocrypt = AutocryptStore.open(home.root(), learned.config(), AutocryptStore.pinnedIn(home),
                            localDomains, Clock.systemUTC());
                    autocryptIndex = opened.size();
                    opened.add(KeySource.of("autocrypt", autocrypt));
                } else {
                    throw new IllegalStateException("no key source for " + source);
                }
            }
        } catch (IOException | RuntimeException e) {
            opened.forEach(KeySource::close);
            throw e;
        }
        KeySourceChain chain = chain(opened, config.cache(), MAX_KEY_LOOKUPS, Ticker.systemTicker());
        if (autocrypt != null) {
            // a key learned now is used now, not when the cache expires
            autocrypt.onChange(chain.sources().get(autocryptIndex)::forget);
        }
        return new KeySources(chain, autocrypt);
    }

    /**
     * Every domain a listener accepts mail for: our own users, whose keys are never learned from passing mail (a
     * From line is no proof of who sent it). All listeners' domains, inbound ones above all, as a superset is safer.
     */
    static Set<String> localDomains(MailsealConfig config) {
        Set<String> domains = new java.util.LinkedHashSet<>();
        for (ListenerConfig listener : config.listeners()) {
            listener.localDomains().forEach(d -> domains.add(d.toLowerCase(java.util.Locale.ROOT)));
        }
        return domains;
    }

    /**
     * The opened sources in order, each behind its own cache and its own pool of at most {@code lookupsPerSource}.
     * Names are made unique ({@code ldap ldap://x}, then {@code ldap ldap://x #2}): metrics and health checks are
     * registered under them, and two LDAP sources on the same servers (another base DN) would otherwise clash.
     */
    static KeySourceChain chain(List<KeySource> opened, KeyCacheSettings cache, int lookupsPerSource, Ticker ticker) {
        Set<String> names = new java.util.HashSet<>();
        List<CachedKeySource> cached = new ArrayList<>();
        for (KeySource source : opened) {
            String name = source.name();
            for (int n = 2; !names.add(name); n++) {
                name = source.name() + " #" + n;
            }
            cached.add(CachedKeySource.withOwnPool(name.equals(source.name()) ? source : renamed(source, name), cache,
                    lookupsPerSource, ticker));
        }
        return new KeySourceChain(cached);
    }

    private static KeySource renamed(KeySource source, String name) {
        return new KeySource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public List<org.mailseal.crypto.keys.RecipientKey> encryptionKeys(String address) {
                return source.encryptionKeys(address);
            }

            @Override
            public void probe() {
                source.probe();
            }

            @Override
            public void close() {
                source.close();
            }
        };
    }

    /** The chain, and the Autocrypt store that learns from passing mail (null when none is configured). */
    record KeySources(KeySourceChain chain, AutocryptLearner learner) {}

    /** The key sources, for their statistics and health. */
    public KeySourceChain keySources() {
        return keys;
    }

    /** One health check per upstream server, however many listeners share it. */
    private void probeUpstream(MailProtocol protocol, String host, int port, UpstreamProbe probe) {
        String name = "upstream:" + protocol.tag() + ":" + host + ":" + port;
        if (!health.has(name)) {
            health.register(name, probe);
        }
    }

    /** The meters, for handlers and key sources to register theirs in. */
    public MailsealMetrics metrics() {
        return metrics;
    }

    /** The health checks, for key sources to add theirs to. */
    public HealthChecks health() {
        return health;
    }

    /** Where the admin endpoint listens, when configured. */
    public Optional<InetSocketAddress> adminAddress() {
        return Optional.ofNullable(admin).map(AdminServer::address);
    }

    /** Where each listener actually listens (useful with port 0). */
    public List<InetSocketAddress> addresses() {
        return listeners.stream().map(c -> (InetSocketAddress) c.localAddress()).toList();
    }

    /** Open client sessions. */
    public int sessions() {
        return sessions.size();
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close();
        }
        health.close();
        for (Channel listener : listeners) {
            listener.close().syncUninterruptibly();
        }
        // Drain: sessions finish their transactions (or time out) before the workers stop.
        sessions.newCloseFuture().awaitUninterruptibly(drainTimeout.toMillis(), TimeUnit.MILLISECONDS);
        sessions.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        // A short quiet period lets the upstream connections that the closed sessions closed finish closing.
        workers.shutdownGracefully(100, 5_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
        boss.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
        crypto.shutdownNow();
        if (keys != null) {
            keys.close(); // directory connections and each source's lookup pool
        }
        gatewayKeys.forEach(UnlockedKey::close); // the gateway's private key leaves memory with the server
        if (gatewayToken != null) {
            gatewayToken.close(); // and the token session ends
        }
    }
}
