package io.dbtransfer.pipeline;

import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.MismatchRecord;
import io.dbtransfer.model.RowChange;

import org.apache.flink.api.connector.sink2.Sink;

import java.util.Objects;

/**
 * Every output the pipeline writes to: the change sink and the dead-letter table (always), and the
 * optional mismatch table and Kafka topics. {@link MigrationPipeline} wires them; tests swap in
 * collecting sinks.
 */
public final class PipelineSinks {
    public final Sink<RowChange> changes;
    public final Sink<DeadLetter> deadLetters;

    /** The Kafka dead-letter topic; {@code null}: none. */
    public final Sink<DeadLetter> deadLetterTopic;

    /** The mismatch table (needs reconciliation); {@code null}: none. */
    public final Sink<MismatchRecord> mismatches;

    /** The Kafka mismatch topic (needs reconciliation); {@code null}: none. */
    public final Sink<MismatchRecord> mismatchTopic;

    /** The Kafka changelog topic (every change the sink receives); {@code null}: none. */
    public final Sink<RowChange> changelogTopic;

    public PipelineSinks(Sink<RowChange> changes, Sink<DeadLetter> deadLetters) {
        this(changes, deadLetters, null, null, null, null);
    }

    private PipelineSinks(
            Sink<RowChange> changes,
            Sink<DeadLetter> deadLetters,
            Sink<DeadLetter> deadLetterTopic,
            Sink<MismatchRecord> mismatches,
            Sink<MismatchRecord> mismatchTopic,
            Sink<RowChange> changelogTopic) {
        this.changes = Objects.requireNonNull(changes, "changes");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.deadLetterTopic = deadLetterTopic;
        this.mismatches = mismatches;
        this.mismatchTopic = mismatchTopic;
        this.changelogTopic = changelogTopic;
    }

    /** These sinks plus a dead-letter topic ({@code null}: none). */
    public PipelineSinks withDeadLetterTopic(Sink<DeadLetter> topic) {
        return new PipelineSinks(
                changes, deadLetters, topic, mismatches, mismatchTopic, changelogTopic);
    }

    /** These sinks plus the mismatch table ({@code null}: none). */
    public PipelineSinks withMismatches(Sink<MismatchRecord> table) {
        return new PipelineSinks(
                changes, deadLetters, deadLetterTopic, table, mismatchTopic, changelogTopic);
    }

    /** These sinks plus a mismatch topic ({@code null}: none). */
    public PipelineSinks withMismatchTopic(Sink<MismatchRecord> topic) {
        return new PipelineSinks(
                changes, deadLetters, deadLetterTopic, mismatches, topic, changelogTopic);
    }

    /** These sinks plus a changelog topic ({@code null}: none). */
    public PipelineSinks withChangelogTopic(Sink<RowChange> topic) {
        return new PipelineSinks(
                changes, deadLetters, deadLetterTopic, mismatches, mismatchTopic, topic);
    }
}
