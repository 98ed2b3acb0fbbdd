#!/usr/bin/env bash
# run.sh BUILD_DIR — the benchmarks of docs/benchmarks.md, on this machine.
#   1. process start to first question (the real binary spawned 300 times
#      with an empty answer set), and the engine's share of it
#   2. in-process engine time per case over generated cases
#   3. assess --batch throughput on 100,000 cases, 1 thread and all cores,
#      with peak memory (max RSS)
set -euo pipefail
build=${1:-build}
bin=$build/msktriage
out=bench/out
mkdir -p "$out"
cases=$out/cases-2000.jsonl
batch=$out/cases-100k.jsonl

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem/{print $2}') GiB"
echo "rule base: $($bin --version | tail -1)"

[ -s "$cases" ] || "$build/bench/bench" gen 2000 "$cases"
if [ ! -s "$batch" ]; then
	: > "$batch"
	for _ in $(seq 50); do cat "$cases" >> "$batch"; done
fi

# 1. start to first question: the whole process, spawned from C.
"$build/bench/bench" start 300 "$bin"
"$build/bench/bench" load 200

# 2. engine time per case.
"$build/bench/bench" engine "$cases" 20

# 3. batch throughput and peak memory.
for jobs in 1 "$(nproc)"; do
	/usr/bin/time -f "%e s %M KiB" -o "$out/time.txt" \
		"$bin" assess --batch --jobs "$jobs" < "$batch" > "$out/results.jsonl"
	read -r secs _ kib _ < "$out/time.txt"
	lines=$(wc -l < "$out/results.jsonl")
	awk -v s="$secs" -v n="$lines" -v j="$jobs" -v k="$kib" 'BEGIN {
		printf "batch --jobs %d: %d cases in %.2f s = %.0f cases/s, peak RSS %.1f MiB\n",
			j, n, s, n / s, k / 1024 }'
done
