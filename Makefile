# dropscope: `make build` (jar + native helpers + start-up archive), `make test` (every test), `make run` (build,
# then doctor), `make package` (the .deb and the tarball in target/). Each first runs scripts/setup, which
# installs what the machine lacks (Debian/Ubuntu, as root) or names it and stops.
MVN ?= mvn -B -q
CC ?= gcc
CFLAGS ?= -O2 -Wall -Wextra -std=gnu11
NATIVE_SRC := $(wildcard native/*.c)
NATIVE_BIN := $(patsubst native/%.c,native/build/%,$(NATIVE_SRC))

.PHONY: build test test-fast test-unprivileged run native clean package bench bench-netdm jmh fuzz soak

build:
	@scripts/setup build
	@$(MAKE) --no-print-directory native
	$(MVN) package -DskipTests
	packaging/train-classlist.sh target/dropscope.jar target/classes.lst
	DROPSCOPE_MAKE_CDS=1 ./dropscope
	@echo "built target/dropscope.jar; run ./dropscope --help"

package: build
	packaging/build-package.sh target

native: $(NATIVE_BIN)

native/build/%: native/%.c
	@mkdir -p native/build
	$(CC) $(CFLAGS) -o $@ $< $(LDLIBS)

# Every test, as root: a test that cannot have what it needs (root, a program, the NET_DM VM) fails with the
# reason. The last line says how many ran and which were skipped, and why (scripts/test-summary); the exit
# status is Maven's. test-fast: all but the NET_DM VM tests (tag lab: 7 to 14 minutes under a loaded host).
# test-unprivileged: without root or the test tools; tests that need them are left out, each listed with why.
TEST_REPORTS = target/surefire-reports target/failsafe-reports
test:
	@scripts/setup test
	@$(MAKE) --no-print-directory native
	@rm -rf $(TEST_REPORTS)
	@rc=0; mvn -B verify || rc=$$?; scripts/test-summary; exit $$rc

test-fast:
	@scripts/setup test
	@$(MAKE) --no-print-directory native
	@rm -rf $(TEST_REPORTS)
	@rc=0; mvn -B verify -DexcludedGroups=lab || rc=$$?; \
		scripts/test-summary --left-out "tag lab (the NET_DM VM: NetDmLabTest, DoctorLabTest)"; exit $$rc

test-unprivileged:
	@scripts/setup test-unprivileged
	@$(MAKE) --no-print-directory native
	@rm -rf $(TEST_REPORTS)
	@echo "test-unprivileged: tests that need root, a missing program or the NET_DM VM are left out (listed at the end)"
	@rc=0; mvn -B verify -Ddropscope.tests.partial=true || rc=$$?; scripts/test-summary; exit $$rc

run: build
	./dropscope doctor

clean:
	$(MVN) clean
	rm -rf native/build

# Benchmarks (never part of `make test`). BENCH_ARGS, e.g. "--runs 1 --seconds 3 --rss-seconds 10" for a quick look.
BENCH_ARGS ?=
bench: build
	python3 bench/bench.py $(BENCH_ARGS)

bench-netdm: build
	@scripts/setup vm
	python3 bench/bench_netdm.py $(BENCH_ARGS)

# JMH micro-benchmarks (src/jmh/java): ns per operation of the per-drop hot paths. JMH_ARGS, e.g. "-f 1 -wi 2 -i 3 Perf".
JMH_ARGS ?=
JMH_CP = target/classes:target/test-classes:$$(cat target/jmh.classpath)
jmh:
	mvn -B -q -Pjmh test-compile dependency:build-classpath -Dmdep.outputFile=target/jmh.classpath -Dmdep.includeScope=test
	rm -rf target/jmh-classes && mkdir -p target/jmh-classes
	javac -encoding UTF-8 -cp $(JMH_CP) -d target/jmh-classes $$(find src/jmh/java -name '*.java') 2>&1 | grep -v '^Note:' || true
	test -f target/jmh-classes/META-INF/BenchmarkList
	java -cp target/jmh-classes:$(JMH_CP) org.openjdk.jmh.Main $(JMH_ARGS)

# Jazzer: fuzz each @FuzzTest for FUZZ_TIME (make test replays their corpus in regression mode).
# Crashes land in src/test/resources/<package>/<Class>Inputs/<method>/ (commit them with the fix);
# libFuzzer's working corpus in .cifuzz-corpus/ (not committed). One target: make fuzz FUZZ_TARGETS=NetlinkFuzzTest#netDm
FUZZ_TIME ?= 60s
FUZZ_TARGETS ?= NetlinkFuzzTest\#netDm NetlinkFuzzTest\#rtnetlink NetlinkFuzzTest\#ethtool NetlinkFuzzTest\#nfct NetlinkFuzzTest\#sockDiag \
	NetlinkFuzzTest\#nftables \
	NetlinkFuzzTest\#packetHeaders PerfFuzzTest\#perfRing PerfFuzzTest\#tracepointFormat PerfFuzzTest\#cpuList \
	ProcfsFuzzTest\#snmp ProcfsFuzzTest\#snmp6 ProcfsFuzzTest\#softnet ProcfsFuzzTest\#sockstat \
	ProcfsFuzzTest\#conntrackStat ProcfsFuzzTest\#kallsyms ProcfsFuzzTest\#kernelConfig \
	ProcfsFuzzTest\#processStatus ProcfsFuzzTest\#kernelModules ProcfsFuzzTest\#sysctlValue \
	SnapshotFuzzTest\#read BtfFuzzTest\#parse

fuzz:
	$(MVN) test-compile
	@mkdir -p target/fuzz; failed=""; for t in $(FUZZ_TARGETS); do \
		log=target/fuzz/$$(echo "$$t" | tr '#' '.').log; \
		echo "fuzz: $$t for $(FUZZ_TIME) (log: $$log)"; \
		if JAZZER_FUZZ=1 JAZZER_MAX_DURATION=$(FUZZ_TIME) mvn -B -q -o surefire:test -Dtest="$$t" \
				-DargLine=-Xmx768m >"$$log" 2>&1; then \
			grep -E '^#[0-9]+ +(INITED|DONE)|^Done [0-9]+ runs' "$$log" | tail -3; \
		else \
			grep -v '^INFO: \(Instrumented\|Loaded\)' "$$log" | grep -v '^#[0-9]' | grep -v '^"' | head -40; \
			failed="$$failed $$t"; \
		fi; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz: findings in:$$failed; crashing inputs are under src/test/resources/dev/dropscope/*/*Inputs/"; exit 1; \
	fi

# Soak (not part of make test): watch + collectors at full drop rate in a namespace for DURATION,
# RSS/fds/threads sampled; see src/test/soak/soak.py for the pass/fail rules.
DURATION ?= 10m
soak: build
	DURATION=$(DURATION) python3 src/test/soak/soak.py
