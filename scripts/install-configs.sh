#!/bin/sh
# install-configs.sh - copy the example configurations (configs/) to DEST,
# keeping their layout: mode 600 for every file that holds a psk (cfgcheck
# and ikd warn about a psk readable by others), 644 for the rest.
#   usage: scripts/install-configs.sh SRC DEST
set -eu
src=$1 dest=$2
cd "$src"
find . -type f | sort | while read -r f; do
	mode=644
	grep -qE '^[[:space:]]*psk[[:space:]]*=' "$f" && mode=600
	install -d "$dest/$(dirname "$f")"
	install -m $mode "$f" "$dest/$f"
done
