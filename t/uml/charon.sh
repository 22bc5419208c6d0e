# shellcheck shell=bash
# charon.sh - strongSwan's charon (Debian's strongswan-charon 5.9.x) as the
# IKEv2 peer of ikd inside the UML guest: one instance, in a netns of the
# topology, driven through swanctl.  Source it after lib.sh:
#   charon_start NETNS          start charon, wait until vici answers
#   charon_load SWANCTL_CONF    replace the loaded connections and secrets
#   charon_sw --CMD [OPTS...]   any swanctl command against this instance
#   charon_stop                 SIGTERM, SIGKILL after 5 s
#   charon_swanctl_conf ...     print a net-to-net PSK swanctl.conf
# CHARON_CONF_EXTRA: more lines of the charon { } section (charon_start)
# Why it looks like this (charon in a netns of a UML guest):
# - No file under /etc is read: STRONGSWAN_CONF points at our own
#   strongswan.conf, and SWANCTL_DIR at our own swanctl folder.
# - The plugin list is explicit (load_modular = no).  An empty "load =" means
#   every plugin; af-alg then probes dozens of kernel algorithms, each an
#   auto-load that costs 0.1 s in UML.  strongSwan 5.9 computes prf+ in the
#   kdf plugin (without it: "KDF_PRF ... not supported"); openssl brings
#   curve25519 and the ECP groups, gcm the AEAD mode.
# - The vici socket is our own path, so swanctl needs no netns (and 5.9's
#   swanctl takes --uri after the command, not before it).
# - threads = 8: with 4 the long-running jobs (receiver, netlink, vici) take
#   the whole pool and vici stops answering.
# - charon writes /var/run/charon.pid; the guest's /run is its own tmpfs and
#   there is one instance, so nothing clashes.
# The log is $HARNESS_OUT/charon-NETNS.log (in the host-visible run folder),
# named by CHARON_LOG once started.

: "${CHARON_BIN:=/usr/lib/ipsec/charon}"
: "${CHARON_PLUGINS:=random nonce openssl aes sha1 sha2 hmac gcm kdf gmp kernel-netlink socket-default vici}"
CHARON_DIR=$HARNESS_STATE/charon
CHARON_LOG=
CHARON_PID=

# charon_sw --CMD [OPTS...] : swanctl against our instance (30 s at most)
charon_sw() {
	local c=$1
	shift
	STRONGSWAN_CONF=$CHARON_DIR/strongswan.conf SWANCTL_DIR=$CHARON_DIR/swanctl \
	    timeout 30 swanctl "$c" --uri "unix://$CHARON_DIR/charon.vici" "$@"
}

# charon_start NETNS : 0 once vici answers, 1 (log tail on stderr) otherwise
charon_start() {
	local ns=$1
	CHARON_LOG=$HARNESS_OUT/charon-$ns.log
	# appended to (callers may add marks), so emptied here
	: >"$CHARON_LOG"
	rm -rf "$CHARON_DIR"
	mkdir -p "$CHARON_DIR/swanctl"
	cat >"$CHARON_DIR/strongswan.conf" <<EOF
# written by ikebox's t/uml/charon.sh
charon {
	load_modular = no
	load = $CHARON_PLUGINS
	install_routes = no
	install_virtual_ip = no
	threads = 8
	retransmit_tries = 4
	retransmit_timeout = 1.0
	retransmit_base = 1.4
	${CHARON_CONF_EXTRA:-}
	syslog {
		identifier = charon-ikebox
	}
	filelog {
		main {
			path = $CHARON_LOG
			time_format = %H:%M:%S
			ike_name = yes
			append = yes
			flush_line = yes
			default = 1
			ike = 2
			cfg = 2
			knl = 2
			net = 2
			chd = 2
		}
	}
	plugins {
		vici {
			socket = unix://$CHARON_DIR/charon.vici
		}
	}
}
swanctl {
	load = random
}
EOF
	ip netns exec "$ns" env STRONGSWAN_CONF="$CHARON_DIR/strongswan.conf" \
	    "$CHARON_BIN" >>"$HARNESS_OUT/charon-$ns.stdout" 2>&1 &
	CHARON_PID=$!
	if ! wait_until 30 test -S "$CHARON_DIR/charon.vici" ||
	    ! charon_sw --stats >/dev/null 2>&1; then
		echo "charon did not come up in netns $ns" >&2
		tail -n 20 "$HARNESS_OUT/charon-$ns.stdout" "$CHARON_LOG" >&2 2>/dev/null
		return 1
	fi
	return 0
}

# charon_load SWANCTL_CONF : load it in place of whatever was loaded
# (--load-all also unloads connections the file no longer has)
charon_load() {
	cp "$1" "$CHARON_DIR/swanctl/swanctl.conf" &&
	    charon_sw --load-all --noprompt >"$CHARON_DIR/load.log" 2>&1 ||
	    { cat "$CHARON_DIR/load.log" >&2; return 1; }
}

# charon_stop : SIGTERM, then SIGKILL after 5 s
charon_stop() {
	[ -n "$CHARON_PID" ] || return 0
	kill -TERM "$CHARON_PID" 2>/dev/null
	wait_until 5 sh -c "! kill -0 $CHARON_PID" || kill -KILL "$CHARON_PID" 2>/dev/null
	wait "$CHARON_PID" 2>/dev/null
	CHARON_PID=
}

# charon_swanctl_conf CONN LOCAL REMOTE "LOCAL_TS..." "REMOTE_TS..." PSK IKE ESP
# : a swanctl.conf for one net-to-net connection with PSK authentication and
# the addresses as identities, as ikd's srcid/dstid default to them.  One
# child per LOCAL_TS/REMOTE_TS pair (a list of one pairs with each item of
# the other): "net", then "net2", "net3", ...  charon never starts them by
# itself (start_action none).  CHARON_DPD: its dpd_delay (0s: none);
# CHARON_LOCAL_ID, CHARON_REMOTE_ID: identities other than the addresses.
charon_swanctl_conf() {
	local -a lts rts
	local child=net i=1 n lid=${CHARON_LOCAL_ID:-$2} rid=${CHARON_REMOTE_ID:-$3}
	read -r -a lts <<<"$4"
	read -r -a rts <<<"$5"
	n=${#lts[@]}
	[ "${#rts[@]}" -gt "$n" ] && n=${#rts[@]}
	cat <<EOF
# written by ikebox's t/uml/charon.sh
connections {
	$1 {
		version = 2
		local_addrs = $2
		remote_addrs = $3
		proposals = $7
		dpd_delay = ${CHARON_DPD:-0s}
		local {
			auth = psk
			id = $lid
		}
		remote {
			auth = psk
			id = $rid
		}
		children {
EOF
	while [ "$i" -le "$n" ]; do
		cat <<EOF
			$child {
				mode = tunnel
				local_ts = ${lts[$(((i - 1) % ${#lts[@]}))]}
				remote_ts = ${rts[$(((i - 1) % ${#rts[@]}))]}
				esp_proposals = $8
				start_action = none
			}
EOF
		i=$((i + 1))
		child=net$i
	done
	cat <<EOF
		}
	}
}
secrets {
	ike-$1 {
		id-local = $lid
		id-remote = $rid
		secret = "$6"
	}
}
EOF
}
