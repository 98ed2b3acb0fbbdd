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

DEBIAN_PACKAGES := build-essential cmake pkg-config libclips-dev \
	libsqlite3-dev libreadline-dev libjansson-dev libsodium-dev libcmocka-dev

ifeq ($(SANITIZE),1)
BUILD := build-asan
CMAKE_FLAGS := -DMSKTRIAGE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
else
BUILD := build
CMAKE_FLAGS :=
endif
JOBS := $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build deps run test bench property clean

all: build

deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends $$missing; \
	fi

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/msktriage

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	./bench/run.sh $(BUILD)

N ?= 100000
SEED ?= 1
property: build
	./$(BUILD)/tests/property_test rules --sets $(N) --seed $(SEED)

clean:
	rm -rf build build-asan
