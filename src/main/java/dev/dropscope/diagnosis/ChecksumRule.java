package dev.dropscope.diagnosis;

import dev.dropscope.model.Evidence;
import dev.dropscope.model.FeatureState;
import dev.dropscope.model.Finding;
import dev.dropscope.model.Fix;
import dev.dropscope.model.InterfaceStats;
import dev.dropscope.model.ResolvedDropSite;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code checksum_errors}: packets arrive corrupted (the wire, a device, or an offload bug). */
final class ChecksumRule implements Rule {
    static final String ID = "checksum_errors";

    @Override
    public String id() {
        return ID;
    }
    static final List<String> COUNTERS = List.of("IpExt.InCsumErrors", "Tcp.InCsumErrors", "Udp.InCsumErrors",
            "UdpLite.InCsumErrors", "Icmp.InCsumErrors", "Udp6.InCsumErrors", "UdpLite6.InCsumErrors",
            "Icmp6.InCsumErrors");
    static final Set<String> REASONS = Set.of("IP_CSUM", "TCP_CSUM", "UDP_CSUM", "ICMP_CSUM", "SKB_CSUM");
    /** Offloads to turn off one group at a time, by ethtool's short name and its feature name. */
    static final Map<String, String> SEGMENTATION_OFFLOADS = new LinkedHashMap<>();

    static {
        SEGMENTATION_OFFLOADS.put("tso", "tx-tcp-segmentation");
        SEGMENTATION_OFFLOADS.put("gso", "tx-generic-segmentation");
        SEGMENTATION_OFFLOADS.put("gro", "rx-gro");
        SEGMENTATION_OFFLOADS.put("lro", "rx-lro");
    }

    @Override
    public List<Scored> apply(Observation o) {
        List<Evidence> ev = new ArrayList<>();
        long counted = o.snmpRisen(COUNTERS, ev);
        List<InterfaceStats> crc = new ArrayList<>();
        long crcErrors = 0;
        for (InterfaceStats i : o.after.interfaces()) {
            long inc = o.ifIncrease(i, "rx_crc_errors");
            if (inc > 0) {
                crc.add(i);
                ev.add(Text.risen(i.name() + " rx_crc_errors", inc, o.seconds()));
                crcErrors += inc;
            }
        }
        List<ResolvedDropSite> sites = o.sitesWithReason(REASONS);
        long n = Math.max(counted + crcErrors, Observation.dropsAt(sites));
        if (n == 0) {
            return List.of();
        }
        sites.forEach(s -> ev.add(Text.site(s, o.seconds())));
        double rate = o.perSecond(n);

        List<InterfaceStats> suspects = crc.isEmpty() ? SoftnetBacklogRule.receivers(o) : crc;
        List<Fix> fixes = new ArrayList<>();
        for (InterfaceStats i : crc) {
            fixes.add(Fixes.command("check the physical link of " + i.name() + ": reseat or replace the cable or "
                            + "optic, look at the switch port's error counters (" + Fixes.inNetns(o, "ethtool -S "
                            + i.name()) + " shows the NIC's side)",
                    "CRC errors are damage on the wire or in the PHY: no setting fixes them."));
        }
        for (InterfaceStats i : suspects) {
            Map<String, FeatureState> f = i.features().isPresent() ? i.features().value() : Map.of();
            FeatureState rxsum = f.get("rx-checksum");
            if (rxsum != null) {
                ev.add(new Evidence(i.name() + " rx-checksum offload", (rxsum.active() ? "on" : "off")
                        + (rxsum.fixed() ? " [fixed]" : "")));
            }
            fixes.add(Fixes.command(Fixes.inNetns(o, "ethtool -K " + i.name() + " rx off tx off"),
                    "A/B test: the CPU then computes checksums (a few % CPU at high rates); if the errors stop, "
                            + "the NIC's checksum offload is at fault: update driver/firmware, keep it off."));
            StringBuilder seg = new StringBuilder();
            for (Map.Entry<String, String> e : SEGMENTATION_OFFLOADS.entrySet()) {
                FeatureState st = f.get(e.getValue());
                if (f.isEmpty() || (st != null && st.active() && !st.fixed())) {
                    seg.append(' ').append(e.getKey()).append(" off");
                }
            }
            if (seg.length() > 0) {
                fixes.add(Fixes.command(Fixes.inNetns(o, "ethtool -K " + i.name() + seg),
                        "Second A/B step: segmentation offloads off costs CPU per packet at high throughput; "
                                + "turn them back on one by one to find the faulty one."));
            }
        }
        fixes.add(Fixes.command("protect data end to end (TLS, or CRC32C in the application or storage protocol)",
                "TCP's 16-bit checksum lets about 1 in 65536 randomly corrupted segments through: errors counted "
                        + "here mean some corruption may also have gone unnoticed."));
        String title = "Corrupted packets: checksum errors (" + o.pace(rate) + ")";
        String explanation = "Packets arrived whose checksum does not match their content, and the kernel dropped "
                + "them (InCsumErrors" + (crcErrors > 0 ? ", rx_crc_errors at the link" : "") + "). Causes are a "
                + "damaged link or device on the path, or a checksum or segmentation offload bug: turn offloads "
                + "off as an A/B test. TCP's own checksum is weak, so end-to-end checks (TLS, CRC32C) matter.";
        return List.of(new Scored(new Finding(ID, Severities.loss(rate), title, ev, explanation, fixes), rate));
    }
}
