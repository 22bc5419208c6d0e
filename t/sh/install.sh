# install.sh - `make install` into a staging DESTDIR: the binary, one
# relative link per applet that runs that applet, and the man pages where
# man(1) looks for them.
SUITE=install
. t/lib.sh

D=$(cd "$TMP" && pwd)/root
expect "make install DESTDIR=... PREFIX=/usr" 0 '' \
	make --no-print-directory install DESTDIR="$D" PREFIX=/usr
missing=
for a in $($IKEBOX --list); do
	[ "$(readlink "$D/usr/sbin/$a")" = ikebox ] || missing="$missing $a"
done
[ -z "$missing" ] && ok "a relative link per applet" || fail "a relative link per applet" "missing:$missing"
expect "an installed link runs its applet" 0 '^usage: ikectl' "$D/usr/sbin/ikectl" --help
for m in man1/ikebox.1 man5/ikebox.conf.5 man8/ikd.8 man8/ikectl.8 man8/ipsecctl-sa.8 \
    man8/cfgcheck.8 man8/keepalive-pinger.8; do
	[ -f "$D/usr/share/man/$m" ] || missing="$missing $m"
done
[ -z "$missing" ] && ok "the man pages in share/man/man{1,5,8}" ||
	fail "the man pages in share/man/man{1,5,8}" "missing:$missing"

# The example configurations: a file holding a psk is mode 600, so that
# cfgcheck on an installed example does not warn about it.
E=$D/usr/share/ikebox/examples
bad=
for f in $(cd configs && find . -type f); do
	want=644
	grep -qE '^[[:space:]]*psk[[:space:]]*=' "configs/$f" && want=600
	[ "$(stat -c %a "$E/$f" 2>/dev/null)" = $want ] || bad="$bad $f"
done
[ -z "$bad" ] && ok "example configs installed, mode 600 where a psk sits" ||
	fail "example configs installed, mode 600 where a psk sits" "wrong or missing:$bad"
expect "cfgcheck on the installed reference example: OK, no psk warning" 0 \
	'^configuration OK$' $IKEBOX cfgcheck -f "$E/reference/ikd.conf"
if printf '%s\n' "$OUT" | grep -q 'readable by group or others'; then
	fail "no 'readable by group or others' warning" "$OUT"
else
	ok "no 'readable by group or others' warning"
fi
