package io.dbtransfer.source;

import io.dbtransfer.connect.MongoConnections;
import io.dbtransfer.model.ConfigException;

import com.mongodb.AuthenticationMechanism;
import com.mongodb.ConnectionString;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A {@code mongo.uri} that names only the user gets its password from the environment. */
class MongoUriPasswordTest {

    @Test
    void passwordIsMergedIntoAUriWithOnlyAUser() {
        ConnectionString cs =
                MongoConnections.parse(
                        "mongodb://migrator@h1:27017,h2:27017/?replicaSet=rs0&authSource=shop",
                        "p@ss w:rd/+%");
        assertThat(cs.getUsername()).isEqualTo("migrator");
        assertThat(new String(cs.getPassword())).isEqualTo("p@ss w:rd/+%");
        assertThat(cs.getCredential().getSource()).isEqualTo("shop");
        assertThat(cs.getHosts()).containsExactly("h1:27017", "h2:27017");
        assertThat(cs.getRequiredReplicaSetName()).isEqualTo("rs0");

        ConnectionString srv =
                MongoConnections.parse("mongodb+srv://migrator@cluster.example.com/", "pw");
        assertThat(new String(srv.getPassword())).isEqualTo("pw");
    }

    @Test
    void aPasswordInTheUriIsKeptAndMechanismsWithoutPasswordsAreLeftAlone() {
        assertThat(new String(MongoConnections.parse("mongodb://u:inuri@h/", "env").getPassword()))
                .isEqualTo("inuri");
        ConnectionString x509 =
                MongoConnections.parse(
                        "mongodb://CN=client@h/?authMechanism=MONGODB-X509&tls=true", "env");
        assertThat(x509.getCredential().getAuthenticationMechanism())
                .isEqualTo(AuthenticationMechanism.MONGODB_X509);
        assertThat(x509.getPassword()).isNull();
    }

    @Test
    void aUserWithoutAnyPasswordNamesTheEnvironmentVariable() {
        assertThatThrownBy(() -> MongoConnections.parse("mongodb://migrator@h:1/", null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("mongo.uri")
                .hasMessageContaining("names the user 'migrator' but no password")
                .hasMessageContaining("DBTRANSFER_MONGO_PASSWORD");
    }
}
