package io.dbtransfer.sink;

import java.util.Objects;

/**
 * A prepared XA branch that the committer commits once its checkpoint has completed, with the token
 * of its commit marker ({@link XaCommitMarkers}); {@link #NO_MARKER} for branches prepared by
 * versions that wrote no marker.
 */
public final class XaCommittable {

    /** Token of a committable restored from a version that wrote no commit marker. */
    public static final long NO_MARKER = 0;

    private final XaTransactionId xid;
    private final long markerToken;

    public XaCommittable(XaTransactionId xid, long markerToken) {
        this.xid = Objects.requireNonNull(xid, "xid");
        this.markerToken = markerToken;
    }

    public XaTransactionId xid() {
        return xid;
    }

    /** The token its commit marker carries, or {@link #NO_MARKER}. */
    public long markerToken() {
        return markerToken;
    }

    public boolean hasMarker() {
        return markerToken != NO_MARKER;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XaCommittable
                && xid.equals(((XaCommittable) o).xid)
                && markerToken == ((XaCommittable) o).markerToken;
    }

    @Override
    public int hashCode() {
        return Objects.hash(xid, markerToken);
    }

    @Override
    public String toString() {
        return "XaCommittable{" + xid + (hasMarker() ? ", marker " + markerToken : "") + "}";
    }
}
