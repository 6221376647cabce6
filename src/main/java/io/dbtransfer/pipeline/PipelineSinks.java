package io.dbtransfer.pipeline;

import io.dbtransfer.normalize.DeadLetter;
import io.dbtransfer.normalize.RowChange;

import org.apache.flink.api.connector.sink2.Sink;

import java.util.Objects;

/** The sinks the pipeline writes to; tests swap in collecting sinks. */
public final class PipelineSinks {
    public final Sink<RowChange> changes;
    public final Sink<DeadLetter> deadLetters;

    public PipelineSinks(Sink<RowChange> changes, Sink<DeadLetter> deadLetters) {
        this.changes = Objects.requireNonNull(changes, "changes");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
    }
}
