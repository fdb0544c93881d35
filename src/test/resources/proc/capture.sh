#!/bin/sh
# Copies the /proc files the procfs parsers read into DEST/<kernel-release>/, mirroring /proc's layout,
# so a parser test can point its /proc directory at that copy. `cat`, not `cp`: /proc files report size 0.
# Usage: capture.sh DEST
set -eu
dest="$1/$(uname -r)"
mkdir -p "$dest/net/stat"
for f in snmp netstat snmp6 softnet_stat sockstat sockstat6 stat/nf_conntrack; do
    [ -r "/proc/net/$f" ] && cat "/proc/net/$f" > "$dest/net/$f"
done
for d in /proc/sys/net/ipv4/conf/*/; do
    i=$(basename "$d")
    mkdir -p "$dest/sys/net/ipv4/conf/$i"
    cat "$d/rp_filter" > "$dest/sys/net/ipv4/conf/$i/rp_filter"
done
for f in net/netfilter/nf_conntrack_count net/netfilter/nf_conntrack_max net/netfilter/nf_conntrack_buckets \
         net/nf_conntrack_max \
         net/core/rmem_max net/core/wmem_max net/core/rmem_default net/core/wmem_default \
         net/core/netdev_max_backlog net/core/netdev_budget net/core/netdev_budget_usecs net/core/somaxconn \
         net/ipv4/tcp_mem net/ipv4/tcp_rmem net/ipv4/tcp_wmem net/ipv4/udp_mem \
         net/ipv4/neigh/default/gc_thresh1 net/ipv4/neigh/default/gc_thresh2 net/ipv4/neigh/default/gc_thresh3; do
    if [ -r "/proc/sys/$f" ]; then
        mkdir -p "$dest/sys/$(dirname "$f")"
        cat "/proc/sys/$f" > "$dest/sys/$f"
    fi
done
echo "captured into $dest"
