#!/usr/bin/env bash
# bench-vs-tshark.sh: sipcorr against tshark on generated captures.
#
# Generates scenario captures with cmd/synthcap (default 20 000 and 200 000
# SIP messages, ~10 MB and ~96 MB), then measures with /usr/bin/time -v:
#
#   sipcorr analyze --format json -o /dev/null FILE
#   tshark -r FILE -Y sip -T fields -e sip.User-Agent > /dev/null
#
# and prints wall time, peak RSS and messages/s per tool and size, the
# tshark/sipcorr ratios, and the project targets: sipcorr at least 50x
# faster than tshark on the 200 000-message capture (smaller ones are
# shown for information: a fixed start-up of a few ms weighs on them),
# peak RSS under 100 MB, and RSS flat (< 1.25x) when the file grows 10x.
#
# Usage: scripts/bench-vs-tshark.sh [options]
#   --sizes "N1 N2 ..."  message counts to generate (default "20000 200000")
#   --tshark-max N       skip tshark on captures with more messages (default 200000)
#   --runs K             runs per tool and size; the table shows the fastest run
#                        and the largest peak RSS (default 3)
#   --tshark-only        do not build or run sipcorr (test the other half)
#   --keep DIR           keep captures and raw measurements in DIR
#   --check              exit 3 when a target is missed
# Environment: SIPCORR_BIN uses that binary instead of building ./cmd/sipcorr.
# Needs: go, tshark, GNU time at /usr/bin/time (Debian package "time").
set -euo pipefail

sizes="20000 200000"
tshark_max=200000
runs=3
tshark_only=0
keep=""
check=0
while [[ $# -gt 0 ]]; do
	case "$1" in
	--sizes) sizes="$2"; shift 2 ;;
	--tshark-max) tshark_max="$2"; shift 2 ;;
	--runs) runs="$2"; shift 2 ;;
	--tshark-only) tshark_only=1; shift ;;
	--keep) keep="$2"; shift 2 ;;
	--check) check=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "bench-vs-tshark: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

die() { echo "bench-vs-tshark: $*" >&2; exit 1; }
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (apt-get install time)"
command -v tshark >/dev/null || die "tshark not found (apt-get install tshark)"
command -v go >/dev/null || die "go not found"

repo=$(cd "$(dirname "$0")/.." && pwd)
if [[ -n "$keep" ]]; then
	mkdir -p "$keep"
	work=$(cd "$keep" && pwd)
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi

echo "building synthcap..." >&2
(cd "$repo" && go build -o "$work/synthcap" ./cmd/synthcap)
sipcorr=""
if [[ $tshark_only -eq 0 ]]; then
	if [[ -n "${SIPCORR_BIN:-}" ]]; then
		sipcorr="$SIPCORR_BIN"
	else
		echo "building sipcorr..." >&2
		(cd "$repo" && go build -o "$work/sipcorr" ./cmd/sipcorr) ||
			die "go build ./cmd/sipcorr failed (use --tshark-only to measure tshark alone)"
		sipcorr="$work/sipcorr"
	fi
fi

# measure NAME CMD...: runs CMD $runs times under /usr/bin/time -v and
# prints "wall_seconds peak_rss_kb": the fastest wall time and the largest
# peak RSS. Wall time is taken with nanosecond clock reads around each run
# (GNU time prints only hundredths); peak RSS comes from time -v. A failing
# CMD aborts the script.
measure() {
	local name="$1"; shift
	local out="$work/$name.stderr" t0 t1 i
	for ((i = 1; i <= runs; i++)); do
		t0=$(date +%s%N)
		if ! /usr/bin/time -v -o "$work/$name.$i.time" "$@" >/dev/null 2>"$out"; then
			cat "$out" >&2
			die "$name failed: $*"
		fi
		t1=$(date +%s%N)
		awk -F': ' -v ns=$((t1 - t0)) '
			/Maximum resident set size/ { rss = $2 }
			END { printf "%.3f %d\n", ns / 1e9, rss }' "$work/$name.$i.time"
	done | sort -n | awk 'NR == 1 { wall = $1 } $2 > rss { rss = $2 } END { print wall, rss }'
}

results="$work/results.txt"
: >"$results"
for n in $sizes; do
	f="$work/bench-$n.pcap"
	echo "generating $n messages..." >&2
	"$work/synthcap" -bench "$n" -out "$f" >"$work/bench-$n.json"
	msgs=$(sed -n 's/.*"sip_messages":\([0-9]*\).*/\1/p' "$work/bench-$n.json")
	[[ "$msgs" == "$n" ]] || die "synthcap wrote $msgs messages, asked for $n"
	mb=$(awk -v b="$(stat -c %s "$f")" 'BEGIN { printf "%.1f", b / 1e6 }')
	if [[ -n "$sipcorr" ]]; then
		echo "sipcorr on $n..." >&2
		read -r wall rss < <(measure "sipcorr-$n" "$sipcorr" analyze --format json -o /dev/null "$f")
		echo "$n $mb sipcorr $wall $rss" >>"$results"
	fi
	if [[ "$n" -le "$tshark_max" ]]; then
		echo "tshark on $n..." >&2
		read -r wall rss < <(measure "tshark-$n" tshark -r "$f" -Y sip -T fields -e sip.User-Agent)
		echo "$n $mb tshark $wall $rss" >>"$results"
	fi
done

echo
echo "best of $runs runs; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
printf "%10s %8s %-8s %9s %12s %12s\n" messages "file MB" tool "wall s" "peak RSS MB" "messages/s"
awk '{ printf "%10d %8s %-8s %9.3f %12.1f %12.0f\n", $1, $2, $3, $4, $5 / 1024, $1 / $4 }' "$results"
echo

# Targets, from the per-size results.
missed=0
verdict() { # verdict OK|MISSED|info text
	echo "  [$1] $2"
	[[ "$1" != MISSED ]] || missed=1
}
# The speed target is for the issue's capture: 200 000 messages, ~100 MB.
speed_min=200000
if [[ -n "$sipcorr" ]]; then
	echo "targets:"
	while read -r n speed rss_ratio s_rss; do
		if [[ "$speed" != "-" && $n -ge $speed_min ]]; then
			ok=$(awk -v s="$speed" 'BEGIN { print (s >= 50) ? "OK" : "MISSED" }')
			verdict "$ok" "$n messages: tshark/sipcorr wall time = ${speed}x (target >= 50x), peak RSS tshark/sipcorr = ${rss_ratio}x"
		elif [[ "$speed" != "-" ]]; then
			# sipcorr's fixed start-up (~5 ms) is a large part of a small run.
			verdict info "$n messages: tshark/sipcorr wall time = ${speed}x (the 50x target is for ${speed_min}+ messages), peak RSS tshark/sipcorr = ${rss_ratio}x"
		fi
		ok=$(awk -v r="$s_rss" 'BEGIN { print (r < 100) ? "OK" : "MISSED" }')
		verdict "$ok" "$n messages: sipcorr peak RSS ${s_rss} MB (target < 100 MB)"
	done < <(awk '
		$3 == "sipcorr" { sw[$1] = $4; sr[$1] = $5 }
		$3 == "tshark" { tw[$1] = $4; tr[$1] = $5 }
		END {
			for (n in sr) {
				speed = (n in tw && sw[n] > 0) ? sprintf("%.1f", tw[n] / sw[n]) : "-"
				rr = (n in tr) ? sprintf("%.1f", tr[n] / sr[n]) : "-"
				printf "%d %s %s %.1f\n", n, speed, rr, sr[n] / 1024
			}
		}' "$results" | sort -n)
	read -r small big < <(awk '$3 == "sipcorr" { if (min == "" || $1 < min) { min = $1; a = $5 } if ($1 > max) { max = $1; b = $5 } }
		END { print a, b }' "$results")
	if [[ $(wc -w <<<"$sizes") -ge 2 ]]; then
		growth=$(awk -v a="$small" -v b="$big" 'BEGIN { printf "%.2f", b / a }')
		ok=$(awk -v g="$growth" 'BEGIN { print (g < 1.25) ? "OK" : "MISSED" }')
		verdict "$ok" "sipcorr peak RSS largest/smallest capture = ${growth}x (target flat, < 1.25x)"
	fi
fi
[[ -n "$keep" ]] && echo "captures and raw measurements kept in $work"
if [[ $check -eq 1 && $missed -eq 1 ]]; then
	exit 3
fi
exit 0
