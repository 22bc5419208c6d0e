# ikectl.sh - ikectl without a daemon: exit 2 and the reason, usage errors,
# the socket path taken from the configuration's [global] socket key.
SUITE=ikectl
. t/lib.sh

expect "no daemon: exit 2 with the socket and the reason" 2 \
	"^ikectl: no ikd running on $TMP/none.sock: No such file or directory\$" \
	$IKEBOX ikectl -s "$TMP/none.sock" show sa
: > "$TMP/plain"
expect "a file that is not a socket: exit 2" 2 \
	"no ikd running on $TMP/plain: Connection refused" \
	$IKEBOX ikectl -s "$TMP/plain" show sa
printf '[global]\nsocket = %s/fromconf.sock\n' "$TMP" > "$TMP/ikd.conf"
expect "socket path read from -f FILE's [global] socket" 2 \
	"no ikd running on $TMP/fromconf.sock" \
	$IKEBOX ikectl -f "$TMP/ikd.conf" show stats
expect "no configuration: the default socket" 2 \
	"no ikd running on /run/ikebox/ikd.sock" \
	$IKEBOX ikectl -f "$TMP/missing.conf" show stats
expect "no command: usage, exit 2" 2 '^usage: ikectl' $IKEBOX ikectl
expect "bad option: usage, exit 2" 2 'usage: ikectl' $IKEBOX ikectl -x show sa
expect "monitor with no daemon: exit 2" 2 \
	"^ikectl: no ikd running on $TMP/none.sock" $IKEBOX ikectl -s "$TMP/none.sock" monitor
expect "load of a missing file is refused before asking the daemon: exit 1" 1 \
	"^ikectl: load: $TMP/nothere.conf: No such file or directory\$" \
	$IKEBOX ikectl -s "$TMP/none.sock" load "$TMP/nothere.conf"
expect "--help lists every command" 0 'load FILE.*' $IKEBOX ikectl --help
printf '%s\n' "$OUT" | grep -q '^  monitor ' && printf '%s\n' "$OUT" | grep -q '^  show kernel' &&
	ok "--help lists monitor and show kernel" || fail "--help lists monitor and show kernel" "$OUT"
