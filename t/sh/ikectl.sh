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
