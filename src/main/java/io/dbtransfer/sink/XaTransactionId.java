package io.dbtransfer.sink;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * An XA transaction id: format id, global transaction id and branch qualifier.
 *
 * <p>The sink's own ids use {@link #FORMAT_ID}, {@link #BRANCH} and the ASCII gtrid {@code
 * <prefix>:<subtaskIndex>:<checkpointId>}, so a restarted job can tell which prepared branches in
 * {@code XA RECOVER} are its own, whose, and of which checkpoint.
 */
public final class XaTransactionId {

    /** "DBTF". */
    public static final int FORMAT_ID = 0x44425446;

    /** Fixed branch qualifier of the sink's branches. */
    public static final String BRANCH = "dbtransfer";

    private final int formatId;
    private final byte[] gtrid;
    private final byte[] bqual;

    public XaTransactionId(int formatId, byte[] gtrid, byte[] bqual) {
        this.formatId = formatId;
        this.gtrid = gtrid.clone();
        this.bqual = bqual.clone();
    }

    /** The sink's id of one subtask's branch for one checkpoint. */
    public static XaTransactionId of(String prefix, int subtaskIndex, long checkpointId) {
        String gtrid = prefix + ":" + subtaskIndex + ":" + checkpointId;
        return new XaTransactionId(
                FORMAT_ID,
                gtrid.getBytes(StandardCharsets.US_ASCII),
                BRANCH.getBytes(StandardCharsets.US_ASCII));
    }

    public int formatId() {
        return formatId;
    }

    public byte[] gtrid() {
        return gtrid.clone();
    }

    public byte[] bqual() {
        return bqual.clone();
    }

    /** The part of {@code XA COMMIT/ROLLBACK/START/END/PREPARE} naming this id. */
    public String toSql() {
        HexFormat hex = HexFormat.of();
        return "X'" + hex.formatHex(gtrid) + "',X'" + hex.formatHex(bqual) + "'," + formatId;
    }

    /**
     * The subtask index of one of the sink's ids with this prefix, or -1 when the id belongs to
     * someone else.
     */
    public int subtaskIndex(String prefix) {
        long[] parts = parse(prefix);
        return parts == null ? -1 : (int) parts[0];
    }

    /** The checkpoint id of one of the sink's ids with this prefix, or -1 when it is not ours. */
    public long checkpointId(String prefix) {
        long[] parts = parse(prefix);
        return parts == null ? -1 : parts[1];
    }

    /** {subtask, checkpoint} of one of our ids, else {@code null}. */
    private long[] parse(String prefix) {
        if (formatId != FORMAT_ID
                || !Arrays.equals(bqual, BRANCH.getBytes(StandardCharsets.US_ASCII))) {
            return null;
        }
        String g = new String(gtrid, StandardCharsets.US_ASCII);
        if (!g.startsWith(prefix + ":")) {
            return null;
        }
        String[] rest = g.substring(prefix.length() + 1).split(":", -1);
        if (rest.length != 2) {
            return null;
        }
        try {
            long subtask = Integer.parseInt(rest[0]);
            long checkpoint = Long.parseLong(rest[1]);
            return subtask < 0 || checkpoint < 0 ? null : new long[] {subtask, checkpoint};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof XaTransactionId)) {
            return false;
        }
        XaTransactionId that = (XaTransactionId) o;
        return formatId == that.formatId
                && Arrays.equals(gtrid, that.gtrid)
                && Arrays.equals(bqual, that.bqual);
    }

    @Override
    public int hashCode() {
        return Objects.hash(formatId, Arrays.hashCode(gtrid), Arrays.hashCode(bqual));
    }

    /** Readable form: the gtrid when printable, else hex. */
    @Override
    public String toString() {
        String g = new String(gtrid, StandardCharsets.US_ASCII);
        boolean printable = g.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f);
        return (printable ? g : HexFormat.of().formatHex(gtrid))
                + "/"
                + HexFormat.of().formatHex(bqual)
                + "/"
                + formatId;
    }
}
