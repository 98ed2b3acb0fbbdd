# Makefile — a thin wrapper around CMake, so a fresh Debian machine needs
# only `make run` or `make test`.
#
#   make            configure once and build (build/msktriage)
#   make run        build, then start an interview on the default store
#   make test       build, then run the whole suite (CTest)
#   make test SANITIZE=1   the same with AddressSanitizer + UBSan (build-asan/)
#   make deps       install missing Debian packages (apt-get update first)
#   make bench      run the benchmarks (results go in docs/benchmarks.md)
#   make property   the differential property test at full length
#                   (N=100000 answer sets, SEED=1; both may be given)
#   make fuzz       build the libFuzzer harnesses with clang (build-fuzz/) and
#                   run each for FUZZ_SECONDS (default 300); installs clang
#                   and its fuzzer runtime, which nothing else needs

DEBIAN_PACKAGES := build-essential cmake pkg-config libclips-dev libpq-dev \
	libsqlite3-dev libreadline-dev libjansson-dev libsodium-dev libcmocka-dev

ifeq ($(SANITIZE),1)
BUILD := build-asan
CMAKE_FLAGS := -DMSKTRIAGE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
else
BUILD := build
CMAKE_FLAGS :=
endif
# Only `make test` needs these (postgresql: a throwaway server, through
# pg_virtualenv, for the store's tests on PostgreSQL).
TEST_PACKAGES := python3 python3-jsonschema chromium poppler-utils fonts-dejavu-core \
	postgresql postgresql-common

JOBS := $(shell nproc 2>/dev/null || echo 2)

# Only for `make fuzz`, never for `make run` or `make test`.
FUZZ_PACKAGES := clang libclang-rt-14-dev
FUZZ_SECONDS ?= 300
FUZZ_BUILD := build-fuzz
FUZZ_FLAGS := -dict=tests/fuzz/msktriage.dict -max_len=16384 -close_fd_mask=3 \
	-rss_limit_mb=4096 -timeout=30 -print_final_stats=1

.PHONY: all build deps test-deps install-packages fuzz-deps run test bench property fuzz clean

all: build

deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEBIAN_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(TEST_PACKAGES)"
	@node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null || \
	{ echo "make test: the FHIR tests need Node.js 20.19 or newer with npm" \
		"(found: $$(node --version 2>/dev/null || echo no node)); Debian 12's" \
		"own nodejs 18 is too old for @medplum/core 4.5.2: install Node 20 LTS" >&2; \
	  exit 1; }

install-packages:
	@missing=$$(for p in $(PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends $$missing; \
	fi

fuzz-deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(FUZZ_PACKAGES)"

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/msktriage

test: build test-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	./bench/run.sh $(BUILD)

N ?= 100000
SEED ?= 1
property: build
	./$(BUILD)/tests/property_test rules --sets $(N) --seed $(SEED)

# Each fuzzer starts from the seeds (made from tests/cases) plus what
# earlier runs kept in $(FUZZ_BUILD)/corpus/; crashes are written to
# $(FUZZ_BUILD)/ and fail the target.
fuzz: deps fuzz-deps
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DMSKTRIAGE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	./$(FUZZ_BUILD)/tests/fuzz/fuzz_seeds tests/cases $(FUZZ_BUILD)/seeds
	for t in request assess; do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t && \
		./$(FUZZ_BUILD)/tests/fuzz/fuzz_$$t $(FUZZ_FLAGS) \
			-max_total_time=$(FUZZ_SECONDS) \
			-artifact_prefix=$(FUZZ_BUILD)/crash-$$t- \
			$(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/seeds/$$t || exit 1; \
	done

clean:
	rm -rf build build-asan build-fuzz
