#!/usr/bin/env bash
# Writes cmd/wecom-guard/default.pgo, a CPU profile for profile-guided
# optimisation of the service binary (go build's default -pgo=auto picks
# default.pgo in the main package's directory; docker build would too).
# It is not committed: measured in rules/SPEED.md (Eighth round), it
# moved the check by −0.8 to +3 % of its instructions and within the noise
# in CPU time, while a build with it compiles every dependency again with
# the profile instead of taking it from the build cache. Run this to measure it again after the hot path
# changes; `go test -pgo=cmd/wecom-guard/default.pgo ./rules` benchmarks it.
#
# The profile is the whole check (rules.Engine.Evaluate) on the generated
# chat of the benchmarks, with the default policy plus 35,000 generated
# entries: all messages and the typical ones (up to 64 bytes). Only samples
# under Evaluate are kept (pprof -focus), so the engine's build, the
# lexicon's generation and the benchmark harness do not steer the compiler.
# It is measured with PGO off, so that a profile does not feed on itself,
# and without asynchronous preemption, whose signal handler otherwise takes
# a tenth of the samples from the functions it interrupted.
#
#   scripts/pgo.sh          # about a minute on an idle machine
#
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
go test -pgo=off -c -o "$tmp/rules.test" ./rules
(cd rules && GODEBUG=asyncpreemptoff=1 "$tmp/rules.test" -test.run='^$' \
  -test.bench='BenchmarkEvaluate/generated-35k(-typical)?$' -test.benchtime=3s \
  -test.cpuprofile="$tmp/cpu.prof" >/dev/null)
go tool pprof -proto -focus='rules\.\(\*Engine\)\.Evaluate$' "$tmp/rules.test" "$tmp/cpu.prof" \
  >"$tmp/default.pgo" 2>/dev/null
mv "$tmp/default.pgo" cmd/wecom-guard/default.pgo
echo "pgo: wrote cmd/wecom-guard/default.pgo ($(wc -c <cmd/wecom-guard/default.pgo) bytes)"
