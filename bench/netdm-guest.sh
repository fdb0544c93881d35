#!/bin/sh
# Runs inside test/vm/netdm-vm (see bench/bench_netdm.py): for each round and NET_DM mode, start
# `dropscope watch --source netdm`, wait until it is live, make drops on the guest's loopback with
# native/build/dropgen (counted by the guest's Udp NoPorts), stop watch with SIGTERM, keep every output.
# Usage: netdm-guest.sh OUTDIR ROUNDS SECONDS THREADS MODES PACKET_MODE_COUNT
# (packet mode: each generator thread stops after PACKET_MODE_COUNT drops; the emulated JVM writes a
# JSON line per packet at only tens per second, so a full-rate burst would take minutes to print)
out=$1 rounds=$2 secs=$3 threads=$4 modes=$5 count=${6:-500}
mkdir -p "$out"
ip link set lo up 2>/dev/null
r=1
while [ "$r" -le "$rounds" ]; do
    for mode in $modes; do
        d="$out/$mode-$r"
        ./dropscope watch --source netdm --mode "$mode" --format json >"$d.watch" 2>"$d.err" &
        pid=$!
        i=0
        until grep -q '"type":"start"' "$d.watch" 2>/dev/null; do
            i=$((i + 1))
            if [ "$i" -gt 900 ] || ! kill -0 "$pid" 2>/dev/null; then
                echo "watch not live" >>"$d.err"
                break
            fi
            sleep 0.2
        done
        limit=""
        [ "$mode" = packet ] && limit="-c $count"
        native/build/dropgen udp -t "$threads" -d "$secs" $limit >"$d.gen" 2>>"$d.err"
        sleep 2  # NET_DM sends a summary alert about a second after a CPU's last drop
        # packet mode: let watch work through what the kernel already sent (emulated, the JVM is slow)
        # until its output stops growing for 3 s (at most 600 s); then every drop had its chance
        prev=-1 waited=0
        while [ "$waited" -lt 600 ]; do
            size=$(wc -c <"$d.watch")
            [ "$size" = "$prev" ] && break
            prev=$size
            sleep 3
            waited=$((waited + 3))
        done
        echo "$waited" >"$d.settle"
        kill -TERM "$pid" 2>/dev/null  # not INT: a non-interactive sh starts background jobs with SIGINT ignored
        wait "$pid"
        echo $? >"$d.rc"
        echo "netdm-guest: $mode round $r: $(cat "$d.gen")"
    done
    r=$((r + 1))
done
