package dev.dropscope.export;

import dev.dropscope.model.DropOrigin;
import dev.dropscope.model.DropPacket;
import dev.dropscope.model.DropSite;
import dev.dropscope.model.ResolvedPacket;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.util.function.LongFunction;

/**
 * {@code watch --mode packet --pcap FILE}: each dropped packet as an Enhanced Packet Block, on an
 * interface named {@code IF@NETNS} ({@code IF} alone when the source does not report namespaces, as NET_DM
 * does), with the comment {@code reason=NO_SOCKET location=__udp4_lib_rcv+0x4bc netns=NAME}. The link
 * type follows where the captured bytes start: Ethernet at the mac header, raw IP at the network header.
 */
public final class WatchPcap implements Closeable {
    private final PcapngWriter writer;
    private final LongFunction<String> netnsName;

    /**
     * @param snapLen   the most bytes a packet carries (the capture's truncation), 0 for no limit
     * @param netnsName a namespace's name for its inode ({@code netns:INODE} when nothing better is known)
     */
    public WatchPcap(OutputStream out, int snapLen, LongFunction<String> netnsName) throws IOException {
        this(out, snapLen, netnsName, false);
    }

    /**
     * @param batched each packet waits until {@link #flush} (or 64 KiB wait), written then in one call of whole
     *                blocks: for a caller that flushes once per drain of its source
     */
    public WatchPcap(OutputStream out, int snapLen, LongFunction<String> netnsName, boolean batched) throws IOException {
        this.writer = new PcapngWriter(out, "dropscope", snapLen);
        if (batched) {
            writer.batched();
        }
        this.netnsName = netnsName;
    }

    /** Writes one packet (and its interface's description the first time). */
    public void packet(ResolvedPacket p) throws IOException {
        DropPacket d = p.packet();
        String ns = p.netns() != null ? p.netns().label()
                : d.netns() == DropSite.NO_NETNS ? null : netnsName.apply(d.netns());
        String ifname = p.interfaceName() != null ? p.interfaceName()
                : d.ifindex() > 0 ? "if" + d.ifindex() : d.ifindex() == 0 ? "none" : "unknown";
        int linkType = d.capture().start() == DropPacket.Start.NETWORK ? PcapngWriter.LINKTYPE_RAW
                : PcapngWriter.LINKTYPE_ETHERNET;
        int id = writer.interfaceId(ns == null ? ifname : ifname + "@" + ns, linkType);
        byte[] bytes = d.capture().bytes();
        int original = d.payload().originalLength() >= 0 ? d.payload().originalLength() : bytes.length;
        writer.packet(id, d.timeEpochNs(), bytes, bytes.length, original, comment(p, ns));
    }

    /** {@code reason=R location=SYM+0xOFF netns=NAME}, leaving out what is unknown. */
    static String comment(ResolvedPacket p, String netns) {
        DropPacket d = p.packet();
        StringBuilder b = new StringBuilder();
        String reason = d.origin() == DropOrigin.HARDWARE ? d.trap().name() : d.reason();
        if (reason != null) {
            b.append("reason=").append(reason);
        }
        String location = d.origin() == DropOrigin.HARDWARE ? null
                : p.symbol() != null && p.offset() >= 0 ? p.symbol() + "+0x" + Long.toHexString(p.offset())
                : d.location() != 0 ? String.format("0x%x", d.location()) : null;
        if (location != null) {
            b.append(b.length() > 0 ? " " : "").append("location=").append(location);
        }
        if (d.origin() == DropOrigin.HARDWARE && d.trap().group() != null) {
            b.append(b.length() > 0 ? " " : "").append("trap_group=").append(d.trap().group());
        }
        if (netns != null) {
            b.append(b.length() > 0 ? " " : "").append("netns=").append(netns);
        }
        return b.length() == 0 ? null : b.toString();
    }

    /** Flushes what was written. */
    public void flush() throws IOException {
        writer.flush();
    }

    /** Packets written. */
    public long packets() {
        return writer.packets();
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }
}
