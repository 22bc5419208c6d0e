# charon_check.sh - t/uml/charon-check.sh, the check that runs before the
# interop suite boots a guest, against plugin folders made here: a charon
# without Debian's standard or extra plugins is refused in one line naming
# the packages, a complete one passes.
SUITE=charon-check
. t/lib.sh

CHECK="sh t/uml/charon-check.sh interop"
LOADS="random nonce openssl curve25519 aes sha1 sha2 hmac gcm kdf gmp kernel-netlink socket-default vici"
# plugins DIR NAME... : a plugin folder with these plugin files (empty)
plugins() {
	d=$1; shift
	rm -rf "$d"; mkdir -p "$d"
	for p in "$@"; do : >"$d/libstrongswan-$p.so"; done
}
BASE="random nonce aes sha1 sha2 hmac kdf gmp kernel-netlink"	# libstrongswan
CHARONPKG="socket-default vici"	# strongswan-libcharon, strongswan-swanctl

# what --no-install-recommends leaves: libstrongswan, libcharon, swanctl
plugins "$TMP/bare" $BASE $CHARONPKG
expect "without standard and extra plugins: FAIL naming both packages, exit 1" 1 \
	'^FAIL uml: charon lacks AES_GCM_16 .*ECP_256 .*CURVE_25519 .*: install libstrongswan-standard-plugins libstrongswan-extra-plugins$' \
	env IKEBOX_CHARON_PLUGIN_DIR="$TMP/bare" CHARON_PLUGINS="$LOADS" $CHECK
[ "$(printf '%s\n' "$OUT" | grep -c .)" = 1 ] && ok "... in one line" ||
	fail "... in one line" "$OUT"

# standard plugins alone: openssl does ECP and X25519, gcm GCM
plugins "$TMP/std" $BASE $CHARONPKG gcm openssl
expect "with the standard plugins (openssl, gcm): ok, X25519 by openssl" 0 \
	'^ok uml: charon can do every transform .*CURVE_25519 \(openssl\)' \
	env IKEBOX_CHARON_PLUGIN_DIR="$TMP/std" CHARON_PLUGINS="$LOADS" $CHECK

# extra without standard: curve25519 is there, ECP is not
plugins "$TMP/extra" $BASE $CHARONPKG curve25519
expect "with the extra plugins only: FAIL for ECP_256 and GCM, install the standard plugins" 1 \
	'^FAIL uml: charon lacks AES_GCM_16 \(plugin gcm or openssl\), ECP_256 \(plugin openssl\) .*: install libstrongswan-standard-plugins$' \
	env IKEBOX_CHARON_PLUGIN_DIR="$TMP/extra" CHARON_PLUGINS="$LOADS" $CHECK

# a plugin installed but left out of the load list does not count
plugins "$TMP/all" $BASE $CHARONPKG gcm openssl curve25519
expect "openssl installed but not loaded: ECP_256 lacking" 1 \
	'^FAIL uml: charon lacks ECP_256 \(plugin openssl\) for .*: install libstrongswan-standard-plugins$' \
	env IKEBOX_CHARON_PLUGIN_DIR="$TMP/all" CHARON_PLUGINS="random nonce curve25519 aes sha1 sha2 hmac gcm kdf gmp kernel-netlink socket-default vici" \
	$CHECK
expect "everything installed and loaded: ok, exit 0" 0 \
	'^ok uml: charon can do every transform interop uses: AES_CBC \(aes\), AES_GCM_16 \(gcm\),' \
	env IKEBOX_CHARON_PLUGIN_DIR="$TMP/all" CHARON_PLUGINS="$LOADS" $CHECK

# no swanctl: vici missing names strongswan-swanctl
plugins "$TMP/novici" $BASE socket-default gcm openssl curve25519
expect "without vici: install strongswan-swanctl" 1 \
	'^FAIL uml: charon lacks swanctl control \(vici\) \(plugin vici\) .*: install strongswan-swanctl$' \
	env IKEBOX_CHARON_PLUGIN_DIR="$TMP/novici" CHARON_PLUGINS="$LOADS" $CHECK

# by default the load list is charon.sh's own (CHARON_PLUGINS unset)
expect "charon.sh's load list, everything installed: ok" 0 \
	'^ok uml: charon can do every transform interop uses: ' \
	env -u CHARON_PLUGINS IKEBOX_CHARON_PLUGIN_DIR="$TMP/all" $CHECK
expect "charon.sh's load list, a bare charon: FAIL" 1 \
	'^FAIL uml: charon lacks AES_GCM_16 ' \
	env -u CHARON_PLUGINS IKEBOX_CHARON_PLUGIN_DIR="$TMP/bare" $CHECK

# each transform on its own: sha1 does not stand in for sha2
plugins "$TMP/nosha2" random nonce aes sha1 hmac kdf gmp kernel-netlink $CHARONPKG gcm curve25519
expect "sha1 without sha2 or openssl: SHA2_256 lacking" 1 \
	'^FAIL uml: charon lacks SHA2_256 \(plugin sha2 or openssl\), ECP_256 .*: install libstrongswan libstrongswan-standard-plugins$' \
	env IKEBOX_CHARON_PLUGIN_DIR="$TMP/nosha2" CHARON_PLUGINS="$LOADS" $CHECK
