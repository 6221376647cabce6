package io.dbtransfer.reconcile;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

import static org.assertj.core.api.Assertions.assertThat;

/** A sweep's page of state keys: the n smallest after the cursor, however the keys are listed. */
class StateKeyScanTest {

    /** Key group of a test key: its first character's digit ("3b" is in group 3). */
    private static int group(String key) {
        return key.charAt(0) - '0';
    }

    private static List<String> page(List<String> keys, int keyGroup, String after, int n) {
        List<String> out = new ArrayList<>();
        for (Sweep.StateKey k :
                StateKeyScan.page(keys.iterator(), StateKeyScanTest::group, keyGroup, after, n)) {
            assertThat(k.keyGroup).isEqualTo(group(k.routingKey));
            assertThat(k.state).isNull();
            out.add(k.routingKey);
        }
        return out;
    }

    @Test
    void theSmallestKeysInKeyGroupThenKeyOrder() {
        List<String> keys = List.of("2b", "1z", "2a", "3a", "1a");
        assertThat(page(keys, -1, null, 3)).containsExactly("1a", "1z", "2a");
        assertThat(page(keys, -1, null, 10)).containsExactly("1a", "1z", "2a", "2b", "3a");
    }

    @Test
    void continuesAfterTheCursor() {
        List<String> keys = List.of("1a", "1z", "2a", "2b", "3a");
        assertThat(page(keys, 1, "1z", 2)).containsExactly("2a", "2b");
        assertThat(page(keys, 2, "2a", 5)).containsExactly("2b", "3a");
        assertThat(page(keys, 2, null, 5)).containsExactly("2a", "2b", "3a");
        assertThat(page(keys, 3, "3a", 5)).isEmpty();
    }

    @Test
    void keysListedByKeyGroupAreReadOnlyUntilTheHeapIsFullAndALaterGroupBegins() {
        List<String> listed = List.of("1a", "1b", "2a", "2b", "3a", "4a");
        List<String> read = new ArrayList<>();
        Iterator<String> it =
                new Iterator<>() {
                    int i;

                    @Override
                    public boolean hasNext() {
                        return i < listed.size();
                    }

                    @Override
                    public String next() {
                        if (!hasNext()) {
                            throw new NoSuchElementException();
                        }
                        read.add(listed.get(i));
                        return listed.get(i++);
                    }
                };
        List<String> out = new ArrayList<>();
        for (Sweep.StateKey k : StateKeyScan.page(it, StateKeyScanTest::group, -1, null, 2)) {
            out.add(k.routingKey);
        }
        assertThat(out).containsExactly("1a", "1b");
        assertThat(read).containsExactly("1a", "1b", "2a");
    }
}
