# dropscope: `make build` (jar + native helpers + start-up archive), `make test` (every test), `make run` (build,
# then doctor), `make package` (the .deb and the tarball in target/).
MVN ?= mvn -B -q
CC ?= gcc
CFLAGS ?= -O2 -Wall -Wextra -std=gnu11
NATIVE_SRC := $(wildcard native/*.c)
NATIVE_BIN := $(patsubst native/%.c,native/build/%,$(NATIVE_SRC))

.PHONY: build test run native clean package

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
