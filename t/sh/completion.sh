# completion.sh - contrib/bash-completion/ikebox: bash -n, then the
# completion function called as bash calls it (COMP_WORDS, COMP_CWORD)
# for applets, ikectl's commands (the same as `ikectl --help` lists),
# VPN names read from a configuration (-f FILE), and options.
SUITE=completion
. t/lib.sh

F=contrib/bash-completion/ikebox
if ! command -v bash >/dev/null 2>&1; then
	ok "skipped: no bash"
	exit 0
fi
bash -n "$F" && ok "bash -n $F" || fail "bash -n $F"

ROOT=$(cd "$TMP" && pwd)
mkdir -p "$ROOT/conf/vpn.d" "$ROOT/bin"
ln -sf "$(pwd)/$IKEBOX" "$ROOT/bin/ikebox"
printf '[global]\ninclude = vpn.d/*.conf\nbackend = null\n' > "$ROOT/conf/ikd.conf"
i=0
for n in alpha beta; do
	i=$((i + 1))
	printf '[vpn]\nlocal = 192.0.2.1\npeer = 192.0.2.2\npsk = long-enough-key-0123\n[flows]\nflow = 10.%d.0.0/24 10.%d.1.0/24\n' \
		$i $i > "$ROOT/conf/vpn.d/$n.conf"
	chmod 600 "$ROOT/conf/vpn.d/$n.conf"
done

# comp WORD...: the completions of the last word (possibly ''), sorted,
# on one line
comp() {
	PATH="$ROOT/bin:$PATH" bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_ikebox
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' sh "$F" "$@"
}
# check DESC WANT WORD...: completions equal WANT (space-separated, sorted)
check() {
	desc=$1 want=$2; shift 2
	got=$(comp "$@")
	[ "$got" = "$want " ] && ok "$desc" || fail "$desc" "got:  $got" "want: $want"
}

check "applets after ikebox" "--help --install --list --selftest --version cfgcheck ikd ikectl ipsecctl-sa keepalive-pinger" ikebox ''
check "a prefix: ike" "ikectl" ikebox ike
check "long options of ikebox" "--help --install --list --selftest --version" ikebox --
check "show's words" "--json kernel sa stats vpn" ikectl show ''
check "VPN names from -f FILE" "alpha beta" ikectl -f "$ROOT/conf/ikd.conf" up ''
check "VPN names through ikebox ikectl" "alpha beta" ikebox ikectl -f "$ROOT/conf/ikd.conf" down ''
check "show sa: names and --json" "--json alpha beta" ikectl -f "$ROOT/conf/ikd.conf" show sa ''
check "show vpn: names and --json" "--json alpha beta" ikectl -f "$ROOT/conf/ikd.conf" show vpn ''
check "reset vpn: names" "alpha" ikectl -f "$ROOT/conf/ikd.conf" reset vpn al
check "up NAME: -w" "-w" ikectl -f "$ROOT/conf/ikd.conf" up alpha ''
check "log's words" "brief verbose" ikectl log ''
check "reset's words" "all vpn" ikectl reset ''
check "ikd's options" "--help -P -S -T -d -f -n -p -s -v" ikd -
check "a file after ikd -f" "$ROOT/conf/ikd.conf" ikd -f "$ROOT/conf/ikd"
check "cfgcheck --import-iked" "--import-iked" cfgcheck --i

# The commands offered are the daemon's (ctl_verbs[] through ikectl --help).
got=$(comp ikectl '' | tr ' ' '\n' | grep -v '^-' | sort | tr '\n' ' ')
want=$($IKEBOX ikectl --help | sed -n 's/^  \([a-z][a-z]*\).*/\1/p' | sort -u | tr '\n' ' ')
[ "$got" = "$want" ] && ok "ikectl commands match ikectl --help" ||
	fail "ikectl commands match ikectl --help" "got:  $got" "want: $want"
