package dev.dropscope.collect;

import static dev.dropscope.netlink.NetlinkConstants.NETLINK_GENERIC;
import static dev.dropscope.netlink.genl.netdm.NetDmConstants.*;

import dev.dropscope.netlink.NetlinkException;
import dev.dropscope.netlink.NetlinkSocket;
import dev.dropscope.netlink.genl.GenlController;
import dev.dropscope.netlink.genl.GenlFamily;
import dev.dropscope.netlink.genl.netdm.NetDmConfig;
import dev.dropscope.netlink.genl.netdm.NetDmDecoder;
import dev.dropscope.netlink.genl.netdm.NetDmRequests;
import dev.dropscope.netlink.genl.netdm.NetDmStats;
import dev.dropscope.sys.Errno;
import dev.dropscope.sys.Syscalls;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A monitoring session with the kernel's NET_DM drop monitor. The kernel's monitoring state is global
 * and outlives processes, so this class remembers exactly what it changed (the configuration, whether it
 * started monitoring) and undoes that, and only that, on {@link #close()} — from the main path or a
 * shutdown hook, whichever comes first.
 */
public final class NetDmSession implements AutoCloseable {

    /** What to do when monitoring is already on (START answers EAGAIN, CONFIG answers EBUSY). */
    public enum Existing {
        /** Fail with an explanation (the default: someone else may be using it). */
        FAIL,
        /** Stop the running session (often a stale one left by a crashed tool) and start ours. */
        TAKEOVER,
        /** Do not configure, start or stop anything: only listen to the alerts already flowing. */
        PASSIVE
    }

    /** Our receive buffer for alerts: packet mode at full rate needs room for bursts. */
    public static final int EVENTS_RCVBUF = 32 * 1024 * 1024;

    private final Syscalls sys;
    private final NetlinkSocket control;
    private final GenlFamily family;
    private final NetDmDecoder decoder = new NetDmDecoder();
    private final AtomicBoolean closed = new AtomicBoolean();
    private NetlinkSocket events;
    private NetDmConfig configBefore;
    private boolean configChanged;
    private boolean started;
    private boolean startedSw;
    private boolean startedHw;
    private boolean tookOver;
    private int grantedRcvbuf;

    private NetDmSession(Syscalls sys, NetlinkSocket control, GenlFamily family) {
        this.sys = sys;
        this.control = control;
        this.family = family;
    }

    /** Resolves the NET_DM family; empty when this kernel has none (the caller falls back). */
    public static Optional<NetDmSession> open(Syscalls sys) throws IOException {
        NetlinkSocket control = NetlinkSocket.open(sys, NETLINK_GENERIC);
        try {
            Optional<GenlFamily> f = GenlController.resolve(control, NET_DM_GENL_NAME);
            if (f.isEmpty()) {
                control.close();
                return Optional.empty();
            }
            return Optional.of(new NetDmSession(sys, control, f.get()));
        } catch (IOException | RuntimeException e) {
            control.close();
            throw e;
        }
    }

    public GenlFamily family() {
        return family;
    }

    public NetDmDecoder decoder() {
        return decoder;
    }

    /** CONFIG_GET: the kernel's current alert mode, truncation and queue length. */
    public synchronized NetDmConfig config() throws IOException {
        NetDmConfig[] out = new NetDmConfig[1];
        control.request("NET_DM CONFIG_GET", NetDmRequests.configGet(family.id()),
                (b, at, len) -> out[0] = decoder.config(b, at, len));
        if (out[0] == null) {
            throw new IOException("NET_DM CONFIG_GET: the kernel sent no configuration");
        }
        return out[0];
    }

    /** STATS_GET: the kernel's "tail dropped" counters (alerts it could not queue). */
    public synchronized NetDmStats stats() throws IOException {
        NetDmStats[] out = new NetDmStats[1];
        control.request("NET_DM STATS_GET", NetDmRequests.statsGet(family.id()),
                (b, at, len) -> out[0] = decoder.stats(b, at, len));
        if (out[0] == null) {
            throw new IOException("NET_DM STATS_GET: the kernel sent no statistics");
        }
        return out[0];
    }

    /**
     * Joins the {@code events} multicast group (by the id the controller reported) on a dedicated socket
     * with a large receive buffer. ENOBUFS stays on: overruns are counted, never silently lost.
     */
    public synchronized NetlinkSocket listen() throws IOException {
        if (events == null) {
            int group = family.multicastGroup(NET_DM_MCGRP_EVENTS_NAME).orElseThrow(() ->
                    new IOException("NET_DM family has no '" + NET_DM_MCGRP_EVENTS_NAME + "' multicast group"));
            NetlinkSocket s = NetlinkSocket.open(sys, NETLINK_GENERIC);
            try {
                grantedRcvbuf = s.setReceiveBufferSize(EVENTS_RCVBUF);
                s.joinGroup(group);
            } catch (IOException | RuntimeException e) {
                s.close();
                throw e;
            }
            events = s;
        }
        return events;
    }

    public int receiveBufferBytes() {
        return grantedRcvbuf;
    }

    /**
     * Configures (unless passive) and starts monitoring. Call {@link #listen()} first so no alert sent
     * right after START is missed.
     *
     * @param alertMode NET_DM_ALERT_MODE_SUMMARY or NET_DM_ALERT_MODE_PACKET
     * @param truncLen  packet mode: bytes of payload per alert (0 = whole packet), or null to keep
     * @param queueLen  packet mode: per-CPU queue length, or null to keep
     */
    public synchronized void start(boolean sw, boolean hw, int alertMode, Integer truncLen, Integer queueLen,
                                   Existing existing) throws IOException {
        if (existing == Existing.PASSIVE) {
            return;
        }
        NetDmConfig before = config();
        boolean needConfig = before.alertMode() != alertMode
                || (truncLen != null && before.truncLen() != truncLen)
                || (queueLen != null && before.queueLen() != queueLen);
        if (needConfig) {
            try {
                configure(before, alertMode, truncLen, queueLen);
            } catch (NetlinkException e) {
                if (e.errno() != Errno.EBUSY) {
                    throw e;
                }
                if (existing != Existing.TAKEOVER) {
                    throw alreadyMonitoring("cannot change its settings (EBUSY)");
                }
                stopRunning(sw, hw);
                configure(before, alertMode, truncLen, queueLen);
            }
        }
        try {
            sendStart(sw, hw);
        } catch (NetlinkException e) {
            if (e.errno() != Errno.EAGAIN) {
                throw e;
            }
            if (existing != Existing.TAKEOVER) {
                throw alreadyMonitoring("START was refused (EAGAIN)");
            }
            stopRunning(sw, hw);
            sendStart(sw, hw);
        }
    }

    /**
     * NET_DM_CMD_CONFIG now (dropwatch's {@code set alertmode/trunc/queue}); null values are left as they
     * are. The configuration before the first change is restored on {@link #close()}. EBUSY while
     * monitoring is on.
     */
    public synchronized void setConfig(Integer alertMode, Integer truncLen, Integer queueLen) throws IOException {
        NetDmConfig before = config();
        int mode = alertMode != null ? alertMode : before.alertMode();
        configure(before, mode, truncLen, queueLen);
    }

    private void configure(NetDmConfig before, int alertMode, Integer truncLen, Integer queueLen) throws IOException {
        control.request("NET_DM CONFIG", NetDmRequests.config(family.id(), alertMode, truncLen, queueLen), (b, at, len) -> {
        });
        if (!configChanged) {
            configBefore = before;
            configChanged = true;
        }
    }

    private void stopRunning(boolean sw, boolean hw) throws IOException {
        control.request("NET_DM STOP", NetDmRequests.stop(family.id(), sw, hw), (b, at, len) -> {
        });
        tookOver = true;
    }

    private void sendStart(boolean sw, boolean hw) throws IOException {
        control.request("NET_DM START", NetDmRequests.start(family.id(), sw, hw), (b, at, len) -> {
        });
        started = true;
        startedSw = sw || !hw; // no flag at all means software, as the kernel does
        startedHw = hw;
    }

    /**
     * NET_DM_CMD_STOP for what this session started, ahead of {@link #close()} (which then only restores
     * the configuration): once it returns the kernel sends no more alerts, so what is queued on the events
     * socket can be drained to the end. Does nothing when this session started nothing (passive).
     */
    public synchronized void stopMonitoring() throws IOException {
        if (started && !closed.get()) {
            control.request("NET_DM STOP", NetDmRequests.stop(family.id(), startedSw, startedHw), (b, at, len) -> {
            });
            started = false;
        }
    }

    /** True when this session stopped a monitoring session it did not start. */
    public boolean tookOver() {
        return tookOver;
    }

    public boolean started() {
        return started;
    }

    private static AlreadyMonitoringException alreadyMonitoring(String what) {
        return new AlreadyMonitoringException("the kernel's drop monitor is already on (another dropwatch or "
                + "dropscope, or a stale session left by a crash): " + what
                + "; use --takeover to stop it and start ours, or --passive to only listen");
    }

    /** Monitoring is already on and the caller asked neither to take over nor to listen passively. */
    public static final class AlreadyMonitoringException extends IOException {
        private static final long serialVersionUID = 1L;

        AlreadyMonitoringException(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    /**
     * Stops what this session started and restores the configuration it changed; closes both sockets.
     * Idempotent and safe from a shutdown hook. Errors are collected into one exception after every
     * step was tried.
     */
    @Override
    public synchronized void close() throws IOException {
        // synchronized: a shutdown hook closing while the main thread is mid-close waits for it to finish
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        IOException failure = null;
        synchronized (this) {
            if (started) {
                try {
                    control.request("NET_DM STOP", NetDmRequests.stop(family.id(), startedSw, startedHw), (b, at, len) -> {
                    });
                    started = false;
                } catch (IOException e) {
                    failure = e;
                }
            }
            if (configChanged && configBefore != null) {
                try {
                    control.request("NET_DM CONFIG (restore)", NetDmRequests.config(family.id(),
                            configBefore.alertMode(), (int) configBefore.truncLen(), (int) configBefore.queueLen()),
                            (b, at, len) -> {
                            });
                    configChanged = false;
                } catch (IOException e) {
                    if (failure == null) {
                        failure = e;
                    } else {
                        failure.addSuppressed(e);
                    }
                }
            }
        }
        if (events != null) {
            events.close();
        }
        control.close();
        if (failure != null) {
            throw failure;
        }
    }
}
