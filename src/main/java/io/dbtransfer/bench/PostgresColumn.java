package io.dbtransfer.bench;

/**
 * The benchmark's PostgreSQL column: PostgreSQL's own ceilings (multi-row INSERT and {@code COPY})
 * and the baseline job against PostgreSQL, measured in the same run as the MariaDB figures.
 */
record PostgresColumn(String server, Measurement insert, Measurement copy, JobRun.Result run) {}
