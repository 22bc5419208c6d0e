# dispatch.sh - the multi-call binary: applet choice by argv[0] and argv[1],
# --list, --install, --version, --help, unknown names.
SUITE=dispatch
. t/lib.sh

expect "--list names every applet" 0 '' $IKEBOX --list
[ "$(printf '%s\n' "$OUT" | tr '\n' ' ')" = "ikd ikectl ipsecctl-sa cfgcheck keepalive-pinger " ] &&
	ok "--list is one name a line, in order" ||
	fail "--list is one name a line, in order" "$OUT"
expect "--version" 0 '^ikebox ' $IKEBOX --version
expect "--help lists applets" 0 'keepalive-pinger' $IKEBOX --help
expect "no argument: usage, exit 2" 2 'usage: ikebox' $IKEBOX
expect "unknown applet exits 127 and lists what exists" 127 \
	"unknown applet 'frob'.*" $IKEBOX frob
printf '%s\n' "$OUT" | grep -q 'ipsecctl-sa' && ok "unknown applet lists applets" ||
	fail "unknown applet lists applets" "$OUT"
for a in ikd ikectl ipsecctl-sa cfgcheck keepalive-pinger; do
	expect "$a --help prints its usage" 0 "usage: $a" $IKEBOX $a --help
done
expect "--install DIR makes the symlinks" 0 'cfgcheck ->' $IKEBOX --install "$TMP"
n=0
for a in ikd ikectl ipsecctl-sa cfgcheck keepalive-pinger; do
	[ -L "$TMP/$a" ] && n=$((n + 1))
done
[ $n = 5 ] && ok "--install made 5 links" || fail "--install made 5 links" "made $n"
expect "a symlink dispatches on argv[0]" 0 'usage: cfgcheck' "$TMP/cfgcheck" --help
ln -sf "$(pwd)/ikebox" "$TMP/nosuch"
expect "a symlink with an unknown name exits 127" 127 "unknown applet 'nosuch'" "$TMP/nosuch"
