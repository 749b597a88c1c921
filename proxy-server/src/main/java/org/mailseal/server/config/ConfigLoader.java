package org.mailseal.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.netty.channel.Channel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import org.mailseal.crypto.EncryptionOptions;
import org.mailseal.crypto.Format;
import org.mailseal.imap.ImapUpstreamConfig;
import org.mailseal.pop3.Pop3UpstreamConfig;
import org.mailseal.server.net.AuthThrottle;
import org.mailseal.server.net.Cidr;
import org.mailseal.server.net.ProxyHeaderSender;
import org.mailseal.server.policy.Policy;
import org.mailseal.smtp.SmtpSessionConfig;
import org.mailseal.smtp.UpstreamConfig;

/**
 * Reads the YAML configuration (see the README for every key). Collects every problem it finds, each with its
 * place ({@code listeners[0].upstream.port: ...}), instead of stopping at the first; unknown keys are problems too,
 * so a typo never silently leaves a default in place.
 */
public final class ConfigLoader {
    /** What a value in a SunPKCS11 configuration may hold inside its quotes. */
    private static final java.util.regex.Pattern SUNPKCS11_VALUE = java.util.regex.Pattern.compile("[^\"\\\\\\p{Cntrl}]+");
    private static final java.util.regex.Pattern DURATION = java.util.regex.Pattern.compile("(\\d{1,9})\\s*(ms|s|m|h|d)");
    private final List<String> problems = new ArrayList<>();
    private final Path base;

    private ConfigLoader(Path base) {
        this.base = base;
    }

    public static MailsealConfig load(Path file) throws ConfigException {
        JsonNode root = read(file);
        ConfigLoader loader = new ConfigLoader(file.toAbsolutePath().getParent());
        MailsealConfig config = loader.config(root, true);
        if (root.has("sync")) {
            // Checked for `run` and `config check` too, so that a mistake shows before the first sync.
            new SyncConfigReader(loader, file, config.maxMessageBytes(), config.keyHome()).read(root.get("sync"));
        }
        if (!loader.problems.isEmpty()) {
            throw new ConfigException(loader.problems);
        }
        return config;
    }

    /**
     * Loads the configuration of {@code mailseal sync}: its {@code sync:} section is required and listeners are
     * not (a file with only {@code sync:} is valid), but every other section present is checked as for {@link #load}.
     */
    public static SyncConfig loadSync(Path file) throws ConfigException {
        JsonNode root = read(file);
        ConfigLoader loader = new ConfigLoader(file.toAbsolutePath().getParent());
        MailsealConfig config = loader.config(root, false);
        SyncConfig sync = null;
        if (!root.has("sync")) {
            loader.problem("sync: missing (the stores and channels to synchronise; see the README)");
        } else {
            sync = new SyncConfigReader(loader, file, config.maxMessageBytes(), config.keyHome()).read(root.get("sync"));
        }
        if (!loader.problems.isEmpty()) {
            throw new ConfigException(loader.problems);
        }
        return sync;
    }

    private static JsonNode read(Path file) throws ConfigException {
        if (!Files.isReadable(file)) {
            throw new ConfigException(List.of(file + ": cannot read the configuration file"));
        }
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new ConfigException(List.of(file + ": not valid YAML: " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(List.of(file + ": " + e.getMessage()));
        }
        return root == null ? new ObjectMapper().createObjectNode() : root;
    }

    private MailsealConfig config(JsonNode root, boolean listenersRequired) {
        allowOnly(root, "", "keys", "policy", "headerProtection", "limits", "listeners", "sync", "admin");
        JsonNode keys = root.path("keys");
        allowOnly(keys, "keys", "home", "gateway", "cache", "sources");
        String homeText = keys.has("home") ? text(keys.get("home"), "keys.home") : null;
        Path home = homeText != null ? resolve(homeText) : defaultHome();
        MailsealConfig.GatewayKey gateway = gateway(keys.path("gateway"));
        KeySourcesConfig keySources = new KeySourcesReader(this).read(keys);
        Policy policy = policy(root.path("policy"));
        JsonNode protection = root.path("headerProtection");
        allowOnly(protection, "headerProtection", "enabled", "subject");
        boolean protect = bool(protection, "enabled", "headerProtection.enabled", true);
        String subject = protection.has("subject") ? text(protection.get("subject"), "headerProtection.subject") : "...";
        EncryptionOptions encryption = null;
        try {
            encryption = new EncryptionOptions(protect ? subject : null);
        } catch (IllegalArgumentException e) {
            problem("headerProtection.subject: " + e.getMessage());
        }
        JsonNode limits = root.path("limits");
        allowOnly(limits, "limits", "maxMessageBytes", "maxRecipients", "spoolMemoryBytes", "connectionsPerAddress",
                "proxyHeaderTimeout", "auth");
        long maxMessage = number(limits, "maxMessageBytes", "limits.maxMessageBytes", 25L << 20, 1024, 1L << 30);
        int maxRecipients = (int) number(limits, "maxRecipients", "limits.maxRecipients", 100, 1, 10_000);
        int spoolMemory = (int) number(limits, "spoolMemoryBytes", "limits.spoolMemoryBytes", 1 << 20, 4096, 1 << 30);
        ConnectionLimitsConfig connectionLimits = new ConnectionLimitsConfig(
                (int) number(limits, "connectionsPerAddress", "limits.connectionsPerAddress",
                        ConnectionLimitsConfig.DEFAULTS.perAddress(), 1, 100_000),
                duration(limits, "proxyHeaderTimeout", "limits.proxyHeaderTimeout",
                        ConnectionLimitsConfig.DEFAULTS.proxyHeaderTimeout(), Duration.ofSeconds(1), Duration.ofMinutes(5)),
                authThrottle(limits.path("auth")));
        List<ListenerConfig> listeners = new ArrayList<>();
        List<ImapListenerConfig> imapListeners = new ArrayList<>();
        List<Pop3ListenerConfig> pop3Listeners = new ArrayList<>();
        JsonNode list = root.path("listeners");
        if (!list.isArray() || list.isEmpty()) {
            if (listenersRequired || !list.isMissingNode()) {
                problem("listeners: at least one listener is needed");
            }
        } else {
            Set<String> endpoints = new LinkedHashSet<>();
            for (int i = 0; i < list.size(); i++) {
                if ("pop3".equalsIgnoreCase(list.get(i).path("role").asText())) {
                    Pop3ListenerConfig pop3 = pop3Listener(list.get(i), "listeners[" + i + "]", (int) maxMessage);
                    if (pop3 != null) {
                        if (!endpoints.add(pop3.host() + ":" + pop3.port())) {
                            problem("listeners[" + i + "].listen: " + pop3.host() + ":" + pop3.port() + " is used twice");
                        }
                        pop3Listeners.add(pop3);
                    }
                    continue;
                }
                if ("imap".equalsIgnoreCase(list.get(i).path("role").asText())) {
                    ImapListenerConfig imap = imapListener(list.get(i), "listeners[" + i + "]", (int) maxMessage);
                    if (imap != null) {
                        if (!endpoints.add(imap.host() + ":" + imap.port())) {
                            problem("listeners[" + i + "].listen: " + imap.host() + ":" + imap.port() + " is used twice");
                        }
                        imapListeners.add(imap);
                    }
                    continue;
                }
                ListenerConfig listener = listener(list.get(i), "listeners[" + i + "]");
                if (listener != null) {
                    if (!endpoints.add(listener.host() + ":" + listener.port())) {
                        problem("listeners[" + i + "].listen: " + listener.host() + ":" + listener.port() + " is used twice");
                    }
                    listeners.add(listener);
                }
            }
        }
        return new MailsealConfig(home, policy, encryption, maxMessage, maxRecipients, spoolMemory, listeners, gateway,
                imapListeners, pop3Listeners, keySources, connectionLimits, admin(root.path("admin")));
    }

    /** The admin endpoint: {@code admin: {listen: 127.0.0.1:9465}}; none when the section is absent. */
    private AdminConfig admin(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        allowOnly(node, "admin", "listen");
        String[] endpoint = endpoint(text(node.path("listen"), "admin.listen"), "admin.listen");
        return endpoint == null ? null : new AdminConfig(endpoint[0], Integer.parseInt(endpoint[1]));
    }

    private MailsealConfig.GatewayKey gateway(JsonNode node) {
        if (node.isMissingNode()) {
            return null;
        }
        allowOnly(node, "keys.gateway", "address", "passwordFile", "pkcs11");
        String address = text(node.path("address"), "keys.gateway.address");
        MailsealConfig.TokenKey token = node.has("pkcs11") ? tokenKey(node.get("pkcs11")) : null;
        char[] passphrase = null;
        if (node.has("passwordFile")) {
            passphrase = firstLine(text(node.get("passwordFile"), "keys.gateway.passwordFile"), "keys.gateway.passwordFile");
        } else if (!node.has("pkcs11")) {
            problem("keys.gateway: needs passwordFile (a key in the key home), pkcs11 (a key in a token) or both");
        }
        if (address == null || (passphrase == null && token == null)) {
            return null;
        }
        return new MailsealConfig.GatewayKey(address, passphrase, token);
    }

    /** The first line of a file, for a passphrase; null (and a problem) when there is none. */
    char[] firstLine(String file, String where) {
        Path path = existingFile(file, where);
        if (path == null) {
            return null;
        }
        try {
            String content = Files.readString(path, java.nio.charset.StandardCharsets.UTF_8);
            int end = content.indexOf('\n');
            String line = (end >= 0 ? content.substring(0, end) : content).replace("\r", "");
            if (line.isEmpty()) {
                problem(where + ": the first line is empty");
                return null;
            }
            return line.toCharArray();
        } catch (IOException e) {
            problem(where + ": " + e.getMessage());
            return null;
        }
    }

    /**
     * {@code keys.gateway.pkcs11}: the PKCS#11 library, one of slot / slotIndex, keyLabel, and one of pinFile /
     * pinEnv / pinPrompt. Only where the PIN is is checked here; the PIN is read at start-up.
     */
    private MailsealConfig.TokenKey tokenKey(JsonNode node) {
        String where = "keys.gateway.pkcs11";
        if (!node.isObject()) {
            problem(where + ": expected a map (library, slot or slotIndex, keyLabel, pinFile or pinEnv or pinPrompt)");
            return null;
        }
        allowOnly(node, where, "library", "slot", "slotIndex", "keyLabel", "pinFile", "pinEnv", "pinPrompt");
        Path library = existingFile(text(node.path("library"), where + ".library"), where + ".library");
        if (library != null && !SUNPKCS11_VALUE.matcher(library.toString()).matches()) {
            problem(where + ".library: the path " + library + " has a character SunPKCS11 cannot take (quote, backslash or control)");
            library = null;
        }
        Long slot = null;
        Integer slotIndex = null;
        if (node.has("slot") == node.has("slotIndex")) {
            problem(where + ": needs exactly one of slot (the slot ID) and slotIndex (the position in the slot list)");
        } else if (node.has("slot")) {
            slot = slotId(node.get("slot"), where + ".slot");
        } else {
            slotIndex = (int) number(node, "slotIndex", where + ".slotIndex", -1, 0, 1024);
            slotIndex = slotIndex < 0 ? null : slotIndex;
        }
        String keyLabel = text(node.path("keyLabel"), where + ".keyLabel");
        if (keyLabel != null && keyLabel.isEmpty()) {
            problem(where + ".keyLabel: empty");
            keyLabel = null;
        }
        int pinSources = (node.has("pinFile") ? 1 : 0) + (node.has("pinEnv") ? 1 : 0) + (node.has("pinPrompt") ? 1 : 0);
        MailsealConfig.PinSource pin = null;
        if (pinSources != 1) {
            problem(where + ": needs exactly one of pinFile, pinEnv and pinPrompt (found " + pinSources + ")");
        } else if (node.has("pinFile")) {
            Path file = existingFile(text(node.get("pinFile"), where + ".pinFile"), where + ".pinFile");
            pin = file == null ? null : new MailsealConfig.PinSource.File(file);
        } else if (node.has("pinEnv")) {
            String variable = text(node.get("pinEnv"), where + ".pinEnv");
            if (variable != null && !variable.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                problem(where + ".pinEnv: '" + variable + "' is not an environment variable name");
            } else if (variable != null && (System.getenv(variable) == null || System.getenv(variable).isEmpty())) {
                problem(where + ".pinEnv: the environment variable " + variable + " is not set");
            } else if (variable != null) {
                pin = new MailsealConfig.PinSource.Environment(variable);
            }
        } else if (!bool(node, "pinPrompt", where + ".pinPrompt", false)) {
            problem(where + ".pinPrompt: only true makes sense (use pinFile or pinEnv otherwise)");
        } else {
            pin = new MailsealConfig.PinSource.Prompt();
        }
        if (library == null || (slot == null && slotIndex == null) || keyLabel == null || pin == null) {
            return null;
        }
        return new MailsealConfig.TokenKey(library, slot, slotIndex, keyLabel, pin);
    }

    /** A PKCS#11 slot ID: a whole number, or hexadecimal as {@code pkcs11-tool --list-slots} shows it (0x72ac8e15). */
    private Long slotId(JsonNode node, String where) {
        if (node.isIntegralNumber() && node.canConvertToLong() && node.asLong() >= 0) {
            return node.asLong();
        }
        String text = node.isTextual() ? node.asText().trim() : "";
        try {
            if (text.startsWith("0x") || text.startsWith("0X")) {
                return Long.parseLong(text.substring(2), 16);
            }
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            problem(where + ": expected a slot ID (a whole number, or hexadecimal like 0x72ac8e15)");
            return null;
        }
    }

    private static Path defaultHome() {
        String fromEnvironment = System.getenv("MAILSEAL_HOME");
        return fromEnvironment != null && !fromEnvironment.isBlank() ? Path.of(fromEnvironment)
                : Path.of(System.getProperty("user.home"), ".mailseal");
    }

    private Policy policy(JsonNode node) {
        allowOnly(node, "policy", "default", "prefer", "domains", "addresses", "gateways");
        Format prefer = node.has("prefer") ? format(text(node.get("prefer"), "policy.prefer"), "policy.prefer") : null;
        Policy.Mode mode = node.has("default") ? mode(text(node.get("default"), "policy.default"), "policy.default")
                : Policy.Mode.OPPORTUNISTIC;
        Policy.Rule fallback = new Policy.Rule(mode == null ? Policy.Mode.OPPORTUNISTIC : mode, prefer);
        Map<String, String> gateways = new LinkedHashMap<>();
        JsonNode gatewayNode = node.path("gateways");
        if (!gatewayNode.isMissingNode() && !gatewayNode.isObject()) {
            problem("policy.gateways: expected a map of domain: gateway address");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = gatewayNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String address = text(entry.getValue(), "policy.gateways." + entry.getKey());
            if (address != null && !address.contains("@")) {
                problem("policy.gateways." + entry.getKey() + ": '" + address + "' is not an address");
            } else if (address != null) {
                gateways.put(entry.getKey(), address);
            }
        }
        return new Policy(fallback, rules(node.path("domains"), "policy.domains", prefer),
                rules(node.path("addresses"), "policy.addresses", prefer), gateways);
    }

    private Map<String, Policy.Rule> rules(JsonNode node, String where, Format prefer) {
        Map<String, Policy.Rule> rules = new LinkedHashMap<>();
        if (node.isMissingNode()) {
            return rules;
        }
        if (!node.isObject()) {
            problem(where + ": expected a map of name: mode");
            return rules;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String place = where + "." + entry.getKey();
            JsonNode value = entry.getValue();
            Policy.Mode mode;
            Format format = prefer;
            if (value.isTextual()) {
                mode = mode(value.asText(), place);
            } else {
                allowOnly(value, place, "mode", "prefer");
                mode = mode(text(value.path("mode"), place + ".mode"), place + ".mode");
                if (value.has("prefer")) {
                    format = format(text(value.get("prefer"), place + ".prefer"), place + ".prefer");
                }
            }
            if (mode != null) {
                rules.put(entry.getKey(), new Policy.Rule(mode, format));
            }
        }
        return rules;
    }

    private ListenerConfig listener(JsonNode node, String where) {
        allowOnly(node, where, "name", "role", "listen", "hostname", "tls", "authWithoutTls", "localDomains", "upstream",
                "proxyProtocol", "proxyProtocolFrom", "idleTimeout");
        String name = node.has("name") ? text(node.get("name"), where + ".name") : where;
        SmtpSessionConfig.Role role = role(text(node.path("role"), where + ".role"), where + ".role");
        String[] endpoint = endpoint(text(node.path("listen"), where + ".listen"), where + ".listen");
        String hostname = node.has("hostname") ? text(node.get("hostname"), where + ".hostname") : "localhost";
        JsonNode tlsNode = node.path("tls");
        SslContext tls = serverTls(tlsNode, where);
        boolean implicit = bool(tlsNode, "implicit", where + ".tls.implicit", false);
        boolean authWithoutTls = bool(node, "authWithoutTls", where + ".authWithoutTls", false);
        Set<String> localDomains = new LinkedHashSet<>();
        for (JsonNode domain : node.path("localDomains")) {
            localDomains.add(text(domain, where + ".localDomains").toLowerCase(Locale.ROOT));
        }
        if (role != null && role != SmtpSessionConfig.Role.SUBMISSION && localDomains.isEmpty()) {
            problem(where + ".localDomains: an inbound listener needs the domains it accepts mail for (no open relay)");
        }
        if (implicit && tls == null) {
            problem(where + ".tls.implicit: implicit TLS needs tls.certificate and tls.key");
        }
        UpstreamConfig upstream = upstream(node.path("upstream"), where + ".upstream", hostname,
                role == SmtpSessionConfig.Role.INBOUND_LMTP);
        ListenerOptions options = listenerOptions(node, where);
        if (role == null || endpoint == null || upstream == null) {
            return null;
        }
        return new ListenerConfig(name, role, endpoint[0], Integer.parseInt(endpoint[1]), hostname, tls, implicit,
                authWithoutTls, localDomains, upstream, options);
    }

    /** {@code limits.auth}: attempts, window, delay and maxDelay of authentication throttling. */
    private AuthThrottle.Settings authThrottle(JsonNode node) {
        allowOnly(node, "limits.auth", "attempts", "window", "delay", "maxDelay");
        AuthThrottle.Settings defaults = AuthThrottle.Settings.DEFAULTS;
        int attempts = (int) number(node, "attempts", "limits.auth.attempts", defaults.attempts(), 1, 10_000);
        Duration window = duration(node, "window", "limits.auth.window", defaults.window(), Duration.ofSeconds(1),
                Duration.ofDays(1));
        Duration delay = duration(node, "delay", "limits.auth.delay", defaults.delay(), Duration.ZERO,
                Duration.ofMinutes(1));
        Duration maxDelay = duration(node, "maxDelay", "limits.auth.maxDelay", defaults.maxDelay(), Duration.ZERO,
                Duration.ofMinutes(5));
        if (delay.compareTo(maxDelay) > 0) {
            problem("limits.auth.delay: " + delay.toMillis() + "ms is longer than maxDelay (" + maxDelay.toMillis()
                    + "ms)");
            return defaults;
        }
        return new AuthThrottle.Settings(attempts, window, delay, maxDelay);
    }

    /** {@code proxyProtocol} and {@code idleTimeout}, which every kind of listener has. */
    private ListenerOptions listenerOptions(JsonNode node, String where) {
        boolean proxy = bool(node, "proxyProtocol", where + ".proxyProtocol", false);
        List<Cidr> from = new ArrayList<>();
        JsonNode list = node.path("proxyProtocolFrom");
        if (!list.isMissingNode() && !list.isArray()) {
            problem(where + ".proxyProtocolFrom: expected a list of addresses or blocks like 10.0.0.0/8");
        }
        for (JsonNode entry : list) {
            String text = text(entry, where + ".proxyProtocolFrom");
            try {
                if (text != null) {
                    from.add(Cidr.parse(text));
                }
            } catch (IllegalArgumentException e) {
                problem(where + ".proxyProtocolFrom: " + e.getMessage());
            }
        }
        if (!from.isEmpty() && !proxy) {
            problem(where + ".proxyProtocolFrom: only with proxyProtocol: true");
        }
        return new ListenerOptions(proxy, from,
                duration(node, "idleTimeout", where + ".idleTimeout", null, Duration.ofSeconds(10), Duration.ofHours(2)));
    }

    private SslContext serverTls(JsonNode tlsNode, String where) {
        allowOnly(tlsNode, where + ".tls", "certificate", "key", "implicit");
        if (tlsNode.isMissingNode()) {
            return null;
        }
        Path certificate = existingFile(text(tlsNode.path("certificate"), where + ".tls.certificate"), where + ".tls.certificate");
        Path key = existingFile(text(tlsNode.path("key"), where + ".tls.key"), where + ".tls.key");
        if (certificate != null && key != null) {
            try {
                return SslContextBuilder.forServer(certificate.toFile(), key.toFile()).build();
            } catch (Exception e) {
                problem(where + ".tls: cannot load the certificate and key: " + e.getMessage());
            }
        }
        return null;
    }

    /** What IMAP and POP3 listeners have in common: where they listen, their TLS, and the server behind them. */
    private record ReadingListener(String name, String host, int port, String hostname, SslContext tls,
                                   boolean implicitTls, boolean loginWithoutTls, UpstreamConfig upstream,
                                   String loginDomain, ListenerOptions options) {}

    /**
     * The keys of a listener that clients read mail from (name, listen, hostname, tls, authWithoutTls, loginDomain,
     * upstream without lmtp), plus {@code more} keys of its own; null when a problem was found.
     */
    private ReadingListener readingListener(JsonNode node, String where, String protocol, String... more) {
        List<String> keys = new ArrayList<>(List.of("name", "role", "listen", "hostname", "tls", "authWithoutTls",
                "loginDomain", "upstream", "proxyProtocol", "proxyProtocolFrom", "idleTimeout"));
        keys.addAll(List.of(more));
        allowOnly(node, where, keys.toArray(String[]::new));
        String name = node.has("name") ? text(node.get("name"), where + ".name") : where;
        String[] endpoint = endpoint(text(node.path("listen"), where + ".listen"), where + ".listen");
        String hostname = node.has("hostname") ? text(node.get("hostname"), where + ".hostname") : "localhost";
        SslContext tls = serverTls(node.path("tls"), where);
        boolean implicit = bool(node.path("tls"), "implicit", where + ".tls.implicit", false);
        if (implicit && tls == null) {
            problem(where + ".tls.implicit: implicit TLS needs tls.certificate and tls.key");
        }
        boolean loginWithoutTls = bool(node, "authWithoutTls", where + ".authWithoutTls", false);
        if (node.path("upstream").has("lmtp")) {
            problem(where + ".upstream.lmtp: " + (protocol.equals("IMAP") ? "an " : "a ") + protocol
                    + " listener's upstream is " + (protocol.equals("IMAP") ? "an " : "a ") + protocol + " server");
        }
        UpstreamConfig upstream = upstream(node.path("upstream"), where + ".upstream", hostname, false);
        String loginDomain = node.has("loginDomain") ? text(node.get("loginDomain"), where + ".loginDomain") : null;
        if (loginDomain != null && !loginDomain.matches("[A-Za-z0-9.-]+")) {
            problem(where + ".loginDomain: '" + loginDomain + "' is not a domain name");
        }
        if (endpoint == null || upstream == null) {
            return null;
        }
        return new ReadingListener(name, endpoint[0], Integer.parseInt(endpoint[1]), hostname, tls, implicit,
                loginWithoutTls, upstream, loginDomain, listenerOptions(node, where));
    }

    /** An IMAP listener: the same keys as an SMTP one, without localDomains; its upstream is an IMAP server. */
    private ImapListenerConfig imapListener(JsonNode node, String where, int maxMessageBytes) {
        ReadingListener common = readingListener(node, where, "IMAP", "appendPlaintext");
        Set<String> plaintextAppends = new LinkedHashSet<>();
        for (JsonNode mailbox : node.path("appendPlaintext")) {
            String text = text(mailbox, where + ".appendPlaintext");
            if (text != null) {
                plaintextAppends.add(text);
            }
        }
        if (common == null) {
            return null;
        }
        UpstreamConfig upstream = common.upstream();
        ImapUpstreamConfig imap = new ImapUpstreamConfig(upstream.host(), upstream.port(),
                ImapUpstreamConfig.TlsMode.valueOf(upstream.tls().name()), upstream.sslContext(),
                upstream.allowPlaintextAuth(), maxMessageBytes + (1 << 20), upstream.connectTimeout(),
                upstream.commandTimeout(), upstream.onConnect());
        return new ImapListenerConfig(common.name(), common.host(), common.port(), common.hostname(), common.tls(),
                common.implicitTls(), common.loginWithoutTls(), imap, plaintextAppends, common.loginDomain(),
                common.options());
    }

    /**
     * A POP3 listener: the keys of an IMAP one but appendPlaintext; its upstream is a POP3 server, whose "starttls"
     * is STLS (RFC 2595).
     */
    private Pop3ListenerConfig pop3Listener(JsonNode node, String where, int maxMessageBytes) {
        ReadingListener common = readingListener(node, where, "POP3");
        if (common == null) {
            return null;
        }
        UpstreamConfig upstream = common.upstream();
        Pop3UpstreamConfig.TlsMode mode = switch (upstream.tls()) {
            case NONE -> Pop3UpstreamConfig.TlsMode.NONE;
            case STARTTLS -> Pop3UpstreamConfig.TlsMode.STLS;
            case IMPLICIT -> Pop3UpstreamConfig.TlsMode.IMPLICIT;
        };
        // The largest response taken from the server: a message as stored (larger than the plaintext when
        // encrypted) with its dot-stuffing.
        Pop3UpstreamConfig pop3 = new Pop3UpstreamConfig(upstream.host(), upstream.port(), mode, upstream.sslContext(),
                upstream.allowPlaintextAuth(), (int) Math.min(Integer.MAX_VALUE - 8, 2L * maxMessageBytes + (1 << 20)),
                upstream.connectTimeout(), upstream.commandTimeout(), upstream.onConnect());
        return new Pop3ListenerConfig(common.name(), common.host(), common.port(), common.hostname(), common.tls(),
                common.implicitTls(), common.loginWithoutTls(), pop3, common.loginDomain(), common.options());
    }

    private UpstreamConfig upstream(JsonNode node, String where, String heloName, boolean lmtpListener) {
        allowOnly(node, where, "host", "port", "tls", "trust", "insecure", "lmtp", "allowPlaintextAuth", "proxyProtocol");
        if (node.isMissingNode()) {
            problem(where + ": missing (host and port of the real mail server)");
            return null;
        }
        String host = text(node.path("host"), where + ".host");
        int port = (int) number(node, "port", where + ".port", -1, 1, 65535);
        String mode = node.has("tls") ? text(node.get("tls"), where + ".tls").toLowerCase(Locale.ROOT) : "none";
        UpstreamConfig.TlsMode tlsMode = switch (mode) {
            case "none" -> UpstreamConfig.TlsMode.NONE;
            case "starttls" -> UpstreamConfig.TlsMode.STARTTLS;
            case "implicit" -> UpstreamConfig.TlsMode.IMPLICIT;
            default -> {
                problem(where + ".tls: '" + mode + "' is not one of none, starttls, implicit");
                yield null;
            }
        };
        SslContext context = tlsMode != null && tlsMode != UpstreamConfig.TlsMode.NONE ? clientTls(node, where) : null;
        boolean lmtp = bool(node, "lmtp", where + ".lmtp", false);
        boolean plaintextAuth = bool(node, "allowPlaintextAuth", where + ".allowPlaintextAuth", false);
        String proxy = node.has("proxyProtocol")
                ? text(node.get("proxyProtocol"), where + ".proxyProtocol").toLowerCase(Locale.ROOT) : "none";
        BiConsumer<Channel, SocketChannel> onConnect = switch (proxy) {
            case "none" -> null;
            case "v1" -> ProxyHeaderSender.hook(HAProxyProtocolVersion.V1);
            case "v2" -> ProxyHeaderSender.hook(HAProxyProtocolVersion.V2);
            default -> {
                problem(where + ".proxyProtocol: '" + proxy + "' is not one of none, v1, v2");
                yield null;
            }
        };
        if (host == null || port < 0 || tlsMode == null || (tlsMode != UpstreamConfig.TlsMode.NONE && context == null)) {
            return null;
        }
        return new UpstreamConfig(host, port, tlsMode, context, lmtp || lmtpListener, heloName, plaintextAuth,
                Duration.ofSeconds(30), Duration.ofMinutes(5), Duration.ofMinutes(10), onConnect);
    }

    /**
     * The client TLS context of a link to a mail server, from the {@code trust} (a PEM file of trusted
     * certificates; default: the JDK's) and {@code insecure} (trust anything: explicit only) keys of {@code node}.
     * The connection checks the host name against the certificate (RFC 6125). Null when a problem was recorded.
     */
    SslContext clientTls(JsonNode node, String where) {
        boolean insecure = bool(node, "insecure", where + ".insecure", false);
        try {
            SslContextBuilder builder = SslContextBuilder.forClient();
            if (insecure) {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE); // only by explicit configuration
            } else if (node.has("trust")) {
                Path trust = existingFile(text(node.get("trust"), where + ".trust"), where + ".trust");
                if (trust == null) {
                    return null;
                }
                builder.trustManager(trust.toFile());
            }
            return builder.build();
        } catch (Exception e) {
            problem(where + ".trust: cannot load the trusted certificates: " + e.getMessage());
            return null;
        }
    }

    // ------------------------------------------------------------------ small readers that record problems

    void allowOnly(JsonNode node, String where, String... keys) {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            problem((where.isEmpty() ? "the top level" : where) + ": expected a map");
            return;
        }
        Set<String> allowed = Set.of(keys);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                problem((where.isEmpty() ? "" : where + ".") + key + ": unknown key (expected one of "
                        + String.join(", ", keys) + ")");
            }
        }
    }

    /**
     * The duration under {@code key}, as {@link #duration(JsonNode, String, Duration, Duration)} reads it;
     * {@code fallback} when absent or wrong (a problem is recorded then).
     */
    Duration duration(JsonNode parent, String key, String where, Duration fallback, Duration min, Duration max) {
        if (!parent.has(key)) {
            return fallback;
        }
        Duration value = duration(parent.get(key), where, min, max);
        return value != null ? value : fallback;
    }

    String text(JsonNode node, String where) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            problem(where + ": missing");
            return null;
        }
        if (!node.isValueNode()) {
            problem(where + ": expected a single value");
            return null;
        }
        return node.asText();
    }

    boolean bool(JsonNode parent, String key, String where, boolean fallback) {
        JsonNode node = parent.path(key);
        if (node.isMissingNode()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            problem(where + ": expected true or false");
            return fallback;
        }
        return node.asBoolean();
    }

    long number(JsonNode parent, String key, String where, long fallback, long min, long max) {
        JsonNode node = parent.path(key);
        if (node.isMissingNode()) {
            if (fallback < 0) {
                problem(where + ": missing");
            }
            return fallback;
        }
        if (!node.canConvertToLong() || !node.isIntegralNumber()) {
            problem(where + ": expected a whole number");
            return fallback;
        }
        long value = node.asLong();
        if (value < min || value > max) {
            problem(where + ": " + value + " is out of range (" + min + " to " + max + ")");
            return fallback < 0 ? -1 : fallback;
        }
        return value;
    }

    /**
     * A duration such as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or {@code 7d}, within [min, max]; null
     * (and a problem) otherwise.
     */
    Duration duration(JsonNode node, String where, Duration min, Duration max) {
        String text = text(node, where);
        if (text == null) {
            return null;
        }
        java.util.regex.Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            problem(where + ": '" + text + "' is not a duration like 30s, 5m or 1h");
            return null;
        }
        long amount = Long.parseLong(m.group(1));
        Duration value = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
        if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            problem(where + ": " + text + " is out of range (" + humane(min) + " to " + humane(max) + ")");
            return null;
        }
        return value;
    }

    private static String humane(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        return s % 86400 == 0 && s >= 86400 * 2 ? s / 86400 + "d" : s % 3600 == 0 ? s / 3600 + "h"
                : s % 60 == 0 ? s / 60 + "m" : s + "s";
    }

    private String[] endpoint(String text, String where) {
        if (text == null) {
            return null;
        }
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            problem(where + ": expected host:port, got '" + text + "'");
            return null;
        }
        String host = text.substring(0, colon).replace("[", "").replace("]", "");
        try {
            int port = Integer.parseInt(text.substring(colon + 1));
            if (port < 1 || port > 65535) {
                problem(where + ": port " + port + " is out of range (1 to 65535)");
                return null;
            }
            return new String[] {host, String.valueOf(port)};
        } catch (NumberFormatException e) {
            problem(where + ": '" + text.substring(colon + 1) + "' is not a port number");
            return null;
        }
    }

    Path existingFile(String text, String where) {
        if (text == null) {
            return null;
        }
        Path path = resolve(text);
        if (!Files.isReadable(path)) {
            problem(where + ": file " + path + " does not exist or cannot be read");
            return null;
        }
        return path;
    }

    Path resolve(String text) {
        Path path = Path.of(text);
        return path.isAbsolute() ? path : base.resolve(path);
    }

    private Policy.Mode mode(String text, String where) {
        if (text == null) {
            return null;
        }
        try {
            return Policy.Mode.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            problem(where + ": '" + text + "' is not one of require, opportunistic, never");
            return null;
        }
    }

    private Format format(String text, String where) {
        if (text == null) {
            return null;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "pgp", "openpgp" -> Format.PGP_MIME;
            case "smime", "s/mime" -> Format.SMIME;
            default -> {
                problem(where + ": '" + text + "' is not one of pgp, smime");
                yield null;
            }
        };
    }

    private SmtpSessionConfig.Role role(String text, String where) {
        if (text == null) {
            return null;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "submission" -> SmtpSessionConfig.Role.SUBMISSION;
            case "inbound", "smtp" -> SmtpSessionConfig.Role.INBOUND_SMTP;
            case "lmtp" -> SmtpSessionConfig.Role.INBOUND_LMTP;
            default -> {
                problem(where + ": '" + text + "' is not one of submission, inbound, lmtp, imap, pop3");
                yield null;
            }
        };
    }

    void problem(String text) {
        problems.add(text);
    }
}
