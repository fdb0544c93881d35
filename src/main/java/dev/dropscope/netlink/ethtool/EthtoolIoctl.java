package dev.dropscope.netlink.ethtool;

import static dev.dropscope.netlink.ethtool.EthtoolConstants.*;

import dev.dropscope.sys.Errno;
import dev.dropscope.sys.Fd;
import dev.dropscope.sys.NativeBuffer;
import dev.dropscope.sys.NativeIoException;
import dev.dropscope.sys.Syscalls;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SIOCETHTOOL ioctls netlink has no equivalent for: driver info ({@code ethtool -i}) and the driver's
 * free-form counters ({@code ethtool -S}: ETHTOOL_GSSET_INFO, ETHTOOL_GSTRINGS, ETHTOOL_GSTATS). They go
 * through an AF_INET datagram socket, which lives in the network namespace of the thread that opened it.
 * Used by one thread at a time.
 *
 * <p>GSTRINGS and GSTATS write as many entries as the driver has <em>now</em>, whatever size the caller
 * announced: a count that grew since GSSET_INFO (channels added) would run past a buffer sized exactly.
 * The buffers are therefore twice the count plus {@value #SLACK} entries, and a reply that still does not
 * match the count is refused rather than read.
 */
public final class EthtoolIoctl implements AutoCloseable {
    private static final int SLACK = 64;
    /** More counters than any driver has (mlx5 has a few thousand); a larger count is refused. */
    private static final int MAX_STATS = 1 << 16;

    private final Syscalls sys;
    private final Fd fd;
    private final NativeBuffer ifreq = NativeBuffer.allocate(IFREQ_SIZE);
    private final NativeBuffer small = NativeBuffer.allocate(ETHTOOL_DRVINFO_SIZE + 64);

    /** Sees each answered ioctl's buffer, for capturing test fixtures; null when not recording. */
    public interface Recorder {
        void record(String command, String dev, byte[] buffer);
    }

    private Recorder recorder;

    private EthtoolIoctl(Syscalls sys, Fd fd) {
        this.sys = sys;
        this.fd = fd;
    }

    public static EthtoolIoctl open(Syscalls sys) throws NativeIoException {
        return new EthtoolIoctl(sys, Fd.own(sys, "socket(AF_INET, SOCK_DGRAM)",
                sys.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)));
    }

    private void call(String what, String dev, NativeBuffer data) throws NativeIoException {
        byte[] name = dev.getBytes(StandardCharsets.UTF_8);
        if (name.length >= IFNAMSIZ) {
            throw new NativeIoException(what + " " + dev, Errno.EINVAL, "interface name longer than IFNAMSIZ - 1");
        }
        ByteBuffer r = ifreq.buffer();
        for (int i = 0; i < IFREQ_SIZE; i++) {
            r.put(i, (byte) 0);
        }
        r.put(IFREQ_IFR_NAME_OFFSET, name);
        r.putLong(IFREQ_IFR_DATA_OFFSET, data.address());
        int rc = sys.ioctl(fd.get(), SIOCETHTOOL, ifreq, 0);
        if (rc < 0) {
            throw new NativeIoException(what + " " + dev, -rc);
        }
        if (recorder != null) {
            byte[] copy = new byte[data.capacity()];
            data.buffer().get(0, copy);
            recorder.record(what, dev, copy);
        }
    }

    /** Records every answered ioctl's whole buffer (fixture capture); null stops. */
    public void setRecorder(Recorder recorder) {
        this.recorder = recorder;
    }

    /** {@code ethtool -i}. EOPNOTSUPP: the device has no driver info (lo, some virtual devices). */
    public DriverInfo driverInfo(String dev) throws NativeIoException {
        ByteBuffer b = small.buffer();
        clear(b, ETHTOOL_DRVINFO_SIZE);
        b.putInt(ETHTOOL_DRVINFO_CMD_OFFSET, ETHTOOL_GDRVINFO);
        call("ETHTOOL_GDRVINFO", dev, small);
        return parseDriverInfo(b, 0);
    }

    /** Decodes a struct ethtool_drvinfo at {@code at}. */
    public static DriverInfo parseDriverInfo(ByteBuffer b, int at) {
        return new DriverInfo(cString(b, at + ETHTOOL_DRVINFO_DRIVER_OFFSET, ETHTOOL_DRVINFO_DRIVER_LEN),
                cString(b, at + ETHTOOL_DRVINFO_VERSION_OFFSET, ETHTOOL_DRVINFO_VERSION_LEN),
                cString(b, at + ETHTOOL_DRVINFO_FW_VERSION_OFFSET, ETHTOOL_FWVERS_LEN),
                cString(b, at + ETHTOOL_DRVINFO_BUS_INFO_OFFSET, ETHTOOL_BUSINFO_LEN),
                Integer.toUnsignedLong(b.getInt(at + ETHTOOL_DRVINFO_N_STATS_OFFSET)),
                Integer.toUnsignedLong(b.getInt(at + ETHTOOL_DRVINFO_N_PRIV_FLAGS_OFFSET)));
    }

    /**
     * The number of strings in {@code set} (ETH_SS_STATS for {@code ethtool -S}); 0 when the driver has
     * none. EOPNOTSUPP when the driver does not answer GSSET_INFO.
     */
    public int stringCount(String dev, int set) throws NativeIoException {
        ByteBuffer b = small.buffer();
        clear(b, ETHTOOL_SSET_INFO_SIZE + 8);
        b.putInt(ETHTOOL_SSET_INFO_CMD_OFFSET, ETHTOOL_GSSET_INFO);
        b.putLong(ETHTOOL_SSET_INFO_SSET_MASK_OFFSET, 1L << set);
        call("ETHTOOL_GSSET_INFO", dev, small);
        // the kernel clears the mask bit of a set the driver lacks and then writes no count
        if ((b.getLong(ETHTOOL_SSET_INFO_SSET_MASK_OFFSET) & 1L << set) == 0) {
            return 0;
        }
        return b.getInt(ETHTOOL_SSET_INFO_DATA_OFFSET);
    }

    /**
     * {@code ethtool -S}: the driver's counters by its own names, in its order. EOPNOTSUPP when the driver
     * has none (ethtool: "no stats available"). A name the driver uses twice gets "#2", "#3".
     */
    public Map<String, Long> nicStats(String dev) throws NativeIoException {
        int n = stringCount(dev, ETH_SS_STATS);
        if (n == 0) {
            throw new NativeIoException("ethtool -S " + dev, Errno.EOPNOTSUPP, "no statistics");
        }
        if (n < 0 || n > MAX_STATS) {
            throw new NativeIoException("ETHTOOL_GSSET_INFO " + dev, Errno.EINVAL, "implausible count " + n);
        }
        int room = 2 * n + SLACK;
        NativeBuffer strings = NativeBuffer.allocate(ETHTOOL_GSTRINGS_DATA_OFFSET + room * ETH_GSTRING_LEN);
        ByteBuffer s = strings.buffer();
        s.putInt(ETHTOOL_GSTRINGS_CMD_OFFSET, ETHTOOL_GSTRINGS);
        s.putInt(ETHTOOL_GSTRINGS_STRING_SET_OFFSET, ETH_SS_STATS);
        s.putInt(ETHTOOL_GSTRINGS_LEN_OFFSET, n);
        call("ETHTOOL_GSTRINGS", dev, strings);
        NativeBuffer stats = NativeBuffer.allocate(ETHTOOL_GSTATS_DATA_OFFSET + room * 8);
        ByteBuffer v = stats.buffer();
        v.putInt(ETHTOOL_GSTATS_CMD_OFFSET, ETHTOOL_GSTATS);
        v.putInt(ETHTOOL_GSTATS_N_STATS_OFFSET, n);
        call("ETHTOOL_GSTATS", dev, stats);
        int ns = s.getInt(ETHTOOL_GSTRINGS_LEN_OFFSET);
        int nv = v.getInt(ETHTOOL_GSTATS_N_STATS_OFFSET);
        if (ns != nv || ns < 0 || ns > room) {
            // the driver's count changed between the calls: names and values may not line up
            throw new NativeIoException("ethtool -S " + dev, Errno.EAGAIN, ns + " names but " + nv
                    + " values (the count changed while reading)");
        }
        return parseNicStats(s, ETHTOOL_GSTRINGS_DATA_OFFSET, v, ETHTOOL_GSTATS_DATA_OFFSET, ns);
    }

    /**
     * Pairs {@code n} ETH_GSTRING_LEN names at {@code namesAt} with {@code n} u64 values at
     * {@code valuesAt}, in order.
     */
    public static Map<String, Long> parseNicStats(ByteBuffer names, int namesAt, ByteBuffer values, int valuesAt, int n) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = cString(names, namesAt + i * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
            long value = values.getLong(valuesAt + 8 * i);
            String key = name;
            for (int k = 2; out.containsKey(key); k++) {
                key = name + "#" + k;
            }
            out.put(key, value);
        }
        return out;
    }

    /** The NUL-terminated (or {@code max}-byte) string at {@code at}. */
    static String cString(ByteBuffer b, int at, int max) {
        int n = 0;
        while (n < max && b.get(at + n) != 0) {
            n++;
        }
        byte[] bytes = new byte[n];
        b.get(at, bytes, 0, n);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static void clear(ByteBuffer b, int n) {
        for (int i = 0; i < n; i++) {
            b.put(i, (byte) 0);
        }
    }

    @Override
    public void close() {
        fd.close();
    }
}
