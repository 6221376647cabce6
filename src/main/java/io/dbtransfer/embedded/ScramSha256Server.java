package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.exception.MongoServerError;
import io.netty.channel.Channel;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.text.Normalizer;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) for one user of the {@code admin} database,
 * run over {@code saslStart} / {@code saslContinue} as mongod runs it; remembers which connections
 * have authenticated. Not thread-safe: the backend calls it under its lock.
 *
 * <p>The password is prepared with Unicode NFKC, which is SASLprep for every password without
 * control or unassigned characters.
 */
final class ScramSha256Server {

    static final String MECHANISM = "SCRAM-SHA-256";

    /** The database the user is defined in (the driver's default {@code authSource}). */
    static final String USER_DATABASE = "admin";

    /** mongod's default {@code scramSHA256IterationCount}. */
    private static final int ITERATIONS = 15_000;

    private static final int AUTHENTICATION_FAILED = 18;
    private static final int UNAUTHORIZED = 13;
    private static final int MECHANISM_UNAVAILABLE = 334;
    private static final int PROTOCOL_ERROR = 17;

    /** Commands mongod answers before authentication (the handshake and the SASL exchange). */
    private static final Set<String> OPEN_COMMANDS =
            Set.of(
                    "hello",
                    "ismaster",
                    "saslstart",
                    "saslcontinue",
                    "ping",
                    "buildinfo",
                    "connectionstatus");

    private final String user;
    private final byte[] salt;
    private final byte[] storedKey;
    private final byte[] serverKey;
    private final SecureRandom random = new SecureRandom();
    private final Map<Channel, Conversation> conversations = new HashMap<>();
    private final Set<Channel> authenticated = Collections.newSetFromMap(new IdentityHashMap<>());
    private int nextConversationId = 1;

    ScramSha256Server(String user, String password) {
        if (user == null || user.isEmpty() || password == null || password.isEmpty()) {
            throw new IllegalArgumentException("the emulator's user and password must be set");
        }
        this.user = user;
        this.salt = new byte[28];
        random.nextBytes(salt);
        byte[] salted = saltedPassword(password, salt);
        byte[] clientKey = hmac(salted, "Client Key");
        this.storedKey = sha256(clientKey);
        this.serverKey = hmac(salted, "Server Key");
    }

    /**
     * Refuses a command on a connection that has not authenticated, as mongod does with access
     * control on: code 13 {@code Unauthorized}.
     */
    void checkAuthorized(Channel channel, String command) {
        if (channel == null || authenticated.contains(channel)) {
            return;
        }
        if (OPEN_COMMANDS.contains(command.toLowerCase(Locale.ROOT))) {
            return;
        }
        throw new MongoServerError(
                UNAUTHORIZED, "Unauthorized", "Command " + command + " requires authentication");
    }

    /** The user a connection authenticated as, or null (not authenticated, or no channel). */
    String authenticatedUser(Channel channel) {
        return channel != null && authenticated.contains(channel) ? user : null;
    }

    /** Adds {@code saslSupportedMechs} to a {@code hello} reply when the client asks for them. */
    void decorateHello(Document query, Document reply) {
        Object asked = query.get("saslSupportedMechs");
        if (asked instanceof String && asked.equals(USER_DATABASE + "." + user)) {
            reply.put("saslSupportedMechs", List.of(MECHANISM));
        }
    }

    /** Forgets a closed connection. */
    void closed(Channel channel) {
        conversations.remove(channel);
        authenticated.remove(channel);
    }

    /** {@code saslStart}: client-first message in, server-first message out. */
    Document saslStart(Channel channel, String database, Document query) {
        Object mechanism = query.get("mechanism");
        if (!MECHANISM.equals(mechanism)) {
            throw new MongoServerError(
                    MECHANISM_UNAVAILABLE,
                    "MechanismUnavailable",
                    "Received authentication for mechanism " + mechanism + " which is not enabled");
        }
        String clientFirst = payload(query);
        if (!clientFirst.startsWith("n,,")) {
            throw protocolError("client-first message must start with 'n,,' (no channel binding)");
        }
        String clientFirstBare = clientFirst.substring(3);
        Map<String, String> attributes = attributes(clientFirstBare);
        String name = attributes.get("n");
        String clientNonce = attributes.get("r");
        if (name == null || clientNonce == null || clientNonce.isEmpty()) {
            throw protocolError("client-first message lacks n= or r=");
        }
        name = name.replace("=2C", ",").replace("=3D", "=");
        if (!USER_DATABASE.equals(database) || !user.equals(name)) {
            throw authenticationFailed();
        }
        byte[] serverNonceBytes = new byte[24];
        random.nextBytes(serverNonceBytes);
        String nonce = clientNonce + Base64.getEncoder().encodeToString(serverNonceBytes);
        String serverFirst =
                "r="
                        + nonce
                        + ",s="
                        + Base64.getEncoder().encodeToString(salt)
                        + ",i="
                        + ITERATIONS;
        boolean skipEmptyExchange =
                query.get("options") instanceof Document
                        && Boolean.TRUE.equals(
                                ((Document) query.get("options")).get("skipEmptyExchange"));
        int id = nextConversationId++;
        conversations.put(
                channel,
                new Conversation(id, clientFirstBare, serverFirst, nonce, skipEmptyExchange));
        authenticated.remove(channel);
        return reply(id, false, serverFirst);
    }

    /**
     * {@code saslContinue}: the client-final message (proof checked, server signature out), then
     * the empty closing round unless the client asked to skip it.
     */
    Document saslContinue(Channel channel, Document query) {
        Conversation c = conversations.get(channel);
        Object id = query.get("conversationId");
        if (c == null || !(id instanceof Number) || ((Number) id).intValue() != c.id) {
            throw new MongoServerError(
                    PROTOCOL_ERROR, "ProtocolError", "No SASL session state found");
        }
        if (c.verified) {
            conversations.remove(channel);
            authenticated.add(channel);
            return reply(c.id, true, "");
        }
        String clientFinal = payload(query);
        int proofAt = clientFinal.lastIndexOf(",p=");
        if (proofAt < 0) {
            throw protocolError("client-final message lacks p=");
        }
        String withoutProof = clientFinal.substring(0, proofAt);
        Map<String, String> attributes = attributes(withoutProof);
        String gs2 = Base64.getEncoder().encodeToString("n,,".getBytes(StandardCharsets.UTF_8));
        if (!gs2.equals(attributes.get("c")) || !c.nonce.equals(attributes.get("r"))) {
            conversations.remove(channel);
            throw authenticationFailed();
        }
        byte[] proof;
        try {
            proof = Base64.getDecoder().decode(clientFinal.substring(proofAt + 3));
        } catch (IllegalArgumentException e) {
            conversations.remove(channel);
            throw authenticationFailed();
        }
        String authMessage = c.clientFirstBare + "," + c.serverFirst + "," + withoutProof;
        byte[] clientSignature = hmac(storedKey, authMessage);
        if (proof.length != clientSignature.length) {
            conversations.remove(channel);
            throw authenticationFailed();
        }
        byte[] clientKey = new byte[proof.length];
        for (int i = 0; i < proof.length; i++) {
            clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        }
        if (!MessageDigest.isEqual(sha256(clientKey), storedKey)) {
            conversations.remove(channel);
            throw authenticationFailed();
        }
        String serverFinal =
                "v=" + Base64.getEncoder().encodeToString(hmac(serverKey, authMessage));
        if (c.skipEmptyExchange) {
            conversations.remove(channel);
            authenticated.add(channel);
            return reply(c.id, true, serverFinal);
        }
        c.verified = true;
        return reply(c.id, false, serverFinal);
    }

    private static Document reply(int conversationId, boolean done, String payload) {
        return new Document("conversationId", conversationId)
                .append("done", done)
                .append("payload", new BinData(payload.getBytes(StandardCharsets.UTF_8)))
                .append("ok", 1.0);
    }

    private static String payload(Document query) {
        Object payload = query.get("payload");
        if (payload instanceof BinData) {
            return new String(((BinData) payload).getData(), StandardCharsets.UTF_8);
        }
        if (payload instanceof String) {
            return (String) payload;
        }
        throw protocolError("payload must be binary data");
    }

    /** {@code a=1,b=2} → {a: 1, b: 2}; values may contain '='. */
    private static Map<String, String> attributes(String message) {
        Map<String, String> result = new HashMap<>();
        for (String part : message.split(",")) {
            if (part.length() >= 2 && part.charAt(1) == '=') {
                result.putIfAbsent(part.substring(0, 1), part.substring(2));
            }
        }
        return result;
    }

    private static MongoServerError authenticationFailed() {
        return new MongoServerError(
                AUTHENTICATION_FAILED, "AuthenticationFailed", "Authentication failed.");
    }

    private static MongoServerError protocolError(String message) {
        return new MongoServerError(PROTOCOL_ERROR, "ProtocolError", "SCRAM: " + message);
    }

    private static byte[] saltedPassword(String password, byte[] salt) {
        char[] prepared = Normalizer.normalize(password, Normalizer.Form.NFKC).toCharArray();
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                    .generateSecret(new PBEKeySpec(prepared, salt, ITERATIONS, 256))
                    .getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        }
    }

    private static byte[] hmac(byte[] key, String message) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** One connection's SCRAM exchange between {@code saslStart} and the last round. */
    private static final class Conversation {
        final int id;
        final String clientFirstBare;
        final String serverFirst;
        final String nonce;
        final boolean skipEmptyExchange;
        boolean verified;

        Conversation(
                int id,
                String clientFirstBare,
                String serverFirst,
                String nonce,
                boolean skipEmptyExchange) {
            this.id = id;
            this.clientFirstBare = clientFirstBare;
            this.serverFirst = serverFirst;
            this.nonce = nonce;
            this.skipEmptyExchange = skipEmptyExchange;
        }
    }
}
