#!/usr/bin/env bash
# Start a real single-node Elasticsearch 7.17 for sipcorr's integration tests.
#
# Usage (from anywhere, as root or as a user allowed to run runuser):
#   export SIPCORR_ES_URL=$(scripts/es/start.sh)
#   go test ./esquery/...
#   scripts/es/stop.sh
#
# stdout carries only the node's URL, with the test user's credentials in
# it (http://sipcorr:PASSWORD@127.0.0.1:9250) when security is on; esquery
# moves them out of the URL and never prints them. Progress goes to stderr.
# Idempotent: a node that already answers is reused, a downloaded
# distribution is not fetched again (Maven caches it in ~/.m2 as well).
#
# The distribution is org.elasticsearch.distribution.integ-test-zip from
# Maven Central (see ../shared/reference/elasticsearch-testing.md). It ships
# x-pack-core and x-pack-security, so the node runs with security on and a
# file-realm user: tests check wrong credentials for real. API keys cannot
# work here: the .security index needs the analysis-common module, which the
# integ-test zip lacks (esquery tests the ApiKey header against a fake).
#
# Environment (all optional):
#   SIPCORR_ES_HOME      work dir (default /tmp/sipcorr-es)
#   SIPCORR_ES_PORT      HTTP port on 127.0.0.1 (default 9250)
#   SIPCORR_ES_VERSION   distribution version (default: 7.17.29, else newest 7.17.x on Central)
#   SIPCORR_ES_USER      system user that runs the node (default sipcorr-es)
#   SIPCORR_ES_HEAP      JVM heap (default 512m)
#   SIPCORR_ES_SECURITY  true|false (default true)
#   SIPCORR_ES_WAIT      seconds to wait for yellow health (default 180; on an
#                        idle 2-core machine it takes 10-30 s, under load 2 min)
#   ES_JAVA_HOME         Java 17 (default: detected under /usr/lib/jvm)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
home=${SIPCORR_ES_HOME:-/tmp/sipcorr-es}
port=${SIPCORR_ES_PORT:-9250}
runas=${SIPCORR_ES_USER:-sipcorr-es}
heap=${SIPCORR_ES_HEAP:-512m}
security=${SIPCORR_ES_SECURITY:-true}
wait=${SIPCORR_ES_WAIT:-180}
esuser=sipcorr
url="http://127.0.0.1:${port}"
pidfile="$home/run/es.pid" # the node deletes it on exit, so its dir is the node's

log() { printf 'es: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

mkdir -p "$home"
chmod 755 "$home"

# One password per work dir, kept out of the repo and out of logs.
pwfile="$home/password"
newpw=false
if [[ "$security" == true && ! -s "$pwfile" ]]; then
	(umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$pwfile")
	newpw=true
fi

print_url() {
	if [[ "$security" == true ]]; then
		echo "http://$esuser:$(cat "$pwfile")@127.0.0.1:${port}"
	else
		echo "$url"
	fi
}

curl_es() {
	if [[ "$security" == true ]]; then
		curl -fsS -m 10 -u "$esuser:$(cat "$pwfile")" "$@"
	else
		curl -fsS -m 10 "$@"
	fi
}

healthy() { curl_es "$url/_cluster/health?wait_for_status=yellow&timeout=1s" >/dev/null 2>&1; }

if [[ -s "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null && healthy; then
	log "already running at $url (pid $(cat "$pidfile"))"
	print_url
	exit 0
fi

# --- Java 17 ---------------------------------------------------------------
if [[ -z "${ES_JAVA_HOME:-}" ]]; then
	for j in /usr/lib/jvm/java-17-openjdk-amd64 /usr/lib/jvm/java-17-openjdk* /usr/lib/jvm/*17*; do
		if [[ -x "$j/bin/java" ]]; then ES_JAVA_HOME=$j; break; fi
	done
fi
[[ -x "${ES_JAVA_HOME:-}/bin/java" ]] || die "no Java 17 found; set ES_JAVA_HOME (apt-get install openjdk-17-jre-headless)"
export ES_JAVA_HOME
command -v mvn >/dev/null || die "mvn not found (apt-get install maven)"

# --- distribution ------------------------------------------------------------
fetch() { # version
	# Maven 3.8 colours even in batch mode; strip the escapes from the log.
	mvn -q -B -f "$here/pom.xml" -Des.version="$1" -Des.unpackDir="$home" dependency:unpack@es 2>&1 |
		sed 's/\x1b\[[0-9;]*m//g' >&2
}

newest_on_central() {
	curl -fsS -m 20 https://repo.maven.apache.org/maven2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/maven-metadata.xml |
		grep -o '<version>7\.17\.[0-9]*</version>' | sed 's/<[^>]*>//g' | sort -t. -k3,3n | tail -1
}

version=${SIPCORR_ES_VERSION:-}
if [[ -z "$version" ]]; then
	version=7.17.29
	if [[ ! -x "$home/elasticsearch-$version/bin/elasticsearch" ]] && ! fetch "$version"; then
		log "7.17.29 not served; asking Maven Central for the newest 7.17.x"
		version=$(newest_on_central) || die "cannot reach Maven Central"
		[[ -n "$version" ]] || die "no 7.17.x integ-test-zip on Maven Central"
	fi
fi
eshome="$home/elasticsearch-$version"
if [[ ! -x "$eshome/bin/elasticsearch" ]]; then
	log "fetching elasticsearch $version (integ-test-zip) with Maven"
	fetch "$version" || die "mvn could not fetch org.elasticsearch.distribution.integ-test-zip:elasticsearch:$version:zip"
fi
[[ -x "$eshome/bin/elasticsearch" ]] || die "$eshome/bin/elasticsearch missing after unpack"

# --- user and directories ------------------------------------------------------
if ! id "$runas" >/dev/null 2>&1; then
	log "creating system user $runas (Elasticsearch refuses to run as root)"
	useradd --system --no-create-home --home-dir "$home" --shell /usr/sbin/nologin "$runas"
fi
mkdir -p "$home/data" "$home/logs" "$home/run"

if [[ "$security" == true && "$newpw" == true ]] && grep -q "^$esuser:" "$eshome/config/users" 2>/dev/null; then
	ES_JAVA_HOME=$ES_JAVA_HOME "$eshome/bin/elasticsearch-users" userdel "$esuser" >/dev/null
fi
if [[ "$security" == true ]] && ! grep -q "^$esuser:" "$eshome/config/users" 2>/dev/null; then
	# The file realm reads config/users. Each elasticsearch-users call
	# starts a JVM (seconds), so the user is added once per distribution.
	ES_JAVA_HOME=$ES_JAVA_HOME "$eshome/bin/elasticsearch-users" useradd "$esuser" -p "$(cat "$pwfile")" -r superuser >/dev/null
fi
chown -R "$runas" "$eshome" "$home/data" "$home/logs" "$home/run"

# --- start ---------------------------------------------------------------------
if [[ -s "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
	log "pid $(cat "$pidfile") alive but unhealthy; stopping it first"
	"$here/stop.sh"
fi
rm -f "$pidfile"

log "starting elasticsearch $version on $url (heap $heap, security $security)"
start=$(date +%s)
(
	cd "$eshome"
	runuser -u "$runas" -- env ES_JAVA_HOME="$ES_JAVA_HOME" ES_JAVA_OPTS="-Xms$heap -Xmx$heap" \
		bin/elasticsearch -d -p "$pidfile" \
		-E cluster.name=sipcorr-test \
		-E node.name=sipcorr-test-0 \
		-E discovery.type=single-node \
		-E network.host=127.0.0.1 \
		-E http.port="$port" \
		-E transport.port=0 \
		-E path.data="$home/data" \
		-E path.logs="$home/logs" \
		-E cluster.routing.allocation.disk.threshold_enabled=false \
		-E action.auto_create_index=true \
		-E xpack.security.enabled="$security" \
		>"$home/logs/startup.out" 2>&1
) || { cat "$home/logs/startup.out" >&2; die "bin/elasticsearch failed to start"; }

while (($(date +%s) - start < wait)); do
	if healthy; then
		log "ready at $url after $(($(date +%s) - start)) s (pid $(cat "$pidfile"))"
		print_url
		exit 0
	fi
	if [[ -s "$pidfile" ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		break
	fi
	sleep 1
done
log "not healthy after $(($(date +%s) - start)) s; last log lines:"
tail -n 40 "$home/logs/startup.out" "$home/logs/sipcorr-test.log" >&2 2>/dev/null || true
die "elasticsearch did not reach yellow health at $url"
