package io.dbtransfer;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The package rules of the README's "Where things are": a Flink-free core, no cycles between
 * packages, and one place that builds the job graph.
 */
@AnalyzeClasses(packages = "io.dbtransfer", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** The pure core: rules, formats and checks that must run and be tested without Flink. */
    static final String[] CORE = {
        "io.dbtransfer.model..",
        "io.dbtransfer.mapping..",
        "io.dbtransfer.normalize..",
        "io.dbtransfer.hashing..",
        "io.dbtransfer.dialect..",
        "io.dbtransfer.connect..",
        "io.dbtransfer.verify.."
    };

    @ArchTest
    static final ArchRule coreHasNoFlink =
            noClasses()
                    .that()
                    .resideInAnyPackage(CORE)
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage("org.apache.flink..")
                    .because("the core is tested in milliseconds, without a MiniCluster");

    @ArchTest
    static final ArchRule coreDependsOnlyOnCore =
            noClasses()
                    .that()
                    .resideInAnyPackage(CORE)
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(
                            "io.dbtransfer.config..",
                            "io.dbtransfer.source..",
                            "io.dbtransfer.pipeline..",
                            "io.dbtransfer.reconcile..",
                            "io.dbtransfer.sink..",
                            "io.dbtransfer.outputs..",
                            "io.dbtransfer.cli..",
                            "io.dbtransfer.bench..",
                            "io.dbtransfer.workload..",
                            "io.dbtransfer.embedded..")
                    .because("the core sits below everything that runs it");

    @ArchTest
    static final ArchRule noPackageCycles =
            slices().matching("io.dbtransfer.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule onlyThePipelineBuildsTheGraph =
            noClasses()
                    .that()
                    .resideOutsideOfPackages("io.dbtransfer.pipeline..", "io.dbtransfer.bench..")
                    .and()
                    .doNotHaveFullyQualifiedName("io.dbtransfer.reverse.ReverseJob")
                    .should()
                    .callMethodWhere(
                            com.tngtech.archunit.base.DescribedPredicate.describe(
                                    "a DataStream method that adds to the graph",
                                    call ->
                                            call.getTarget()
                                                    .getOwner()
                                                    .getPackageName()
                                                    .equals(
                                                            "org.apache.flink.streaming.api.datastream")))
                    .because(
                            "the job is wired in one place, MigrationPipeline.define (benchmarks"
                                    + " build small graphs around one operator of it); the"
                                    + " reverse job in ReverseJob.define");
}
