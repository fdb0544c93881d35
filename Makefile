# dropscope: `make build` (jar + native helpers + start-up archive), `make test` (every test), `make run` (build,
# then doctor), `make package` (the .deb and the tarball in target/).
MVN ?= mvn -B -q
CC ?= gcc
CFLAGS ?= -O2 -Wall -Wextra -std=gnu11
NATIVE_SRC := $(wildcard native/*.c)
NATIVE_BIN := $(patsubst native/%.c,native/build/%,$(NATIVE_SRC))

.PHONY: build test run native clean package bench bench-netdm jmh

build: native
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

test: native
	mvn -B verify

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
