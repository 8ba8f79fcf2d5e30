#!/bin/bash
# Install the Debian packages in tests/deps.txt that are missing (make test and make demo run
# this first, so both work on a fresh Debian 12 machine).
set -euo pipefail
LIST=$(dirname "$0")/deps.txt
missing=()
for p in $(grep -v '^#' "$LIST"); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}"
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
