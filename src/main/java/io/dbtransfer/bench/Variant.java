package io.dbtransfer.bench;

/** One job configuration of the trade-off table. */
final class Variant {
    final String name;
    final String delivery;
    final int parallelism;
    final String checkpointInterval;
    final int batchSize;
    final boolean injectFailure;
    final boolean reconcile;

    Variant(
            String name,
            String delivery,
            int parallelism,
            String checkpointInterval,
            int batchSize,
            boolean injectFailure) {
        this(name, delivery, parallelism, checkpointInterval, batchSize, injectFailure, true);
    }

    Variant(
            String name,
            String delivery,
            int parallelism,
            String checkpointInterval,
            int batchSize,
            boolean injectFailure,
            boolean reconcile) {
        this.name = name;
        this.delivery = delivery;
        this.parallelism = parallelism;
        this.checkpointInterval = checkpointInterval;
        this.batchSize = batchSize;
        this.injectFailure = injectFailure;
        this.reconcile = reconcile;
    }
}
