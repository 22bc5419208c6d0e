#!/bin/sh
# seeds.sh - the config seeds of fuzz/corpus/cfg and fuzz/corpus/iked from
# configs/ and t/cfg/iked/ (`make fuzz-seeds`).  A cfg seed is the global
# file, a line "#==vpn==", then the VPN file (fuzz/fuzz_cfg.c); comments
# are dropped (their paths would make the target skip the input) and the
# include names the VPN file beside it.
cd "$(dirname "$0")/.." || exit 2
mkdir -p fuzz/corpus/cfg fuzz/corpus/iked
for g in configs/*/ikd.conf configs/*/*/ikd.conf; do
	[ -e "$g" ] || continue
	d=$(dirname "$g")
	name=$(echo "$d" | sed 's|^configs/||; s|/|-|g')
	{
		sed -e 's/[[:space:]]*;.*//' -e '/^$/d' \
		    -e 's|^include *=.*|include = vpn.conf|' "$g"
		echo '#==vpn=='
		cat "$d"/vpn.d/*.conf | sed -e 's/[[:space:]]*;.*//' -e '/^$/d'
	} >"fuzz/corpus/cfg/$name"
done
for f in t/cfg/iked/*.conf; do
	sed -e 's/[[:space:]]*#.*//' -e '/^$/d' "$f" \
	    >"fuzz/corpus/iked/$(basename "$f" .conf)"
done
echo "seeds.sh: $(ls fuzz/corpus/cfg | wc -l) cfg, $(ls fuzz/corpus/iked | wc -l) iked seeds"
