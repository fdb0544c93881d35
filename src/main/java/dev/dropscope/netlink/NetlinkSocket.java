package dev.dropscope.netlink;

import static dev.dropscope.netlink.NetlinkConstants.*;

import dev.dropscope.sys.Errno;
import dev.dropscope.sys.Fd;
import dev.dropscope.sys.MsgHdr;
import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One AF_NETLINK socket: requests with sequence numbers and ACKs, multi-part dumps up to NLMSG_DONE,
 * NLMSG_ERROR turned into a {@link NetlinkException} carrying errno and the extended-ack text, multicast
 * groups, and a receive path that never dies of ENOBUFS (it counts an overrun and goes on).
 *
 * <p>Datagrams are received with recvmsg so the sender's port is known: anything not sent by the kernel
 * (nl_pid != 0) is dropped and counted. Used by one thread at a time; {@link #close()} is safe from any.
 */
public final class NetlinkSocket implements AutoCloseable {

    /** Receives one netlink message: {@code [offset, offset + length)} of {@code buffer}, header included. */
    @FunctionalInterface
    public interface Handler {
        void onMessage(ByteBuffer buffer, int offset, int length) throws IOException;
    }

    /** Largest datagram accepted; a packet alert carries at most 64 KiB of payload plus attributes. */
    public static final int RECEIVE_BUFFER = 256 * 1024;
    private static final int TX_BUFFER = 64 * 1024;
    private static final int DEFAULT_TIMEOUT_MILLIS = 5000;
    /** Times {@link #dump} asks for a dump the kernel marked interrupted before it gives up. */
    public static final int DUMP_ATTEMPTS = 5;

    private static final int RX_MSG = 0;
    private static final int RX_ADDR = MsgHdr.SIZE + MsgHdr.IOVEC_SIZE;

    private final Syscalls sys;
    private final Fd fd;
    private final int protocol;
    private final int portId;
    private final NativeBuffer rx = NativeBuffer.allocate(RECEIVE_BUFFER);
    private final NativeBuffer rxMsg = NativeBuffer.allocate(RX_ADDR + SOCKADDR_NL_SIZE);
    private final NativeBuffer tx = NativeBuffer.allocate(TX_BUFFER);
    private final NativeBuffer scratch = NativeBuffer.allocate(64);
    private int seq;
    private int timeoutMillis = DEFAULT_TIMEOUT_MILLIS;

    private volatile long overruns;
    private volatile long foreignMessages;
    private volatile long unsolicited;
    private volatile long malformed;
    private volatile long truncated;
    private volatile String lastAckWarning;

    private NetlinkSocket(Syscalls sys, Fd fd, int protocol, int portId) {
        this.sys = sys;
        this.fd = fd;
        this.protocol = protocol;
        this.portId = portId;
        this.seq = (int) (System.nanoTime() & 0x3fffffff) | 1;
        MsgHdr.writeSingle(rxMsg, RX_MSG, rx, 0, RECEIVE_BUFFER, rxMsg, RX_ADDR, SOCKADDR_NL_SIZE);
    }

    /**
     * Opens, binds (the kernel picks the port id) and turns on NETLINK_EXT_ACK and NETLINK_CAP_ACK
     * (ignored on kernels that lack them).
     */
    public static NetlinkSocket open(Syscalls sys, int protocol) throws NativeIoException {
        Fd fd = Fd.own(sys, "socket(AF_NETLINK, " + protocolName(protocol) + ")",
                sys.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
        try {
            NativeBuffer addr = NativeBuffer.allocate(16);
            addr.buffer().putShort(0, (short) AF_NETLINK);
            NativeIoException.check("bind(AF_NETLINK)", sys.bind(fd.get(), addr, 0, SOCKADDR_NL_SIZE));
            addr.buffer().putInt(12, SOCKADDR_NL_SIZE);
            NativeIoException.check("getsockname(AF_NETLINK)", sys.getsockname(fd.get(), addr, 0, addr, 12));
            int port = addr.buffer().getInt(4);
            NetlinkSocket s = new NetlinkSocket(sys, fd, protocol, port);
            s.setIntOption(SOL_NETLINK, NETLINK_EXT_ACK, 1);
            s.setIntOption(SOL_NETLINK, NETLINK_CAP_ACK, 1);
            return s;
        } catch (NativeIoException | RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    static String protocolName(int protocol) {
        switch (protocol) {
            case NETLINK_ROUTE:
                return "NETLINK_ROUTE";
            case NETLINK_GENERIC:
                return "NETLINK_GENERIC";
            case NETLINK_NETFILTER:
                return "NETLINK_NETFILTER";
            default:
                return "protocol " + protocol;
        }
    }

    private int setIntOption(int level, int option, int value) {
        scratch.buffer().putInt(0, value);
        return sys.setsockopt(fd.get(), level, option, scratch, 0, 4);
    }

    // package-private: tests read back NETLINK_EXT_ACK and NETLINK_CAP_ACK
    int getIntOption(int level, int option) throws NativeIoException {
        scratch.buffer().putInt(0, 0);
        scratch.buffer().putInt(8, 4);
        NativeIoException.check("getsockopt", sys.getsockopt(fd.get(), level, option, scratch, 0, scratch, 8));
        return scratch.buffer().getInt(0);
    }

    public int portId() {
        return portId;
    }

    public int protocol() {
        return protocol;
    }

    public Syscalls syscalls() {
        return sys;
    }

    /** How long a request waits for the kernel's answer before failing with ETIMEDOUT-like error. */
    public void setTimeoutMillis(int millis) {
        this.timeoutMillis = millis;
    }

    /** Joins a multicast group by the id the family reported. */
    public void joinGroup(int group) throws NativeIoException {
        NativeIoException.check("setsockopt(NETLINK_ADD_MEMBERSHIP " + group + ")",
                setIntOption(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group));
    }

    /**
     * Sets SO_RCVBUF, with SO_RCVBUFFORCE first so root can exceed net.core.rmem_max. Returns the size
     * the kernel granted (it doubles the request for bookkeeping).
     */
    public int setReceiveBufferSize(int bytes) throws NativeIoException {
        if (setIntOption(SOL_SOCKET, SO_RCVBUFFORCE, bytes) < 0) {
            NativeIoException.check("setsockopt(SO_RCVBUF)", setIntOption(SOL_SOCKET, SO_RCVBUF, bytes));
        }
        return getIntOption(SOL_SOCKET, SO_RCVBUF);
    }

    /** NETLINK_NO_ENOBUFS: the kernel stops reporting overruns (lost messages then go uncounted). */
    public void setNoEnobufs(boolean on) throws NativeIoException {
        NativeIoException.check("setsockopt(NETLINK_NO_ENOBUFS)", setIntOption(SOL_NETLINK, NETLINK_NO_ENOBUFS, on ? 1 : 0));
    }

    /** Receive-buffer overruns (ENOBUFS): messages the kernel could not queue for us. */
    public long overruns() {
        return overruns;
    }

    /** Datagrams from a sender other than the kernel, dropped. */
    public long foreignMessages() {
        return foreignMessages;
    }

    /** Messages that answered no outstanding request (stale replies, notifications), skipped. */
    public long unsolicited() {
        return unsolicited;
    }

    /** Event datagrams that failed to decode and were skipped. */
    public long malformed() {
        return malformed;
    }

    /** Datagrams larger than {@link #RECEIVE_BUFFER}, cut short by the kernel and skipped. */
    public long truncated() {
        return truncated;
    }

    /** The ext-ack warning of the last ACK, if the kernel attached one (e.g. "already stopped"). */
    public String lastAckWarning() {
        return lastAckWarning;
    }

    /**
     * Sends a request and collects the answer. A dump request (NLM_F_DUMP) gets every part up to
     * NLMSG_DONE; any other request is sent with NLM_F_ACK and ends at its ACK. Each data message goes to
     * {@code handler}.
     *
     * @param operation names the request in errors, e.g. "CTRL_CMD_GETFAMILY NET_DM"
     * @throws NetlinkException          the kernel answered with an error
     * @throws MalformedMessageException the answer could not be decoded
     * @throws NativeIoException         the socket failed or the kernel did not answer in time
     * @throws DumpInterruptedException  a dump the kernel marked NLM_F_DUMP_INTR (its parts may disagree);
     *                                   {@link #dump} asks again
     */
    public void request(String operation, MessageBuilder message, Handler handler) throws IOException {
        ByteBuffer src = message.buffer();
        int len = message.finish();
        int start = message.start();
        if (len > TX_BUFFER) {
            throw new NativeIoException(operation, Errno.EMSGSIZE);
        }
        int mySeq = nextSeq();
        boolean dump = frame(src, start, len, tx.buffer(), mySeq, portId);
        send(operation, len);

        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        lastAckWarning = null;
        boolean interrupted = false;
        while (true) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            int n = receiveDatagram(operation, (int) Math.max(0, left));
            if (n == 0) {
                throw new NativeIoException(operation + ": no answer from the kernel within " + timeoutMillis + " ms",
                        Errno.EAGAIN);
            }
            if (n < 0) {
                continue; // overrun or foreign: keep waiting for our answer
            }
            ByteBuffer b = rx.buffer();
            int at = 0;
            while (at < n) {
                int mlen = NlMsg.checkedLength(b, at, n);
                int type = NlMsg.type(b, at);
                if (NlMsg.seq(b, at) != mySeq) {
                    unsolicited++;
                    at = NlMsg.next(at, mlen, n);
                    continue;
                }
                // the kernel marks every part after a change to the table, NLMSG_DONE included
                interrupted |= (NlMsg.flags(b, at) & NLM_F_DUMP_INTR) != 0;
                if (type == NLMSG_ERROR) {
                    NetlinkError err = NetlinkError.parse(b, at, mlen);
                    if (!err.isAck()) {
                        throw new NetlinkException(operation, err);
                    }
                    lastAckWarning = err.extackMessage();
                    if (!dump) {
                        return;
                    }
                } else if (type == NLMSG_DONE) {
                    NetlinkError done = NetlinkError.parseDone(b, at, mlen, NlMsg.type(tx.buffer(), 0));
                    if (!done.isAck()) {
                        throw new NetlinkException(operation, done);
                    }
                    if (interrupted) {
                        throw new DumpInterruptedException(operation + ": the table changed during the dump "
                                + "(NLM_F_DUMP_INTR), so its parts may be inconsistent");
                    }
                    return;
                } else if (type >= NLMSG_MIN_TYPE) {
                    handler.onMessage(b, at, mlen);
                }
                at = NlMsg.next(at, mlen, n);
            }
        }
    }

    /**
     * A dump request whose answer is used only when consistent: a dump the kernel marks NLM_F_DUMP_INTR
     * is thrown away ({@code restart} runs before every attempt, so the handler starts from nothing) and
     * asked again, up to {@link #DUMP_ATTEMPTS} times; then {@link DumpInterruptedException}.
     */
    public void dump(String operation, MessageBuilder message, Runnable restart, Handler handler) throws IOException {
        for (int attempt = 1; ; attempt++) {
            restart.run();
            try {
                request(operation, message, handler);
                return;
            } catch (DumpInterruptedException e) {
                if (attempt == DUMP_ATTEMPTS) {
                    throw new DumpInterruptedException(operation + ": the table changed during each of "
                            + DUMP_ATTEMPTS + " dumps (NLM_F_DUMP_INTR); no consistent answer");
                }
            }
        }
    }

    /** Decodes one message of a dump. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(ByteBuffer buffer, int offset, int length) throws IOException;
    }

    /** {@link #dump} collecting each message of {@code type} as {@code parser} decodes it, in the kernel's order. */
    public <T> List<T> dump(String operation, MessageBuilder message, int type, Parser<T> parser)
            throws IOException {
        List<T> out = new ArrayList<>();
        dump(operation, message, out::clear, (b, at, len) -> {
            if (NlMsg.type(b, at) == type) {
                out.add(parser.parse(b, at, len));
            }
        });
        return out;
    }

    /**
     * Copies the request in {@code [start, start + len)} of {@code src} to the start of {@code dst} as it
     * goes on the wire: NLM_F_REQUEST, NLM_F_ACK unless it is a dump (a dump ends at NLMSG_DONE), the
     * sequence number and our port. Returns whether it is a dump. Separate so the encoding can be
     * compared byte for byte with recorded requests.
     */
    static boolean frame(ByteBuffer src, int start, int len, ByteBuffer dst, int seq, int portId) {
        int flags = NlMsg.flags(src, start);
        boolean dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
        if (!dump) {
            flags |= NLM_F_ACK;
        }
        for (int i = 0; i < len; i++) {
            dst.put(i, src.get(start + i));
        }
        dst.putShort(NLMSG_FLAGS_OFFSET, (short) (flags | NLM_F_REQUEST));
        dst.putInt(NLMSG_SEQ_OFFSET, seq);
        dst.putInt(NLMSG_PID_OFFSET, portId);
        return dump;
    }

    private void send(String operation, int len) throws NativeIoException {
        NativeBuffer addr = scratch;
        ByteBuffer a = addr.buffer();
        for (int i = 16; i < 16 + SOCKADDR_NL_SIZE; i++) {
            a.put(i, (byte) 0);
        }
        a.putShort(16, (short) AF_NETLINK);
        while (true) {
            long r = sys.sendto(fd.get(), tx, 0, len, 0, addr, 16, SOCKADDR_NL_SIZE);
            if (r == -Errno.EINTR) {
                continue;
            }
            NativeIoException.check(operation + ": send", r);
            return;
        }
    }

    private int nextSeq() {
        seq = seq == Integer.MAX_VALUE ? 1 : seq + 1;
        return seq;
    }

    /**
     * Waits up to {@code timeoutMillis} for one datagram. Returns its length, 0 on timeout, or -1 when
     * something arrived that is not ours to read (an overrun report, a foreign or truncated datagram).
     */
    private int receiveDatagram(String operation, int timeoutMillis) throws NativeIoException {
        ByteBuffer p = scratch.buffer();
        p.putInt(0, fd.get());
        p.putShort(4, (short) POLLIN);
        p.putShort(6, (short) 0);
        int r = sys.poll(scratch, 0, 1, timeoutMillis);
        if (r == -Errno.EINTR) {
            return -1;
        }
        NativeIoException.check(operation + ": poll", r);
        if (r == 0) {
            return 0;
        }
        rxMsg.buffer().putInt(RX_MSG + MsgHdr.NAMELEN, SOCKADDR_NL_SIZE);
        long n = sys.recvmsg(fd.get(), rxMsg, RX_MSG, MSG_DONTWAIT | MSG_TRUNC);
        if (n == -Errno.ENOBUFS) {
            overruns++;
            return -1;
        }
        if (n == -Errno.EAGAIN || n == -Errno.EINTR) {
            return -1;
        }
        NativeIoException.check(operation + ": recvmsg", n);
        if (rxMsg.buffer().getInt(RX_ADDR + 4) != 0) {
            foreignMessages++;
            return -1;
        }
        if (n > RECEIVE_BUFFER) {
            truncated++;
            return -1;
        }
        return (int) n;
    }

    /**
     * Waits up to {@code timeoutMillis} for one datagram of events (multicast) and passes each message in
     * it to {@code handler}. Returns the number of messages delivered: 0 on timeout or when the datagram
     * was not deliverable (overrun, foreign, truncated, malformed: each counted). Never throws for
     * ENOBUFS or bad input.
     */
    public int receiveEvents(Handler handler, int timeoutMillis) throws IOException {
        int n = receiveDatagram("receive events", timeoutMillis);
        if (n <= 0) {
            return 0;
        }
        return deliverEvents(handler, n);
    }

    /**
     * Reads, without waiting, the datagrams of events already queued on this socket until it is empty or
     * {@code maxDatagrams} were read or {@code budgetNanos} passed, and passes each message to {@code handler} as
     * {@link #receiveEvents} does. For the end of a session, once the sender has been stopped: what is
     * still queued is delivered instead of being thrown away with the socket. Returns the number of
     * messages delivered; undeliverable datagrams are counted as {@link #receiveEvents} counts them.
     */
    public long drainEvents(Handler handler, int maxDatagrams, long budgetNanos) throws IOException {
        long delivered = 0;
        long start = System.nanoTime();
        for (int i = 0; i < maxDatagrams && System.nanoTime() - start < budgetNanos; i++) {
            int n = receiveDatagram("drain events", 0);
            if (n == 0) {
                break; // nothing readable: the queue is empty
            }
            if (n > 0) {
                delivered += deliverEvents(handler, n);
            }
        }
        return delivered;
    }

    private int deliverEvents(Handler handler, int n) throws IOException {
        ByteBuffer b = rx.buffer();
        int at = 0;
        int delivered = 0;
        try {
            while (at < n) {
                int mlen = NlMsg.checkedLength(b, at, n);
                if (NlMsg.type(b, at) >= NLMSG_MIN_TYPE) {
                    handler.onMessage(b, at, mlen);
                    delivered++;
                } else {
                    unsolicited++;
                }
                at = NlMsg.next(at, mlen, n);
            }
        } catch (MalformedMessageException e) {
            malformed++;
        }
        return delivered;
    }

    public boolean isOpen() {
        return fd.isOpen();
    }

    @Override
    public void close() {
        fd.close();
    }
}
