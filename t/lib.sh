# lib.sh - helpers for the shell suites in t/sh/.  Source it; then
#   ok DESC / fail DESC WHY       report one result
#   expect DESC RC PATTERN CMD... run CMD, require exit status RC and output
#                                 (stdout+stderr) matching the extended regex
#                                 PATTERN (empty: no check); output kept in $OUT
# IKEBOX is the binary under test (./ikebox); TMP a fresh folder under t/out.
IKEBOX=${IKEBOX:-./ikebox}
TMP=t/out/$(basename "$0" .sh).tmp
rm -rf "$TMP"; mkdir -p "$TMP"

ok() { echo "ok $SUITE: $1"; }
fail() { echo "FAIL $SUITE: $1"; shift; printf '#   %s\n' "$@"; }

expect() {
	desc=$1 want_rc=$2 pat=$3; shift 3
	OUT=$("$@" 2>&1); rc=$?
	if [ "$rc" != "$want_rc" ]; then
		fail "$desc" "exit $rc, want $want_rc: $*" "$OUT"
	elif [ -n "$pat" ] && ! printf '%s\n' "$OUT" | grep -Eq -- "$pat"; then
		fail "$desc" "output lacks /$pat/: $*" "$OUT"
	else
		ok "$desc"
	fi
}

# Loopback pairs of ikd (null backend, port 500, root only):
#   lo_root_or_skip          exit with "ok ... skipped" unless root
#   lo_prefix SALT           prints 127.N.M from our PID (and SALT), so that
#                            parallel runs use different addresses
#   ikd_global DIR DPD       writes DIR/ikd.conf: vpn.d/*.conf included, null
#                            backend, no NAT-T, socket DIR/ikd.sock
#   until_ok SECONDS CMD...  retries CMD (quietly) every 0.1 s until it
#                            succeeds (0) or SECONDS have passed (1)
#   lo_vpn FILE NAME MODE LOCAL PEER PSK PFS EXTRA FLOW...
#                            writes a VPN file (mode 600): EXTRA are more
#                            [vpn] lines ("" for none, \n between), one
#                            flow line per FLOW ("LOCAL REMOTE"), [ikesa]
#                            aes-128 hmac-sha2-256 hmac-sha2-256
#                            curve25519, [childsa] aes-128 hmac-sha2-256
#                            with group PFS ("" for none)
lo_root_or_skip() {
	if [ "$(id -u)" != 0 ]; then
		ok "skipped: port 500 needs root"
		exit 0
	fi
}
lo_prefix() {
	echo "127.$(( ($$ / 250) % 250 + 1 )).$(( ($$ + ${1:-0}) % 250 + 1 ))"
}
ikd_global() {
	mkdir -p "$1/vpn.d"
	cat > "$1/ikd.conf" <<EOF2
[global]
include = vpn.d/*.conf
dpd_check_interval = $2
nat_traversal = no
backend = null
socket = $1/ikd.sock
EOF2
}
until_ok() {
	n=$(( $1 * 10 )); shift
	while [ $n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1; n=$((n - 1))
	done
	return 1
}
lo_vpn() {
	_f=$1 _n=$2 _m=$3 _l=$4 _p=$5 _k=$6 _g=$7 _x=$8
	shift 8
	{
		printf '[vpn]\nname = %s\nmode = %s\nlocal = %s\npeer = %s\n' \
		    "$_n" "$_m" "$_l" "$_p"
		printf 'psk = %s\n' "$_k"
		[ -n "$_x" ] && printf '%b\n' "$_x"
		echo '[flows]'
		for _fl in "$@"; do echo "flow = $_fl"; done
		printf '[ikesa]\nenc = aes-128\nauth = hmac-sha2-256\n'
		printf 'prf = hmac-sha2-256\ngroup = curve25519\n'
		printf '[childsa]\nenc = aes-128\nauth = hmac-sha2-256\n'
		[ -n "$_g" ] && echo "group = $_g"
	} > "$_f"
	chmod 600 "$_f"
}
