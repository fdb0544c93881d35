package dev.dropscope.collect;

import dev.dropscope.model.Snapshot;
import dev.dropscope.model.SoftnetCpu;
import dev.dropscope.procfs.ProcFiles;
import dev.dropscope.procfs.ProtocolCounters;
import dev.dropscope.procfs.SockStat;
import dev.dropscope.procfs.Interrupts;
import dev.dropscope.procfs.SoftnetStat;
import dev.dropscope.model.RxQueueIrq;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * /proc/net: protocol counters (snmp, netstat, snmp6), softnet_stat per CPU, and sockstat; and from
 * /proc/interrupts the RX queues' interrupts with the CPUs they land on (the sysfs beside that /proc names
 * the virtio devices' interfaces).
 */
public final class ProcNetCollector implements Collector {
    public static final String NAME = "procnet";
    private final Path proc;

    public ProcNetCollector() {
        this(ProcFiles.PROC);
    }

    /** Reading under another /proc: a captured tree in tests. */
    public ProcNetCollector(Path proc) {
        this.proc = proc;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void collect(Snapshot.Builder into) {
        ProtocolCounters pc = ProtocolCounters.query(proc);
        pc.problems().forEach(p -> into.error(NAME, p));
        into.snmp(pc.counters());

        SoftnetStat sn = SoftnetStat.query(proc);
        sn.problems().forEach(p -> into.error(NAME, "softnet_stat: " + p));
        into.softnet(softnet(sn));

        SockStat ss = SockStat.query(proc);
        ss.problems().forEach(p -> into.error(NAME, "sockstat: " + p));
        into.sockstat(ss.values());

        List<RxQueueIrq> irqs = new ArrayList<>();
        for (Interrupts.QueueIrq q : Interrupts.query(proc, proc.resolveSibling("sys").resolve("class/net"))) {
            irqs.add(new RxQueueIrq(q.iface(), q.queue(), q.irq(), q.perCpu(), q.affinity()));
        }
        if (!irqs.isEmpty()) {
            into.rxIrqs(irqs);
        }
    }

    /** Names the softnet_stat columns after struct softnet_data's fields. */
    static List<SoftnetCpu> softnet(SoftnetStat sn) {
        List<SoftnetCpu> out = new ArrayList<>();
        for (SoftnetStat.Cpu c : sn.cpus()) {
            Map<String, Long> m = new LinkedHashMap<>();
            m.put("processed", c.processed());
            m.put("dropped", c.dropped());
            m.put("time_squeeze", c.timeSqueeze());
            m.put("cpu_collision", c.cpuCollision());
            m.put("received_rps", c.receivedRps());
            put(m, "flow_limit_count", c.flowLimitCount());
            put(m, "backlog_len", c.backlogLen());
            put(m, "input_qlen", c.inputQlen());
            put(m, "process_qlen", c.processQlen());
            out.add(new SoftnetCpu(c.cpu(), m));
        }
        return out;
    }

    private static void put(Map<String, Long> m, String k, OptionalLong v) {
        if (v.isPresent()) {
            m.put(k, v.getAsLong());
        }
    }
}
