#!/bin/bash
# lab VM only: make a few counters move, take CPU 1 offline, then capture
set -u
echo 0 > /sys/devices/system/cpu/cpu1/online
sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.lo.rp_filter=2
for i in 1 2 3; do echo x > /dev/udp/127.0.0.1/9; done
echo x > /dev/udp/::1/9 2>/dev/null
echo x > /dev/udp/::1/9 2>/dev/null
(echo > /dev/tcp/127.0.0.1/1) 2>/dev/null
sleep 1
cat /sys/devices/system/cpu/online
src/test/resources/proc/capture.sh src/test/resources/proc
