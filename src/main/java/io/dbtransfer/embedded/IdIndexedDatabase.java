package io.dbtransfer.embedded;

import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.memory.MemoryCollection;
import de.bwaldvogel.mongo.backend.memory.MemoryDatabase;

import java.util.concurrent.atomic.LongAdder;

/** mongo-java-server's in-memory database whose collections keep an ordered {@code _id} index. */
final class IdIndexedDatabase extends MemoryDatabase {

    /** Null while the superclass constructor opens the system collections. */
    private final LongAdder examined;

    IdIndexedDatabase(String databaseName, CursorRegistry cursorRegistry, LongAdder examined) {
        super(databaseName, cursorRegistry);
        this.examined = examined;
    }

    @Override
    protected MemoryCollection openOrCreateCollection(
            String collectionName, CollectionOptions options) {
        return new IdIndexedCollection(this, collectionName, options, cursorRegistry, examined);
    }
}
