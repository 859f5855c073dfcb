#!/usr/bin/env bash
# Stop the Elasticsearch node started by start.sh, by its pidfile only.
# SIPCORR_ES_PURGE=true also removes the data and logs (the download stays).
set -euo pipefail

home=${SIPCORR_ES_HOME:-/tmp/sipcorr-es}
pidfile="$home/run/es.pid" # the node deletes it on exit, so its dir is the node's

log() { printf 'es: %s\n' "$*" >&2; }

if [[ -s "$pidfile" ]]; then
	pid=$(cat "$pidfile")
	if kill -0 "$pid" 2>/dev/null; then
		log "stopping elasticsearch (pid $pid)"
		kill -TERM "$pid"
		for _ in $(seq 1 30); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 1
		done
		if kill -0 "$pid" 2>/dev/null; then
			log "pid $pid still alive after 30 s; sending KILL"
			kill -KILL "$pid"
		fi
	else
		log "pid $pid from $pidfile is not running"
	fi
	rm -f "$pidfile"
else
	log "no pidfile at $pidfile; nothing to stop"
fi

if [[ "${SIPCORR_ES_PURGE:-false}" == true ]]; then
	rm -rf "$home/data" "$home/logs"
	log "purged $home/data and $home/logs"
fi
