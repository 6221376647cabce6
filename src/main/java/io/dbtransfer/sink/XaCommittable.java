package io.dbtransfer.sink;

import java.util.Objects;

/** A prepared XA branch that the committer commits once its checkpoint has completed. */
public final class XaCommittable {

    private final XaTransactionId xid;

    public XaCommittable(XaTransactionId xid) {
        this.xid = Objects.requireNonNull(xid, "xid");
    }

    public XaTransactionId xid() {
        return xid;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XaCommittable && xid.equals(((XaCommittable) o).xid);
    }

    @Override
    public int hashCode() {
        return xid.hashCode();
    }

    @Override
    public String toString() {
        return "XaCommittable{" + xid + "}";
    }
}
