#!/usr/bin/env bash
# Unpack the real Kamailio releases from ../shared/kamailio into /opt
# (/opt/kamailio-<version>/sbin/kamailio, modules in lib64/kamailio/modules).
# The trees expect to live there: the module loader looks in that prefix.
# Idempotent and quick (about a second per release). Prints one line per
# release: "<version> <binary> <module dir>".
#
# Usage: scripts/kamailio-releases.sh [SHARED_KAMAILIO_DIR]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${1:-$here/../../shared/kamailio}
if [ ! -d "$src" ]; then
  echo "kamailio-releases: no release directory at $src" >&2
  exit 1
fi
shopt -s nullglob
tars=("$src"/kamailio-*-debian12-amd64.tar.xz)
if [ ${#tars[@]} -eq 0 ]; then
  echo "kamailio-releases: no kamailio-*-debian12-amd64.tar.xz in $src" >&2
  exit 1
fi
for t in "${tars[@]}"; do
  v=$(basename "$t" | sed -E 's/^kamailio-([0-9.]+)-.*/\1/')
  if [ ! -x "/opt/kamailio-$v/sbin/kamailio" ]; then
    tar -xJf "$t" -C /
  fi
  echo "$v /opt/kamailio-$v/sbin/kamailio /opt/kamailio-$v/lib64/kamailio/modules"
done
