# Makefile — a thin wrapper around CMake, so a fresh Debian machine needs
# only `make run` or `make test`.
#
#   make            configure once and build (build/msktriage)
#   make run        build, then start an interview on the default store
#   make test       build, then run the whole suite (CTest)
#   make test SANITIZE=1   the same with AddressSanitizer + UBSan (build-asan/)
#   make deps       install missing Debian packages (apt-get update first)
#   make bench      run the benchmarks (results go in docs/benchmarks.md)

DEBIAN_PACKAGES := build-essential cmake pkg-config libclips-dev \
	libsqlite3-dev libreadline-dev libjansson-dev libsodium-dev libcmocka-dev

ifeq ($(SANITIZE),1)
BUILD := build-asan
CMAKE_FLAGS := -DMSKTRIAGE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
else
BUILD := build
CMAKE_FLAGS :=
endif
# Only `make test` needs these.
TEST_PACKAGES := python3 python3-jsonschema chromium poppler-utils fonts-dejavu-core

JOBS := $(shell nproc 2>/dev/null || echo 2)

.PHONY: all build deps test-deps run test bench clean

all: build

deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(DEBIAN_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory install-packages PACKAGES="$(TEST_PACKAGES)"
	@v=$$(node --version 2>/dev/null); \
	case "$$v" in v2[0-9].*|v[3-9][0-9].*) ;; \
	*) echo "make test: the FHIR tests need Node.js 20.19 or newer with npm" \
		"(found: $${v:-no node}); Debian 12's own nodejs 18 is too old for" \
		"@medplum/core 4.5.2: install Node 20 LTS" >&2; exit 1;; esac

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

clean:
	rm -rf build build-asan
