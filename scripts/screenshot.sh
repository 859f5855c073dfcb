#!/usr/bin/env bash
# Regenerates docs/report.png, the README's screenshot of the HTML report:
# runs `sipcorr analyze --format html` on the bundled demo (the real 5.2.3
# leak, else the 5.6.3 leak demo, else the edge capture alone) and
# has headless Chromium photograph the page. Needs Go and chromium.
#
#   scripts/screenshot.sh [OUT.png]      (default docs/report.png)
#
# The report is written in the zone given by TZ (default UTC) so that the
# picture does not depend on the machine that made it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/report.png}
export TZ=${TZ:-UTC}

browser=${SIPCORR_CHROMIUM:-}
for c in chromium chromium-browser google-chrome; do
  [ -n "$browser" ] && break
  command -v "$c" >/dev/null 2>&1 && browser=$(command -v "$c")
done
if [ -z "$browser" ]; then
  echo "screenshot.sh: chromium not found (apt-get install chromium)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -f testdata/demo/gh1990/mem.jsonl.gz ]; then
  # The README's demo: the real Kamailio 5.2.3 leak (kamailio#1990).
  demo=(--memory testdata/demo/gh1990/mem.jsonl.gz --kamailio-cfg testdata/demo/gh1990/kamailio.cfg
    testdata/demo/gh1990/edge.pcapng.gz)
elif [ -f testdata/demo/leak/mem.jsonl ]; then
  # No --kamailio-cfg: its first sanity_check call tests 512 only, but a
  # second one tests 3047; the default mask gives the replies the demo
  # server sent (420 to the Yealink, 400 to the Grandstream; run.json).
  demo=(--memory testdata/demo/leak/mem.jsonl testdata/demo/leak/edge.pcapng)
else
  demo=(testdata/demo/edge.pcapng)
fi
# Exit code 1 means "report written, but an input had a problem": the
# report is still worth a picture; anything else is a failure.
set +e
go run ./cmd/sipcorr analyze --format html -o "$work/report.html" "${demo[@]}"
rc=$?
set -e
if [ "$rc" -gt 1 ] || [ ! -s "$work/report.html" ]; then
  echo "screenshot.sh: sipcorr analyze failed (exit $rc)" >&2
  exit 1
fi

mkdir -p "$(dirname "$out")"
"$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --hide-scrollbars "--host-resolver-rules=MAP * ~NOTFOUND" \
  --user-data-dir="$work/profile" --window-size=1280,2200 --screenshot="$out" \
  "file://$work/report.html" 2>"$work/chromium.log" || { cat "$work/chromium.log" >&2; exit 1; }
echo "$out"
