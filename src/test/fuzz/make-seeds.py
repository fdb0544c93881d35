#!/usr/bin/env python3
"""Writes the Jazzer seed corpus of the @FuzzTest targets from the real recorded fixtures.

Jazzer's JUnit integration reads regression inputs from
src/test/resources/<package>/<TestClass>Inputs/<method>/ (every file there runs under plain `mvn test`,
and seeds fuzzing under JAZZER_FUZZ=1). Seeds are named seed-*; crashing inputs Jazzer writes there are
named crash-* and are kept by hand, never regenerated. Rerun after adding fixtures:
    python3 src/test/fuzz/make-seeds.py
"""
import glob
import gzip
import hashlib
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # src/test
RES = os.path.join(ROOT, "resources")


def inputs(cls_path, method):
    d = os.path.join(RES, cls_path + "Inputs", method)
    os.makedirs(d, exist_ok=True)
    for f in glob.glob(os.path.join(d, "seed-*")):
        os.remove(f)
    return d


def put(d, data, name=None):
    h = hashlib.sha1(data).hexdigest()[:12]
    with open(os.path.join(d, "seed-" + (name + "-" if name else "") + h), "wb") as f:
        f.write(data)


def hex_messages(path):
    out = []
    for line in open(path):
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(bytes.fromhex(line))
    return out


def head_lines(data, n):
    return b"".join(data.splitlines(keepends=True)[:n])


NL = "dev/dropscope/netlink/NetlinkFuzzTest"
SH = os.path.join(RES, "netlink/stack-health/6.18.44-fc-v595")

d = inputs(NL, "netDm")
for f in sorted(glob.glob(os.path.join(RES, "fixtures/netdm/*.hex"))):
    msgs = hex_messages(f)
    base = os.path.basename(f)[:-4]
    for m in msgs:
        put(d, m, base)
    put(d, b"".join(msgs[:3]), base + "-datagram")

for method, pattern in [("rtnetlink", ["link-*.hex", "qdisc-*.hex", "neightbl-*.hex"]),
                        ("ethtool", ["ethtool-strset*.hex", "ethtool-features*.hex", "ethtool-rings*.hex",
                                     "ethtool-channels*.hex", "ethtool-stats*.hex"]),
                        ("nfct", ["nfct-*.hex"])]:
    d = inputs(NL, method)
    for p in pattern:
        for f in sorted(glob.glob(os.path.join(SH, p))):
            for m in hex_messages(f):
                put(d, m, os.path.basename(f)[:-4])

# inet_diag dumps (replies one by one, and the whole of each dump as one datagram)
d = inputs(NL, "sockDiag")
for f in sorted(glob.glob(os.path.join(RES, "netlink/sockdiag/*/*-dump.hex"))):
    msgs = hex_messages(f)[1:]  # [0] is our request
    base = os.path.basename(f)[:-4]
    for m in msgs:
        put(d, m, base)
    put(d, b"".join(msgs), base + "-datagram")
d = inputs(NL, "nftables")
for f in sorted(glob.glob(os.path.join(RES, "netlink/nftables/*/*.hex"))):
    msgs = hex_messages(f)[1:]  # [0] is our request
    for m in msgs:
        put(d, m, os.path.basename(f)[:-4])
    put(d, b"".join(msgs[:4]), os.path.basename(f)[:-4] + "-datagram")

# frames as a NET_DM packet alert carries them: u16 NET_DM_ATTR_PROTO (big endian here), then the frame
d = inputs(NL, "packetHeaders")
mac = bytes(12)
ip4 = bytes.fromhex("45000020000040004011" + "0000" + "7f000001" + "7f000002")
udp = struct.pack(">HHHH", 40000, 9, 12, 0) + b"hey!"
tcp = struct.pack(">HHIIBBHHH", 40000, 80, 1, 0, 0x50, 0x02, 65535, 0, 0)
ip6 = bytes.fromhex("60000000" + "0014" + "06" + "40") + bytes(15) + b"\x01" + bytes(15) + b"\x01"
icmp6 = bytes.fromhex("80000000") + bytes(4)
put(d, struct.pack(">H", 0x0800) + mac + b"\x08\x00" + ip4 + udp, "udp4")
put(d, struct.pack(">H", 0x86dd) + mac + b"\x81\x00\x00\x05\x86\xdd" + ip6 + tcp, "vlan-tcp6")
put(d, struct.pack(">H", 0x86dd) + mac + b"\x88\xa8\x00\x07\x81\x00\x00\x05\x86\xdd"
    + ip6[:6] + b"\x3a" + ip6[7:] + icmp6, "qinq-icmp6")
put(d, struct.pack(">H", 0x0800) + ip4[:9] + b"\x01" + ip4[10:] + b"\x08\x00\x00\x00\x00\x00\x00\x00", "short")

PF = "dev/dropscope/perf/PerfFuzzTest"
d = inputs(PF, "perfRing")
props = {}
for line in open(os.path.join(RES, "perf/ring-image/ring-image.properties")):
    if "=" in line and not line.startswith("#"):
        k, v = line.strip().split("=", 1)
        props[k] = v
image = bytes.fromhex("".join(l.strip() for l in open(os.path.join(RES, "perf/ring-image/ring.hex"))
                              if not l.startswith("#")))
page = int(props["pageSize"])
head, tail = struct.unpack_from("<QQ", image, 1024)
layout = struct.pack("<6i", *(int(props[k]) for k in
                              ["eventId", "commonPidOffset", "locationOffset", "protocolOffset", "reasonOffset",
                               "rxSkOffset"]))
data = image[page:2 * page]
put(d, struct.pack("<QQ", head, tail) + layout + data, "recorded")
put(d, struct.pack("<QQ", head, head - page) + layout + data, "whole-page")
put(d, struct.pack("<QQ", head, tail) + struct.pack("<6i", 1, 4, 8, 16, -1, -1) + data, "old-kernel-layout")

d = inputs(PF, "tracepointFormat")
for f in sorted(glob.glob(os.path.join(RES, "tracefs/*/events/*/*/format"))
                + glob.glob(os.path.join(RES, "tracefs/*/events/*/*"))):
    if os.path.isfile(f):
        put(d, open(f, "rb").read(), f.split("/events/")[1].replace("/", "-"))

d = inputs(PF, "cpuList")
for s in [b"0-1\n", b"0\n", b"0,2-3,8-15\n", b"\n"]:
    put(d, s)

PR = "dev/dropscope/procfs/ProcfsFuzzTest"
proc = sorted(glob.glob(os.path.join(RES, "proc/*")))
procfs = sorted(glob.glob(os.path.join(RES, "procfs/*")))


def files(method, paths, transform=lambda b: b):
    dd = inputs(PR, method)
    for p in paths:
        if os.path.isfile(p):
            put(dd, transform(open(p, "rb").read()), os.path.basename(p))


files("snmp", [p for v in proc for p in (v + "/net/snmp", v + "/net/netstat")])
files("snmp6", [v + "/net/snmp6" for v in proc])
files("softnet", [v + "/net/softnet_stat" for v in proc])
files("sockstat", [p for v in proc for p in (v + "/net/sockstat", v + "/net/sockstat6")])
files("conntrackStat", [v + "/net/stat/nf_conntrack" for v in proc])
files("kallsyms", [v + "/proc/kallsyms" for v in procfs]
      + glob.glob(os.path.join(RES, "kallsyms/*/kallsyms-unprivileged.txt")), lambda b: head_lines(b, 200))
files("kernelConfig", glob.glob(os.path.join(RES, "procfs/*/proc/config.gz"))
      + glob.glob(os.path.join(RES, "procfs/*/boot/config-*.gz")), lambda b: head_lines(gzip.decompress(b), 300))
files("processStatus", glob.glob(os.path.join(RES, "procfs/*/proc/self/status"))
      + glob.glob(os.path.join(RES, "procfs/*/nonroot/proc/self/status")))
files("kernelModules", glob.glob(os.path.join(RES, "procfs/*/proc/modules"))
      + glob.glob(os.path.join(RES, "procfs/*/lib/modules/*/modules.builtin")), lambda b: head_lines(b, 100))
dd = os.path.join(RES, PR + "Inputs", "kernelModules")
for p in glob.glob(os.path.join(RES, "procfs/*/lib/modules/*/modules.dep.gz")):
    put(dd, head_lines(gzip.decompress(open(p, "rb").read()), 100), "modules.dep")
files("sysctlValue", sorted(glob.glob(os.path.join(RES, "proc/*/sys/**/*"), recursive=True))
      + glob.glob(os.path.join(RES, "procfs/*/proc/sys/kernel/*")))
