package io.dbtransfer.outputs;

import org.apache.flink.connector.jdbc.JdbcConnectionOptions;

/** Connection options for the flink-connector-jdbc sinks of the side outputs. */
final class JdbcOutputs {

    private JdbcOutputs() {}

    /** Options for {@code JdbcSink} (dead letters, mismatches) at the target. */
    static JdbcConnectionOptions connection(String url, String username, String password) {
        JdbcConnectionOptions.JdbcConnectionOptionsBuilder conn =
                new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                        .withUrl(url)
                        .withDriverName(
                                url.startsWith("jdbc:postgresql:")
                                        ? "org.postgresql.Driver"
                                        : "com.mysql.cj.jdbc.Driver");
        if (username != null) {
            conn.withUsername(username);
        }
        if (password != null) {
            conn.withPassword(password);
        }
        return conn.build();
    }
}
