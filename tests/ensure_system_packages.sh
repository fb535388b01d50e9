#!/bin/sh
# Install what the tests need from the system when it is missing and we may (as root
# with apt-get, as in CI): Redis and memcached, which the tests start and stop
# themselves, and Debian's chromium, which the browser tests drive.
missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v memcached >/dev/null 2>&1 || missing="$missing memcached"
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
    echo "Not installed:$missing. Their tests will skip; install with: apt-get install -y$missing" >&2
fi
