package io.dbtransfer.sink;

import org.apache.flink.core.io.SimpleVersionedSerializer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Version 2: format id, gtrid, bqual (each length-prefixed), then the commit marker's token.
 * Version 1 (without the token) is still read: such branches have no marker.
 */
public final class XaCommittableSerializer implements SimpleVersionedSerializer<XaCommittable> {

    private static final int VERSION = 2;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(XaCommittable committable) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            XaTransactionId xid = committable.xid();
            out.writeInt(xid.formatId());
            byte[] gtrid = xid.gtrid();
            out.writeInt(gtrid.length);
            out.write(gtrid);
            byte[] bqual = xid.bqual();
            out.writeInt(bqual.length);
            out.write(bqual);
            out.writeLong(committable.markerToken());
        }
        return bytes.toByteArray();
    }

    @Override
    public XaCommittable deserialize(int version, byte[] serialized) throws IOException {
        if (version == HeldSnapshotChangesSerializer.VERSION) {
            throw new IOException(
                    "sink.delivery-guarantee was changed across a restore: the savepoint or"
                            + " checkpoint holds the idempotent sink's snapshot-phase changes to"
                            + " apply, which the exactly-once sink cannot finish. Restore with"
                            + " sink.delivery-guarantee: idempotent (the mode it was taken with),"
                            + " or take the savepoint after the snapshot phase.");
        }
        if (version != 1 && version != VERSION) {
            throw new IOException("Unknown XaCommittable serializer version " + version);
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
            int formatId = in.readInt();
            byte[] gtrid = new byte[in.readInt()];
            in.readFully(gtrid);
            byte[] bqual = new byte[in.readInt()];
            in.readFully(bqual);
            long token = version >= 2 ? in.readLong() : XaCommittable.NO_MARKER;
            return new XaCommittable(new XaTransactionId(formatId, gtrid, bqual), token);
        }
    }
}
