package io.dbtransfer.model;

import java.util.Locale;

/** Which kind of relational database the job writes to. */
public enum TargetType {
    /** MySQL 8 or MariaDB 10.6+ ({@code jdbc:mysql:} / {@code jdbc:mariadb:} URLs). */
    MYSQL,
    /** PostgreSQL 12+ ({@code jdbc:postgresql:} URLs). */
    POSTGRESQL;

    /** The setting's spelling: {@code mysql} or {@code postgresql}. */
    public String settingName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The target a JDBC URL names by its scheme.
     *
     * @throws IllegalArgumentException for any other scheme, naming the accepted ones
     */
    public static TargetType fromJdbcUrl(String url) {
        String u = url == null ? "" : url.trim().toLowerCase(Locale.ROOT);
        if (u.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        if (u.startsWith("jdbc:mysql:") || u.startsWith("jdbc:mariadb:")) {
            return MYSQL;
        }
        throw new IllegalArgumentException(
                "the target URL must start with jdbc:mysql://, jdbc:mariadb:// or"
                        + " jdbc:postgresql://; got '"
                        + Redact.uri(url == null ? "" : url)
                        + "'");
    }

    /**
     * Parses the setting ({@code mysql}, {@code mariadb}, {@code postgresql}, {@code postgres}; any
     * case).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static TargetType parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "mysql":
            case "mariadb":
                return MYSQL;
            case "postgresql":
            case "postgres":
                return POSTGRESQL;
            default:
                throw new IllegalArgumentException(
                        "'" + text + "' is not a target type; use mysql or postgresql");
        }
    }
}
