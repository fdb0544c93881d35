#!/usr/bin/env bash
# Checks scripts/setup's decisions without touching the machine: a fake PATH whose apt-get,
# apt-cache and debconf-set-selections only log, SETUP_EUID for root or not, SETUP_OS_RELEASE for the
# distribution, SETUP_SYSROOT for the header checks. Run: test/setup/setup-selftest.sh (prints ok or why).
set -u
S=$(cd "$(dirname "$0")/../.." && pwd)/scripts/setup
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir "$W/bin" "$W/empty"
for t in bash env id sed awk tr cat grep mktemp tail rm ldd head; do ln -s "$(command -v $t)" "$W/bin/$t"; done
printf '#!/bin/bash\necho "apt-get $*" >>%s/log\n' "$W" >"$W/bin/apt-get"
printf '#!/bin/bash\n[[ $2 == openjdk-17-jdk-headless ]] && echo "  Candidate: (none)" || echo "  Candidate: 21.0.1"\n' >"$W/bin/apt-cache"
printf '#!/bin/bash\necho "debconf $(cat)" >>%s/log\n' "$W" >"$W/bin/debconf-set-selections"
chmod +x "$W"/bin/*
printf 'ID=ubuntu\nID_LIKE=debian\n' >"$W/ubuntu"; printf 'ID=fedora\n' >"$W/fedora"
fails=0
run() {  # run EUID OS TARGET -> sets OUT (stderr), RC; LOG = what apt was asked
    rm -f "$W/log"
    OUT=$(PATH=$W/bin SETUP_EUID=$1 SETUP_OS_RELEASE=$W/$2 SETUP_SYSROOT=$W/empty "$W/bin/bash" "$S" "$3" 2>&1); RC=$?
    LOG=$(cat "$W/log" 2>/dev/null)
}
expect() { if ! eval "$1"; then echo "FAIL: $2"; echo "  rc=$RC out=$OUT"; echo "  apt: $LOG"; fails=$((fails + 1)); fi; }

run 0 ubuntu test
expect '[[ $RC == 0 && $(wc -l <<<"$OUT") == 1 && $OUT == "setup: installing with apt-get: "* ]]' "root on Ubuntu: one line, then apt"
expect '[[ $LOG == *"apt-get update"*"install-setuid boolean false"*"apt-get install -y -q --no-install-recommends openjdk-21-jdk-headless maven gcc"*" nftables "*" tshark"* ]]' "update first, tshark preseeded, JDK 21 when apt has no 17"
run 1000 ubuntu test
expect '[[ $RC == 1 && $(wc -l <<<"$OUT") == 1 && $OUT == *"needs root"*"nftables"* && -z $LOG ]]' "not root: one line naming root and the packages, nothing installed"
run 0 fedora run
expect '[[ $RC == 1 && $(wc -l <<<"$OUT") == 1 && $OUT == *"maven"*"package manager"* && -z $LOG ]]' "not Debian: one line naming the packages"
run 1000 ubuntu vm
expect '[[ $RC == 1 && $OUT == *"qemu-system-x86 busybox-static"* && -z $LOG ]]' "vm group names QEMU and busybox"
run 0 ubuntu bogus
expect '[[ $RC == 2 ]]' "unknown target: usage"
# this machine as it is, not root: make test stops for root alone when nothing is missing
OUT=$(SETUP_EUID=1000 "$S" test 2>&1); RC=$?
expect '[[ $RC == 1 && $(wc -l <<<"$OUT") == 1 && $OUT == *"needs root"* ]]' "not root on this machine: one line"
((fails == 0)) && echo "setup-selftest: ok" || { echo "setup-selftest: $fails failed"; exit 1; }
