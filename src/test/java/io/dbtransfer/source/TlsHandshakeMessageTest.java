package io.dbtransfer.source;

import com.mongodb.MongoSocketWriteException;
import com.mongodb.ServerAddress;
import com.mongodb.connection.ClusterConnectionMode;
import com.mongodb.connection.ClusterDescription;
import com.mongodb.connection.ClusterType;
import com.mongodb.connection.ServerConnectionState;
import com.mongodb.connection.ServerDescription;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLHandshakeException;

import java.security.cert.CertificateException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The message for a failed TLS handshake with MongoDB names the case, the trust store and the fix.
 */
class TlsHandshakeMessageTest {

    private static final String SHOWN = "mongodb://h:27017/?tls=true";

    private static ClusterDescription clusterFailedWith(Throwable t) {
        return new ClusterDescription(
                ClusterConnectionMode.SINGLE,
                ClusterType.UNKNOWN,
                List.of(
                        ServerDescription.builder()
                                .address(new ServerAddress("h", 27017))
                                .state(ServerConnectionState.CONNECTING)
                                .exception(t)
                                .build()));
    }

    @Test
    void theTlsErrorIsFoundInTheCauseChainOfAServerAndOnlyThere() {
        SSLHandshakeException tls = new SSLHandshakeException("PKIX path building failed");
        Throwable wrapped =
                new MongoSocketWriteException(
                        "Exception sending message", new ServerAddress("h", 27017), tls);
        assertThat(SourceProbe.tlsFailure(clusterFailedWith(wrapped))).isSameAs(tls);
        assertThat(
                        SourceProbe.tlsFailure(
                                clusterFailedWith(new java.net.ConnectException("refused"))))
                .isNull();
    }

    @Test
    void anUntrustedCertificateNamesTheTrustStoreAndWhereToSetIt() {
        SSLHandshakeException e =
                new SSLHandshakeException(
                        "PKIX path building failed: unable to find valid certification path to"
                                + " requested target");
        assertThat(SourceProbe.tlsHandshakeFailed(SHOWN, e))
                .startsWith("mongo.uri: the TLS handshake with MongoDB at " + SHOWN + " failed")
                .contains("not signed by a trusted CA")
                .contains("javax.net.ssl.trustStore")
                .contains("keytool -importcert")
                .contains("env.java.opts.all")
                .contains("DBTRANSFER_JAVA_OPTS");
    }

    @Test
    void aHostNameTheCertificateDoesNotListIsNamedAsSuch() {
        SSLHandshakeException e = new SSLHandshakeException("No subject alternative names present");
        e.initCause(new CertificateException("No subject alternative DNS name matching h found."));
        assertThat(SourceProbe.tlsHandshakeFailed(SHOWN, e))
                .contains("does not list the host name of mongo.uri")
                .doesNotContain("not signed by a trusted CA");
    }

    @Test
    void anyOtherTlsFailureAsksWhetherTheServerOffersTls() {
        SSLHandshakeException e = new SSLHandshakeException("Remote host terminated the handshake");
        assertThat(SourceProbe.tlsHandshakeFailed(SHOWN, e))
                .contains("Check that the server offers TLS on this port")
                .contains("javax.net.ssl.trustStore");
    }
}
