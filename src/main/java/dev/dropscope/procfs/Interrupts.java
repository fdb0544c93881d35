package dev.dropscope.procfs;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which CPU an RX queue's interrupt lands on: {@code /proc/interrupts} (per-CPU counts and the names the
 * drivers gave their vectors) and {@code /proc/irq/N/smp_affinity_list}. Drivers name a queue's vector
 * after the interface ({@code eth0-TxRx-0}, {@code eth0-rx-0}: igb, ixgbe, i40e, ice) or, virtio_net, after
 * the virtio device ({@code virtio2-input.0}), which {@code /sys/class/net/IF/device} links to. Vectors named
 * otherwise (mlx5's {@code mlx5_comp0@pci:...}) are not matched to a queue.
 */
public final class Interrupts {
    private Interrupts() {
    }

    /** One numbered line of /proc/interrupts: its per-CPU counts and the action names after the chip columns. */
    public record Irq(int irq, List<Long> perCpu, List<String> actions) {
        public Irq {
            perCpu = List.copyOf(perCpu);
            actions = List.copyOf(actions);
        }
    }

    /** An interface's RX queue. */
    public record RxQueue(String iface, int queue) {
    }

    /** An RX queue's interrupt: its counts per CPU now and where the kernel may deliver it. */
    public record QueueIrq(String iface, int queue, int irq, List<Long> perCpu, String affinity) {
        public QueueIrq {
            perCpu = List.copyOf(perCpu);
        }
    }

    private static final Pattern BY_IFACE = Pattern.compile("(.+)-(?:TxRx|rx|RX|rxtx|txrx)-(\\d+)");
    private static final Pattern VIRTIO = Pattern.compile("(virtio\\d+)-input\\.(\\d+)");

    /**
     * The numbered lines of /proc/interrupts (NMI, LOC and the other per-CPU event lines are skipped). The
     * header names the CPU columns; the action names are the last column, several joined by ", ".
     */
    public static List<Irq> parse(String text) {
        List<Irq> out = new ArrayList<>();
        String[] lines = text.split("\n");
        if (lines.length == 0) {
            return out;
        }
        int cpus = 0;
        for (String h : lines[0].trim().split("\\s+")) {
            if (h.startsWith("CPU")) {
                cpus++;
            }
        }
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].trim().split("\\s+");
            if (f.length < 2 || !f[0].endsWith(":")) {
                continue;
            }
            int irq;
            try {
                irq = Integer.parseInt(f[0].substring(0, f[0].length() - 1));
            } catch (NumberFormatException e) {
                continue; // NMI:, LOC:, ...
            }
            List<Long> counts = new ArrayList<>(cpus);
            int k = 1;
            for (; k < f.length && counts.size() < cpus; k++) {
                try {
                    counts.add(Long.parseLong(f[k]));
                } catch (NumberFormatException e) {
                    break;
                }
            }
            if (counts.size() != cpus || k >= f.length) {
                continue; // no actions, or a truncated line
            }
            // the last token is an action; earlier ones ending in ',' are too ("eth0-rx-0, eth0-tx-0")
            List<String> actions = new ArrayList<>();
            int a = f.length - 1;
            actions.add(f[a]);
            while (a - 1 > k && f[a - 1].endsWith(",")) {
                a--;
                actions.add(0, f[a].substring(0, f[a].length() - 1));
            }
            out.add(new Irq(irq, counts, actions));
        }
        return out;
    }

    /**
     * The RX queue a vector's name stands for, or null: {@code IF-TxRx-N}, {@code IF-rx-N} for an interface
     * in {@code ifaces}, {@code virtioK-input.N} for the interface whose device is {@code virtioK}.
     */
    public static RxQueue rxQueue(String action, Map<String, String> virtioToIface, Set<String> ifaces) {
        Matcher m = VIRTIO.matcher(action);
        if (m.matches()) {
            String iface = virtioToIface.get(m.group(1));
            return iface == null ? null : new RxQueue(iface, Integer.parseInt(m.group(2)));
        }
        m = BY_IFACE.matcher(action);
        if (m.matches() && ifaces.contains(m.group(1))) {
            return new RxQueue(m.group(1), Integer.parseInt(m.group(2)));
        }
        return null;
    }

    /** The virtio device a {@code /sys/class/net/IF/device} link points to ({@code ../../../virtio2}), or null. */
    public static String parseVirtioDevice(String linkTarget) {
        String name = linkTarget.substring(linkTarget.lastIndexOf('/') + 1);
        return name.matches("virtio\\d+") ? name : null;
    }

    /** {@code smp_affinity_list} ("0-3,8-11") as CPU numbers; empty for text it cannot read. */
    public static List<Integer> parseCpuList(String text) {
        List<Integer> out = new ArrayList<>();
        String t = text.trim();
        if (t.isEmpty()) {
            return out;
        }
        try {
            for (String part : t.split(",")) {
                int dash = part.indexOf('-');
                int from = Integer.parseInt(dash < 0 ? part : part.substring(0, dash));
                int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1));
                for (int c = from; c <= to && out.size() < 65536; c++) {
                    out.add(c);
                }
            }
        } catch (NumberFormatException e) {
            return new ArrayList<>();
        }
        return out;
    }

    /**
     * The RX queues' interrupts of the interfaces named in {@code sysClassNet} ({@code /sys/class/net}),
     * from {@code proc}: empty when /proc/interrupts cannot be read. The affinity is null when its file is
     * not readable.
     */
    public static List<QueueIrq> query(Path proc, Path sysClassNet) {
        String text;
        try {
            text = Files.readString(proc.resolve("interrupts"));
        } catch (IOException e) {
            return List.of();
        }
        Map<String, String> virtio = new LinkedHashMap<>();
        Set<String> ifaces = new HashSet<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(sysClassNet)) {
            for (Path p : d) {
                String iface = p.getFileName().toString();
                ifaces.add(iface);
                try {
                    String dev = parseVirtioDevice(Files.readSymbolicLink(p.resolve("device")).toString());
                    if (dev != null) {
                        virtio.put(dev, iface);
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // a virtual interface: no device
                }
            }
        } catch (IOException e) {
            // no sysfs: only the names the vectors carry themselves can be matched
        }
        List<QueueIrq> out = new ArrayList<>();
        for (Irq irq : parse(text)) {
            for (String action : irq.actions()) {
                RxQueue q = rxQueue(action, virtio, ifaces);
                if (q != null) {
                    String affinity;
                    try {
                        affinity = Files.readString(proc.resolve("irq/" + irq.irq() + "/smp_affinity_list")).trim();
                    } catch (IOException e) {
                        affinity = null;
                    }
                    out.add(new QueueIrq(q.iface(), q.queue(), irq.irq(), irq.perCpu(), affinity));
                    break;
                }
            }
        }
        return out;
    }
}
