package io.dbtransfer.model;

import java.util.regex.Pattern;

/** Removes secrets from connection strings before they reach a message or a log. */
public final class Redact {
    private static final Pattern USERINFO_PASSWORD = Pattern.compile("(://[^:/@]+:)[^@/]*@");
    private static final Pattern PASSWORD_PARAM =
            Pattern.compile("((?i)password|pwd|secret)=[^&;]*");

    private Redact() {}

    /** The URI with any password replaced by {@code ******}. */
    public static String uri(String uri) {
        if (uri == null) {
            return null;
        }
        String out = USERINFO_PASSWORD.matcher(uri).replaceAll("$1******@");
        return PASSWORD_PARAM.matcher(out).replaceAll("$1=******");
    }
}
