package io.dbtransfer.benchmarks;

import io.dbtransfer.config.JobConfig;
import io.dbtransfer.mapping.CanonicalValues;
import io.dbtransfer.mapping.Mapping;
import io.dbtransfer.normalize.DocumentNormalizer;
import io.dbtransfer.model.MismatchPolicy;
import io.dbtransfer.model.NormalizeResult;
import io.dbtransfer.model.ChangeRecord;
import io.dbtransfer.workload.ReviewDocuments;

import org.bson.BsonDocument;
import org.bson.Document;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Documents per second of {@link DocumentNormalizer} on one thread, for Amazon-review documents
 * under the demo's mapping (typed columns, {@code _extra}, comments and images child tables).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class NormalizerBenchmark {

    private static final int DOCUMENTS = 10_000;

    private final List<ChangeRecord> records = new ArrayList<>();
    private DocumentNormalizer normalizer;
    private int next;

    @Setup
    public void setUp() {
        Mapping mapping =
                JobConfig.parseMapping(new Yaml().load(ReviewDocuments.mappingYaml("reviews")));
        normalizer = new DocumentNormalizer(mapping, MismatchPolicy.NULL_AND_KEEP_IN_EXTRA);
        Random random = new Random(1);
        ReviewDocuments generator = new ReviewDocuments(1);
        for (int i = 0; i < DOCUMENTS; i++) {
            Document d = generator.next();
            // Like documents after some live changes: a few comments and images.
            List<Document> comments = new ArrayList<>();
            for (int c = random.nextInt(4); c > 0; c--) {
                comments.add(
                        new Document("user", "u" + random.nextInt(1000))
                                .append("text", "Thanks, very helpful")
                                .append("at", new Date(1_600_000_000_000L + random.nextInt())));
            }
            d.put("comments", comments);
            BsonDocument bson = d.toBsonDocument();
            records.add(
                    ChangeRecord.upsert(
                            "reviews",
                            CanonicalValues.canonicalJson(bson.get("_id")),
                            bson.toJson(CanonicalValues.CANONICAL),
                            i));
        }
    }

    /** One document → rows (parse, map, child rows, extra JSON). */
    @Benchmark
    public NormalizeResult normalize() {
        ChangeRecord r = records.get(next);
        next = next + 1 == DOCUMENTS ? 0 : next + 1;
        return normalizer.normalize(r, 0L);
    }
}
