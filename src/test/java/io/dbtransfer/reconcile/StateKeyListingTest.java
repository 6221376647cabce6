package io.dbtransfer.reconcile;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** A sweep's state keys listed ahead: the same pages as one scan per page, for far fewer reads. */
class StateKeyListingTest {

    private static final int GROUPS = 64;

    /** Keys spread over key groups by a hash; listed grouped by key group, unordered within. */
    private final List<String> state = new ArrayList<>();

    /** Keys the "backend" handed out over all scans. */
    private final AtomicLong read = new AtomicLong();

    private static int group(String key) {
        return Math.floorMod(key.hashCode() * 31 + 7, GROUPS);
    }

    private void fill(int n, long seed) {
        Random random = new Random(seed);
        for (int i = 0; i < n; i++) {
            state.add("reviews\u0000\"R" + Long.toString(random.nextLong() >>> 1, 36) + "\"");
        }
        // As RocksDB lists them: by key group, in an order that is not the routing keys' order.
        Collections.shuffle(state, random);
        state.sort((a, b) -> Integer.compare(group(a), group(b)));
    }

    private List<Sweep.StateKey> scan(int keyGroup, String after, int n) {
        Iterator<String> all = state.iterator();
        Iterator<String> counting =
                new Iterator<>() {
                    @Override
                    public boolean hasNext() {
                        return all.hasNext();
                    }

                    @Override
                    public String next() {
                        read.incrementAndGet();
                        return all.next();
                    }
                };
        return StateKeyScan.page(counting, StateKeyListingTest::group, keyGroup, after, n);
    }

    /** Every page of a sweep's state phase, as {@link Sweep} asks for them. */
    private List<List<String>> sweep(StateKeyListing listing, int pageSize) throws Exception {
        List<List<String>> pages = new ArrayList<>();
        int keyGroup = -1;
        String after = null;
        while (true) {
            List<Sweep.StateKey> page =
                    listing == null
                            ? scan(keyGroup, after, pageSize)
                            : listing.page(keyGroup, after, pageSize, this::scan);
            List<String> keys = new ArrayList<>();
            page.forEach(k -> keys.add(k.routingKey));
            pages.add(keys);
            if (page.size() < pageSize) {
                return pages;
            }
            keyGroup = page.get(page.size() - 1).keyGroup;
            after = page.get(page.size() - 1).routingKey;
        }
    }

    @Test
    void handsOutTheSamePagesAsAScanPerPageAndReadsTheKeysAFewTimesInsteadOfOncePerPage()
            throws Exception {
        fill(20_000, 1);
        List<List<String>> perPage = sweep(null, 100);
        long readPerPage = read.getAndSet(0);

        StateKeyListing listing = new StateKeyListing(5_000);
        List<List<String>> listed = sweep(listing, 100);

        assertThat(listed).isEqualTo(perPage);
        assertThat(listed.stream().mapToInt(List::size).sum()).isEqualTo(20_000);
        // 201 pages; a scan per page reads on average half the keys (it stops after the page's
        // key groups). Listing 5,000 ahead scans 5 times: at most 5 × 20,000 keys.
        assertThat(listing.scans()).isEqualTo(5);
        assertThat(read.get()).isLessThanOrEqualTo(5 * 20_000L);
        assertThat(readPerPage).isGreaterThan(20 * read.get());
    }

    @Test
    void aNewSweepScansAgainAndSeesKeysAddedSinceTheLastOne() throws Exception {
        fill(1_000, 2);
        StateKeyListing listing = new StateKeyListing(10_000);
        assertThat(sweep(listing, 300).stream().mapToInt(List::size).sum()).isEqualTo(1_000);
        state.add("reviews\u0000\"added\"");
        state.sort((a, b) -> Integer.compare(group(a), group(b)));
        assertThat(sweep(listing, 300).stream().flatMap(List::stream))
                .contains("reviews\u0000\"added\"");
        assertThat(listing.scans()).isEqualTo(2);
    }

    @Test
    void aCursorThatDoesNotContinueTheLastPageScansFromThatCursor() throws Exception {
        fill(2_000, 3);
        StateKeyListing listing = new StateKeyListing(10_000);
        List<Sweep.StateKey> first = listing.page(-1, null, 10, this::scan);
        // A restored cursor elsewhere (here: the tenth key of the first page again).
        Sweep.StateKey at = first.get(4);
        List<Sweep.StateKey> resumed = listing.page(at.keyGroup, at.routingKey, 3, this::scan);
        assertThat(listing.scans()).isEqualTo(2);
        assertThat(resumed.get(0).routingKey).isEqualTo(first.get(5).routingKey);
        assertThat(resumed).hasSize(3);
    }

    @Test
    void aListingUsedUpBeforeTheEndScansOnFromItsLastKey() throws Exception {
        fill(1_000, 4);
        StateKeyListing listing = new StateKeyListing(250);
        List<List<String>> pages = sweep(listing, 100);
        List<String> all = new ArrayList<>();
        pages.forEach(all::addAll);
        assertThat(all).hasSize(1_000).doesNotHaveDuplicates();
        // 1,000 keys at 250 per scan: scans from keys 0, 200, 400, 600 (each leaves 50, less
        // than a page) and 800, which reaches the end.
        assertThat(listing.scans()).isEqualTo(5);
    }
}
