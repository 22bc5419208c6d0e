#!/bin/sh
# charon-check.sh - runs on the HOST, before a guest boots: can the installed
# strongSwan charon do every transform the UML suites ask of it?  charon
# skips a plugin of its load list that is not installed with a warning in its
# own log only, and every case needing it then fails after a 60 s wait.
# Debian's strongswan-charon only recommends the packages with gcm, openssl
# and curve25519, so `apt-get install --no-install-recommends` (the way
# scripts/deps.sh installs) leaves them out.
#
# For each transform: at least one plugin that provides it must be in
# charon's load list (CHARON_PLUGINS of t/uml/charon.sh) and installed.
# Prints one line: "ok uml: charon can do ..." or "FAIL uml: charon lacks
# TRANSFORM (plugin P), ...: install PACKAGE ..."; exit 0 / 1.
#   usage: t/uml/charon-check.sh [SUITE]   (SUITE names the suite in the line)
#   env: IKEBOX_CHARON_PLUGIN_DIR   where charon's plugins are
#                                   (default /usr/lib/ipsec/plugins)
#        CHARON_PLUGINS             charon's load list (default: charon.sh's)
dir=${IKEBOX_CHARON_PLUGIN_DIR:-/usr/lib/ipsec/plugins}
suite=${1:-the UML suites}
if [ -z "${CHARON_PLUGINS:-}" ]; then
	# the default from charon.sh, without sourcing that bash file
	CHARON_PLUGINS=$(sed -n 's/^: "${CHARON_PLUGINS:=\(.*\)}"$/\1/p' \
	    "$(dirname "$0")/charon.sh")
fi

# TRANSFORM|PLUGINS THAT PROVIDE IT|PACKAGE: what the suites negotiate with
# charon (interop.sh's proposal sets, rekey.sh's and subnets.sh's how-to
# proposals) and what charon needs to run at all; the package is Debian's
# for the first plugin named (bookworm, strongSwan 5.9.8)
NEEDS='AES_CBC|aes openssl|libstrongswan
AES_GCM_16|gcm openssl|libstrongswan-standard-plugins
HMAC_SHA1_96/HMAC_SHA2_256_128|hmac openssl|libstrongswan
SHA1|sha1 openssl|libstrongswan
SHA2_256|sha2 openssl|libstrongswan
PRF_HMAC_SHA2_256 and prf+|kdf|libstrongswan
MODP_4096|gmp openssl|libstrongswan
ECP_256|openssl|libstrongswan-standard-plugins
CURVE_25519|curve25519 openssl|libstrongswan-extra-plugins
nonces and keys (RNG)|random|libstrongswan
kernel SAs (XFRM)|kernel-netlink|libstrongswan
IKE sockets|socket-default|strongswan-libcharon
swanctl control (vici)|vici|strongswan-swanctl'

# has PLUGIN : in the load list and its file installed
has() {
	case " $CHARON_PLUGINS " in *" $1 "*) ;; *) return 1 ;; esac
	[ -f "$dir/libstrongswan-$1.so" ]
}

lacks= pkgs= ok_list=
nl='
'
oldifs=$IFS
IFS=$nl
for row in $NEEDS; do
	IFS=$oldifs
	what=${row%%|*} rest=${row#*|}
	plugins=${rest%|*} pkg=${rest##*|}
	found=
	for p in $plugins; do
		has "$p" && { found=$p; break; }
	done
	if [ -n "$found" ]; then
		ok_list="$ok_list, $what ($found)"
	else
		lacks="$lacks, $what (plugin $(echo "$plugins" | sed 's/ / or /g'))"
		case " $pkgs " in *" $pkg "*) ;; *) pkgs="$pkgs $pkg" ;; esac
	fi
	IFS=$nl
done
IFS=$oldifs
if [ -n "$lacks" ]; then
	echo "FAIL uml: charon lacks ${lacks#, } for $suite (not installed in $dir, or not in its load list): install$pkgs"
	exit 1
fi
echo "ok uml: charon can do every transform $suite uses: ${ok_list#, }"
exit 0
