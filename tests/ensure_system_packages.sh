#!/bin/sh
# Install what the tests and the manual need from the system when it is missing and we
# may (as root with apt-get, as in CI): Redis and memcached, which the tests start and
# stop themselves, Debian's chromium, which the browser tests drive, and graphviz, whose
# dot draws the manual's pictures. Arguments name the commands to check (default: all).
known="redis-server:redis-server memcached:memcached chromium:chromium dot:graphviz"
wanted="${*:-redis-server memcached chromium dot}"
missing=""
for pair in $known; do
    command=${pair%%:*}
    package=${pair#*:}
    case " $wanted " in *" $command "*) ;; *) continue ;; esac
    command -v "$command" >/dev/null 2>&1 || missing="$missing $package"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing$missing"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
else
    echo "Not installed:$missing. What needs them will skip or fail; install with: apt-get install -y$missing" >&2
fi
