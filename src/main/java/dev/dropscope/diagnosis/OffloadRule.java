package dev.dropscope.diagnosis;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.FeatureState;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.Severity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code offload_risk}: offload settings known to lose or corrupt packets: LRO on a device that forwards
 * or is enslaved to a bridge or bond (warning), and segmentation offloads on a virtual NIC that shows
 * checksum errors (info).
 */
final class OffloadRule implements Rule {
    static final String ID = "offload_risk";

    @Override
    public String id() {
        return ID;
    }
    /** Drivers of virtual NICs, where offload bugs in the hypervisor path are a known cause of bad checksums. */
    static final Set<String> VIRTUAL_NIC_DRIVERS = Set.of("virtio_net", "vmxnet3", "hv_netvsc", "xen_netfront",
            "vif", "netvsc");
    /** Ip.Forwarding is 1 when forwarding, 2 when not (RFC 1213). */
    private static final long FORWARDING = 1;

    @Override
    public List<Scored> apply(Observation o) {
        List<Scored> out = new ArrayList<>();
        Long fwd = o.after.snmp().get("Ip.Forwarding");
        boolean forwarding = fwd != null && fwd == FORWARDING;
        for (InterfaceStats i : o.after.interfaces()) {
            if (!i.features().isPresent()) {
                continue;
            }
            Map<String, FeatureState> f = i.features().value();
            FeatureState lro = f.get("rx-lro");
            if (lro != null && lro.active() && (forwarding || i.master() != null)) {
                out.add(lro(o, i, lro, forwarding));
            }
        }
        long csum = 0;
        for (String k : ChecksumRule.COUNTERS) {
            csum += o.snmpIncrease(k);
        }
        if (csum > 0) {
            for (InterfaceStats i : o.after.interfaces()) {
                if (i.driver() != null && i.driver().isPresent() && VIRTUAL_NIC_DRIVERS.contains(i.driver().value())
                        && i.features().isPresent() && o.ifIncrease(i, "rx_packets") > 0) {
                    Scored s = virtualNic(o, i, csum);
                    if (s != null) {
                        out.add(s);
                    }
                }
            }
        }
        return out;
    }

    private static Scored lro(Observation o, InterfaceStats i, FeatureState lro, boolean forwarding) {
        List<Evidence> ev = new ArrayList<>();
        ev.add(new Evidence(i.name() + " rx-lro", "on" + (lro.fixed() ? " [fixed]" : "")));
        if (forwarding) {
            ev.add(new Evidence("Ip.Forwarding", "1 (forwarding)"));
        }
        if (i.master() != null) {
            ev.add(new Evidence(i.name() + " master", i.master()));
        }
        List<Fix> fixes = List.of(Fixes.command(Fixes.inNetns(o, "ethtool -K " + i.name() + " lro off"),
                "Costs CPU on receive-heavy hosts; GRO (in software) keeps most of the benefit and is safe to "
                        + "forward. Persist it in the network manager (nmcli: ethtool.feature-lro off)."));
        String title = "LRO is on for " + i.name() + ", which " + (i.master() != null ? "is part of " + i.master()
                : "forwards packets");
        String explanation = "Large receive offload merges frames into bigger ones in the NIC and loses the "
                + "information needed to split them again exactly, so forwarded or bridged traffic can be "
                + "dropped or mangled (the kernel warns about it). Turn LRO off on routers and bridge or bond members; "
                + "GRO gives the same saving safely.";
        return new Scored(new Finding(ID, Severity.WARNING, title, ev, explanation, fixes), 0);
    }

    private static Scored virtualNic(Observation o, InterfaceStats i, long csum) {
        Map<String, FeatureState> f = i.features().value();
        List<Evidence> ev = new ArrayList<>();
        ev.add(new Evidence(i.name() + " driver", i.driver().value()));
        ev.add(Text.risen("checksum errors (InCsumErrors, all protocols)", csum, o.seconds()));
        StringBuilder off = new StringBuilder();
        for (Map.Entry<String, String> e : ChecksumRule.SEGMENTATION_OFFLOADS.entrySet()) {
            FeatureState st = f.get(e.getValue());
            if (st != null && st.active()) {
                ev.add(new Evidence(i.name() + " " + e.getValue(), "on" + (st.fixed() ? " [fixed]" : "")));
                if (!st.fixed()) {
                    off.append(' ').append(e.getKey()).append(" off");
                }
            }
        }
        if (off.length() == 0) {
            return null;
        }
        List<Fix> fixes = List.of(Fixes.command(Fixes.inNetns(o, "ethtool -K " + i.name() + off),
                "A/B test: costs guest CPU at high throughput; if the errors stop, report it to the hypervisor or "
                        + "driver vendor and keep the faulty offload off."));
        String title = "Checksum errors on virtual NIC " + i.name() + " with segmentation offloads on";
        String explanation = "Virtual NICs hand TSO/GSO/GRO work to the hypervisor's path, where offload bugs are "
                + "a known cause of bad checksums (and of tcpdump showing 'cksum incorrect', which on transmit is a "
                + "harmless artefact). Turning the offloads off for a while tells whether they are the cause.";
        return new Scored(new Finding(ID, Severity.INFO, title, ev, explanation, fixes), o.perSecond(csum));
    }
}
