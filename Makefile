# dropscope: `make build` (jar + native helpers), `make test` (every test), `make run` (build, then doctor).
MVN ?= mvn -B -q
CC ?= gcc
CFLAGS ?= -O2 -Wall -Wextra -std=gnu11
NATIVE_SRC := $(wildcard native/*.c)
NATIVE_BIN := $(patsubst native/%.c,native/build/%,$(NATIVE_SRC))

.PHONY: build test run native clean bench bench-netdm jmh

build: native
	$(MVN) package -DskipTests
	@echo "built target/dropscope.jar; run ./dropscope --help"

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
