package io.dbtransfer.metrics;

import org.apache.flink.metrics.Counter;

/**
 * A second name for a counter during a metric rename: its own object reading the same count.
 * Registering one {@link Counter} object under two names would not do: Flink's metric query service
 * (what the REST API serves) keys metrics by object, so only the last name would be served.
 */
public final class AliasCounter implements Counter {
    private final Counter target;

    public AliasCounter(Counter target) {
        this.target = target;
    }

    @Override
    public void inc() {
        target.inc();
    }

    @Override
    public void inc(long n) {
        target.inc(n);
    }

    @Override
    public void dec() {
        target.dec();
    }

    @Override
    public void dec(long n) {
        target.dec(n);
    }

    @Override
    public long getCount() {
        return target.getCount();
    }
}
