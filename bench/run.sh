#!/usr/bin/env bash
# Runs the benchmarks (dev.imagesize.bench.*Benchmark) against the real API server, registry and operator jar,
# and prints the Markdown they leave in target/bench/ (copy the figures into BENCHMARKS.md with the date).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null   # the light HTTP load generator (Debian)
command -v zstd >/dev/null || apt-get install -y -qq zstd >/dev/null # AnalysisBenchmark compares with zstd -dc
./mvnw -B -q verify -Pbench
cat target/bench/*.md
