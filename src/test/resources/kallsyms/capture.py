#!/usr/bin/env python3
"""Record /proc/kallsyms and the kernel's own %pS text for chosen addresses, in ONE boot.

Why: symbolization can only be checked against a kallsyms table from the same boot as the
addresses (KASLR moves everything each boot). The oracle is the kernel itself: a hist trigger
with the `.sym-offset` key modifier prints `[raw address] sprint_symbol(address)`, which is
exactly what %pS prints ("sym+0xoff/0xsize [module]").

Arbitrary addresses reach the hist trigger through sys_enter_write's `buf` field: we call
write(-1, address, MAGIC) (fails with EBADF, but the tracepoint already saw `buf`). Real drop
locations come from a second hist on skb:kfree_skb keyed by location.

Run as root in the lab VM from the repository root:
  test/vm/netdm-vm -- /usr/bin/python3 src/test/resources/kallsyms/capture.py OUTDIR
Writes OUTDIR/kallsyms.gz, OUTDIR/pS.txt, OUTDIR/kallsyms-unprivileged.txt.
"""
import ctypes
import gzip
import os
import random
import re
import socket
import subprocess
import sys

MAGIC = 0xBEEF  # write() count that marks our own calls in the trigger filter
TRACING = "/sys/kernel/tracing"


def parse(text):
    rows = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        mod = parts[3][1:-1] if len(parts) > 3 else ""
        rows.append((int(parts[0], 16), parts[1], parts[2], mod))
    return rows


def pick_addresses(rows, rng):
    """Text symbols, core and module, at offset 0, in the middle and at the last byte; plus edge cases."""
    by_region = {}
    for addr, typ, name, mod in rows:
        by_region.setdefault(mod, []).append((addr, typ, name))
    picks = set()
    for mod, syms in by_region.items():
        syms.sort(key=lambda s: s[0])
        text = [i for i, s in enumerate(syms) if s[1] in "tT" and s[0] != 0]
        if not text:
            continue
        chosen = rng.sample(text, min(len(text), 120 if mod == "" else 25))
        chosen.append(text[-1])  # the last text symbol of a region: where the size rule differs
        chosen.append(text[0])
        for i in chosen:
            addr = syms[i][0]
            nxt = next((s[0] for s in syms[i + 1:] if s[0] > addr), addr + 16)
            picks.update({addr, addr + (nxt - addr) // 2, nxt - 1})
    named = {n: a for a, t, n, m in rows if m == "" and t in "tT"}
    for n in ("__udp4_lib_rcv", "__udp6_lib_rcv", "tcp_v4_rcv", "sk_skb_reason_drop", "kfree_skb_reason",
              "ip_rcv_core", "udp_queue_rcv_one_skb", "__pfx___udp4_lib_rcv", "_stext", "_etext"):
        if n in named:
            picks.update({named[n], named[n] + 0x10})
    picks.add(0xffffffffbffff000)  # below the module area, above the kernel image: no symbol
    return sorted(picks)


def write_raw(addr):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    libc.syscall(ctypes.c_long(1), ctypes.c_long(-1), ctypes.c_ulong(addr), ctypes.c_ulong(MAGIC))


def read_hist(path, key):
    out = []
    pat = re.compile(r"\{ " + key + r": \[([0-9a-f]+)\] (.*?)\s*(?:, reason:\s*(\S+))?\s*\} hitcount:\s*(\d+)")
    for line in open(path):
        m = pat.search(line)
        if m:
            out.append((int(m.group(1), 16), m.group(2).rstrip(), m.group(3), int(m.group(4))))
    return out


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(20261121)
    inst = TRACING + "/instances/ds-kallsyms"
    os.mkdir(inst)
    wtrig = inst + "/events/syscalls/sys_enter_write/trigger"
    ktrig = inst + "/events/skb/kfree_skb/trigger"
    wcmd = "hist:keys=buf.sym-offset:vals=hitcount:size=8192 if count == %d" % MAGIC
    kcmd = "hist:keys=location.sym-offset,reason:vals=hitcount"
    try:
        text = open("/proc/kallsyms").read()
        with open(wtrig, "w") as f:
            f.write(wcmd)
        with open(ktrig, "w") as f:
            f.write(kcmd)
        try:
            addrs = pick_addresses(parse(text), rng)
            for a in addrs:
                write_raw(a)
            # a few real drops: UDP to closed ports on loopback (v4 and v6)
            for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
                s = socket.socket(fam, socket.SOCK_DGRAM)
                for _ in range(5):
                    s.sendto(b"x", (host, 9))
                s.close()
            whist = read_hist(inst + "/events/syscalls/sys_enter_write/hist", "buf")
            khist = read_hist(inst + "/events/skb/kfree_skb/hist", "location")
        finally:
            with open(wtrig, "w") as f:
                f.write("!" + wcmd)
            with open(ktrig, "w") as f:
                f.write("!" + kcmd)
        # the table must be the same before and after (a module load in between would spoil it)
        if open("/proc/kallsyms").read() != text:
            sys.exit("kallsyms changed during the capture; run again")
    finally:
        os.rmdir(inst)
    with gzip.open(os.path.join(outdir, "kallsyms.gz"), "wt") as f:
        f.write(text)
    seen = {a for a, *_ in whist}
    missing = [a for a in addrs if a not in seen]
    if missing:
        sys.exit("hist lost %d addresses, e.g. %x" % (len(missing), missing[0]))
    uname = os.uname()
    with open(os.path.join(outdir, "pS.txt"), "w") as f:
        f.write("# address<TAB>kernel sprint_symbol() (= %pS) from a hist trigger .sym-offset key<TAB>source\n")
        f.write("# kernel: %s %s; same boot as kallsyms.gz\n" % (uname.release, uname.version))
        for a, s, _, _ in sorted(whist):
            f.write("0x%x\t%s\twrite-buf\n" % (a, s))
        for a, s, reason, n in sorted(khist):
            f.write("0x%x\t%s\tkfree_skb reason=%s hits=%d\n" % (a, s, reason, n))
    # what an unprivileged reader sees (kallsyms_show_value() says no): every address zeroed
    unpriv = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                             "head", "-n", "300", "/proc/kallsyms"], check=True, capture_output=True, text=True)
    with open(os.path.join(outdir, "kallsyms-unprivileged.txt"), "w") as f:
        f.write(unpriv.stdout)
    print("addresses %d, drop locations %d" % (len(whist), len(khist)))


if __name__ == "__main__":
    main()
