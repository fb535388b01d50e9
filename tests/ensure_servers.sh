#!/bin/sh
# Install the servers the tests start (Redis, memcached) when they are missing and we
# may: as root with apt-get, as in CI. The tests start and stop the servers themselves.
missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v memcached >/dev/null 2>&1 || missing="$missing memcached"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
    echo "Not installed:$missing. Their tests will skip; install with: apt-get install -y$missing" >&2
fi
