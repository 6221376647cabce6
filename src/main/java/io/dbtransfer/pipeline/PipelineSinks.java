package io.dbtransfer.pipeline;

import io.dbtransfer.model.DeadLetter;
import io.dbtransfer.model.RowChange;

import org.apache.flink.api.connector.sink2.Sink;

import java.util.Objects;

/** The sinks the pipeline writes to; tests swap in collecting sinks. */
public final class PipelineSinks {
    public final Sink<RowChange> changes;
    public final Sink<DeadLetter> deadLetters;

    /** A second, optional dead-letter output (the Kafka dead-letter topic); {@code null}: none. */
    public final Sink<DeadLetter> deadLetterTopic;

    public PipelineSinks(Sink<RowChange> changes, Sink<DeadLetter> deadLetters) {
        this(changes, deadLetters, null);
    }

    private PipelineSinks(
            Sink<RowChange> changes, Sink<DeadLetter> deadLetters, Sink<DeadLetter> topic) {
        this.changes = Objects.requireNonNull(changes, "changes");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.deadLetterTopic = topic;
    }

    /** These sinks plus a dead-letter topic sink. */
    public PipelineSinks withDeadLetterTopic(Sink<DeadLetter> topic) {
        return new PipelineSinks(changes, deadLetters, Objects.requireNonNull(topic, "topic"));
    }
}
