#!/usr/bin/env bash
# update-pgo.sh: regenerates cmd/sipcorr/default.pgo, the CPU profile the Go
# toolchain uses for profile-guided optimisation of the sipcorr binary
# (go build picks up default.pgo in the main package by itself).
#
# The profile is of `sipcorr analyze` on the bench capture
# (cmd/synthcap -bench, the traffic mix of scripts/bench-vs-tshark.sh),
# read RUNS times in one process so that the profile has enough samples.
# Regenerate it when the hot path (capture, sipparse, the analyze loop)
# changes much; a stale profile still builds, it just helps less.
#
# Usage: scripts/update-pgo.sh [MESSAGES] [RUNS]   (default 200000 30)
set -euo pipefail
msgs="${1:-200000}"
runs="${2:-30}"
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$repo"
go run ./cmd/synthcap -bench "$msgs" -out "$work/bench.pcap" >/dev/null
# Built without the old profile, so that it does not shape the new one.
go build -pgo=off -o "$work/sipcorr" ./cmd/sipcorr
files=()
for ((i = 0; i < runs; i++)); do files+=("$work/bench.pcap"); done
"$work/sipcorr" analyze --format json -o /dev/null --cpuprofile "$work/cpu.prof" "${files[@]}"
cp "$work/cpu.prof" cmd/sipcorr/default.pgo
echo "cmd/sipcorr/default.pgo: $(wc -c <cmd/sipcorr/default.pgo) bytes from $runs x $msgs messages" >&2
