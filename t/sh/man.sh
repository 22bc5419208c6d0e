# man.sh - the manual pages in man/: each passes `mandoc -Tlint` without a
# warning, every applet of `ikebox --list` has its page, and every option
# an applet's --help lists is described in its page (.It Fl X), so that the
# pages cannot drift from the code unnoticed.  mandoc comes from
# scripts/deps.sh test.
SUITE=man
. t/lib.sh

if ! command -v mandoc >/dev/null 2>&1; then
	fail "mandoc is installed (scripts/deps.sh test)" "mandoc not found"
	exit 0
fi
for p in man/*.[158]; do
	out=$(mandoc -Tlint -Wwarning "$p" 2>&1); rc=$?
	[ $rc = 0 ] && [ -z "$out" ] && ok "mandoc -Tlint: $p" ||
		fail "mandoc -Tlint: $p" "exit $rc" "$out"
done
for a in $($IKEBOX --list | awk '{print $1}') ikebox; do
	s=8; [ $a = ikebox ] && s=1
	[ -f "man/$a.$s" ] && ok "$a has a page: man/$a.$s" || fail "$a has a page" "no man/$a.$s"
done
[ -f man/ikebox.conf.5 ] && ok "the configuration format has a page" ||
	fail "the configuration format has a page" "no man/ikebox.conf.5"
# Options listed in --help as "  -X ..." must be .It Fl X in the page.
for a in ikd ikectl ipsecctl-sa cfgcheck keepalive-pinger; do
	missing=
	for o in $($IKEBOX $a --help 2>&1 | sed -n 's/^  *-\([A-Za-z]\)[ ,].*/\1/p'); do
		grep -Eq "^\.It Fl $o( |$)" "man/$a.8" || missing="$missing -$o"
	done
	[ -z "$missing" ] && ok "$a.8 describes every option of $a --help" ||
		fail "$a.8 describes every option of $a --help" "missing:$missing"
done
# ikectl's commands, as the daemon lists them, all in ikectl.8.
missing=
for c in "show sa" "show stats" "show kernel" "up" "down" "reset vpn" "reset all" \
    "reload" "load" "log verbose" "monitor"; do
	set -- $c
	grep -Eq "^\.It Cm $1( |$)" man/ikectl.8 || missing="$missing '$c'"
done
[ -z "$missing" ] && ok "ikectl.8 describes every command" ||
	fail "ikectl.8 describes every command" "missing:$missing"
# ikebox.1's synopsis spells the long options with two dashes, as
# main.c takes them (mdoc's Fl adds one dash per argument, not per line).
syn=$(mandoc -Tascii man/ikebox.1 | sed 's/.\x08//g' | sed -n '/^SYNOPSIS/,/^DESCRIPTION/p')
printf '%s\n' "$syn" | grep -Eq '(^| )-(list|install|version|selftest|help)' &&
	fail "ikebox.1 synopsis: --long options" "$syn" ||
	ok "ikebox.1 synopsis: --long options"
for o in list install version selftest help; do
	printf '%s\n' "$syn" | grep -q -- "--$o" || fail "ikebox.1 synopsis has --$o" "$syn"
done
