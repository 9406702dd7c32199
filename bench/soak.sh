#!/usr/bin/env bash
# The resolver soak alone: 100,000 cold lookups in a JVM with -Xmx128m (about 2 minutes), then its Markdown.
# bench/run.sh runs it too, with the other benchmarks.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q verify -Pbench -Dit.test=ResolverSoakBenchmark
cat target/bench/soak.md
