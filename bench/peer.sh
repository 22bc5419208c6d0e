#!/bin/sh
# peer.sh - `make bench-peer`: strongSwan's load-tester initiator against a
# charon responder, then against ikd (null backend), side by side, for the
# DH groups curve25519, ecp256, modp2048 and modp4096 (docs/engine.md,
# "make bench-peer").  Root; it measures, it never fails on a figure.
#
# Everything runs in a network namespace made here (loopback only, deleted
# at the end); only the processes started here are ended, by PID.  The
# responder (charon or ikd) listens on 127.0.0.1:500; the initiator is one
# charon with load-tester on port 5000, each of its IKE SAs from its own
# address 127.1.X.Y (load-tester's `addrs` pool, numbered as the IKE SAs
# are: one initiator thread), identity cN-r1.strongswan.org, PSK.  ikd gets
# one passive VPN per initiator, told apart by that identity and address
# (docs/engine.md, "Many initiators against one ikd"); the charon responder
# load-tester's own responder configuration.  Neither side touches kernel
# IPsec: load-tester's fake_kernel on both charons, the null backend in ikd
# (the namespace's XFRM tables are checked empty at the end).
#
# Pinning (2 cores): the responder on CPU 1, the initiator (and this
# script, which mostly sleeps) on CPU 0: PEER_RESP_CPU / PEER_INIT_CPU.
# PEER_NICE=-10 runs both daemons of a run at that nice level: on a
# machine busy with other work, less of it lands in the rates.
# PEER_SAS="curve25519:2000:200 modp4096:100:20" changes the groups, the
# IKE SAs per run and how many load-tester keeps in flight (its
# init_limit); PEER_KEEP=DIR keeps the logs and configurations there;
# PEER_ONLY=ikd runs one responder; PEER_RUNS=3 (the default) repeats the
# whole and prints medians; PEER_IKD_WORKERS=N sets ikd's `workers`.
#
# Per run: setups/s from the initiator's first "initiating" to its last
# "CHILD_SA ... established" log line; CPU (utime + stime from
# /proc/PID/stat) per IKE SA with its CHILD SA of the responder, from its
# idle start to the last SA up, and of the initiator, start-up included;
# the responder's VmRSS idle and with every SA up; the initiator's
# retransmits and the SAs that did not come up within PEER_WAIT seconds.
set -u
cd "$(dirname "$0")/.."
TOP=$(pwd)
IKEBOX=$TOP/ikebox
# GROUP:IKE_SAS:IN_FLIGHT; the IKE SAs in flight (started, not yet up)
# keep the responder's queue under a second or so of work on a quiet core.
SAS=${PEER_SAS:-curve25519:2000:200 ecp256:1000:200 modp2048:500:100 \
modp4096:100:20}
RCPU=${PEER_RESP_CPU:-1}
ICPU=${PEER_INIT_CPU:-0}
WAIT=${PEER_WAIT:-60}
RUNS=${PEER_RUNS:-3}
NICE=${PEER_NICE:-0}
PSK=ikebox-bench-peer-0123456789abcdef
RESP=127.0.0.1
# Debian's default plugin order, restricted to what the bench needs (the
# first plugin that offers an algorithm serves it, as in Debian's charon).
PLUGINS="aesni aes sha2 sha1 random nonce x509 pubkey pkcs1 pem openssl gmp
	curve25519 hmac kdf load-tester kernel-netlink socket-default"

# Writes the ikd configuration for N initiators and GROUP into DIR (alone,
# without root: `sh bench/peer.sh --ikd-conf DIR N GROUP`, t/sh/bench_peer.sh).
ikd_conf() {
	mkdir -p "$1/vpn.d"
	cat > "$1/ikd.conf" <<EOF
[global]
include = vpn.d/*.conf
backend = null
dpd_check_interval = 0
socket = $1/ikd.sock
EOF
	[ -n "${PEER_IKD_WORKERS:-}" ] &&
	    echo "workers = $PEER_IKD_WORKERS" >> "$1/ikd.conf"
	i=1
	while [ "$i" -le "$2" ]; do
		# load-tester's pool 127.1.0.0/16 skips the network address:
		# IKE SA i comes from 127.1.0.0 + i (one initiator thread).
		a=127.1.$((i / 256)).$((i % 256))
		printf '%s\n' "[vpn]" "name = c$i" "mode = passive" \
		    "local = $RESP" "peer = $a" "srcid = srv.strongswan.org" \
		    "dstid = c$i-r1.strongswan.org" "psk = $PSK" "[flows]" \
		    "flow = $RESP/32 $a/32" "[ikesa]" "enc = aes-128" \
		    "auth = hmac-sha2-256" "prf = hmac-sha2-256" "group = $3" \
		    "[childsa]" "enc = aes-128" "auth = hmac-sha1" \
		    "group = none" > "$1/vpn.d/c$i.conf"
		i=$((i + 1))
	done
	chmod 600 "$1"/ikd.conf "$1"/vpn.d/*.conf
}

if [ "${1:-}" = --ikd-conf ]; then
	ikd_conf "$2" "$3" "$4"
	exit
fi
if [ "$(id -u)" != 0 ]; then
	echo "bench-peer: needs root (network namespace, port 500)" >&2
	exit 1
fi
CHARON=$(sh scripts/strongswan-lt.sh | tail -1) || exit 1
SSVER=$(cat build/strongswan-lt/inst/.built)
RUNDIR=$TOP/build/strongswan-lt/run
W=${PEER_KEEP:-$(mktemp -d /tmp/ikebox-peer.XXXXXX)}
mkdir -p "$W"
NS=ikebox-peer-$$
PIDS=
cleanup() {
	for p in $PIDS; do
		stop "$p"
	done
	ip netns del "$NS" 2>/dev/null
	[ -n "${PEER_KEEP:-}" ] || rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP PIPE
ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
taskset -p -c "$ICPU" $$ >/dev/null	# this script beside the initiator

# Writes a strongswan.conf: ROLE (init or resp), GROUP, N, FILE.  The same
# proposals as ikd's VPNs: aes128-sha256-GROUP for IKE (PRF and integrity
# HMAC-SHA2-256), aes128-sha1 for ESP, no PFS.
charon_conf() {
	if [ "$1" = init ]; then
		role="port = 5000
	port_nat_t = 5001"
		lt="initiators = 1
			iterations = $3
			init_limit = $INFLIGHT
			delay = 1
			addrs {
				lo = 127.1.0.0/16
			}"
		ike=1
	else
		role="cookie_threshold = 256"
		lt="initiators = 0"
		ike=0	# "IKE_SA/CHILD_SA ... established": ikd's two
	fi
	cat > "$4" <<EOF
charon {
	load = $(echo $PLUGINS)
	$role
	# thousands of IKE SAs: a hash table, not charon's default one list
	ikesa_table_size = 4096
	ikesa_table_segments = 16
	reuse_ikesa = no
	install_routes = no
	install_virtual_ip = no
	syslog {
		daemon {
			default = -1
		}
	}
	filelog {
		log {
			path = $W/$1.log
			time_format = %s
			time_add_ms = yes
			flush_line = yes
			default = -1
			dmn = 1
			job = 1
			ike = $ike
		}
	}
	plugins {
		load-tester {
			enable = yes
			fake_kernel = yes
			$lt
			responder = $RESP
			proposal = aes128-sha256-$2
			esp = aes128-sha1
			initiator_auth = psk
			responder_auth = psk
			preshared_key = $PSK
			child_rekey = 0
			socket = unix://$W/$1.ldt
		}
	}
}
EOF
}

# Starts charon in the namespace on CPU with strongswan.conf FILE (its pid
# file on a tmpfs of its own: the two charons share one build); its pid in
# $last (the same process through the execs).
start_charon() {
	ip netns exec "$NS" nice -n "$NICE" taskset -c "$1" sh -c \
	    'mount -t tmpfs none "$1" && STRONGSWAN_CONF="$2" exec "$3"' \
	    - "$RUNDIR" "$2" "$CHARON" >/dev/null 2>&1 &
	last=$!
	PIDS="$PIDS $last"
}
# Ends PID (started here) and waits for it.
stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# utime + stime of PID in clock ticks (proc(5) fields 14 and 15).
ticks() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{ print $12 + $13 }'
}
rss() {
	awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null
}
established() {
	c=$(grep -c 'CHILD_SA load-test{[0-9]*} established' "$W/init.log" \
	    2>/dev/null)
	echo "${c:-0}"
}
# Waits up to SECONDS for CMD to succeed.
wait_for() {
	_w=$(($1 * 10)); shift
	while [ $_w -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1; _w=$((_w - 1))
	done
	return 1
}
charon_ready() {
	grep -q 'spawning [0-9]* worker threads' "$W/$1.log"
}

HZ=$(getconf CLK_TCK)
# One run: RESPONDER (charon or ikd), GROUP, N.  Appends a line to
# $W/results: responder group n rate resp_ms init_ms rss_idle rss_loaded
# retransmits failed.
run() {
	who=$1 g=$2 n=$3
	rm -f "$W"/init.log "$W"/resp.log
	if [ "$who" = ikd ]; then
		rm -rf "$W/ikd"
		ikd_conf "$W/ikd" "$n" "$g"
		ip netns exec "$NS" nice -n "$NICE" taskset -c "$RCPU" \
		    "$IKEBOX" ikd -d \
		    -f "$W/ikd/ikd.conf" 2> "$W/resp.log" &
		rp=$!
		PIDS="$PIDS $rp"
		wait_for 30 ip netns exec "$NS" "$IKEBOX" ikectl \
		    -s "$W/ikd/ikd.sock" show stats || {
			echo "bench-peer: ikd did not start:" >&2
			tail -5 "$W/resp.log" >&2
			return 1
		}
		# its DH threads (`workers`, default one per online CPU)
		IKD_DH=$(grep -o 'Diffie-Hellman on .*' "$W/resp.log")
	else
		charon_conf resp "$g" 0 "$W/resp.conf"
		start_charon "$RCPU" "$W/resp.conf"
		rp=$last
		wait_for 30 charon_ready resp || {
			echo "bench-peer: charon responder did not start" >&2
			return 1
		}
	fi
	sleep 0.5
	r_idle=$(rss "$rp")
	r0=$(ticks "$rp")
	charon_conf init "$g" "$n" "$W/init.conf"
	start_charon "$ICPU" "$W/init.conf"
	ip=$last
	i=$((WAIT * 10))
	while [ "$(established)" -lt "$n" ] && [ $i -gt 0 ] &&
	    kill -0 "$ip" 2>/dev/null; do
		sleep 0.1; i=$((i - 1))
	done
	r1=$(ticks "$rp")
	i1=$(ticks "$ip")
	r_load=$(rss "$rp")
	up=$(established)
	retx=$(grep -c 'retransmit [0-9]* of request' "$W/init.log")
	rate=$(awk '/initiating IKE_SA/ && !t0 { t0 = $1 }
	    /CHILD_SA load-test.* established/ { t1 = $1; k++ }
	    END { printf "%.0f", (t1 > t0 ? k / (t1 - t0) : 0) }' \
	    "$W/init.log")
	stop "$ip"
	stop "$rp"
	PIDS=
	echo "$who $g $n $rate $r0 $r1 $i1 $up $r_idle $r_load $retx" |
	    awk -v hz="$HZ" '{ u = $8 > 0 ? $8 : 1
		printf "%s %s %d %d %.3f %.3f %d %d %d %d\n", $1, $2, $3, $4,
		    ($6 - $5) * 1000 / hz / u, $7 * 1000 / hz / u, $9, $10,
		    $11, $3 - $8 }' >> "$W/results"
}

echo "make bench-peer: strongSwan $SSVER load-tester initiator against"
echo "charon $SSVER and against ikd ($(cd "$TOP" && git describe --always \
    --dirty 2>/dev/null)), null backend; $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "$(getconf _NPROCESSORS_ONLN) cores; responder pinned to CPU $RCPU," \
    "initiator (and this script) to CPU $ICPU (taskset);"
echo "nice $NICE; load average $(cut -d' ' -f1-3 /proc/loadavg) at the start" \
    "(on a shared machine the rates move with it, CPU per SA much less)"
: > "$W/results"
r=1
while [ $r -le "$RUNS" ]; do
	flight=
	for gn in $SAS; do
		g=${gn%%:*} n=${gn#*:}
		INFLIGHT=200
		case $n in *:*) INFLIGHT=${n#*:} n=${n%%:*} ;; esac
		flight="${flight:+$flight, }$g $INFLIGHT"
		for who in ${PEER_ONLY:-charon ikd}; do
			printf '  run %s/%s: %s %s x%s ...    \r' "$r" "$RUNS" \
			    "$who" "$g" "$n"
			run "$who" "$g" "$n" || exit 1
		done
	done
	r=$((r + 1))
done
printf '%60s\r' ""
xfrm=$(ip -n "$NS" xfrm state; ip -n "$NS" xfrm policy)
awk -v runs="$RUNS" -f - "$W/results" <<'EOF'
{ k = $1 " " $2; c = ++cnt[k]
  for (f = 3; f <= NF; f++) val[k, f, c] = $f
  val[k, 11, c] = ($8 - $7) / $3
  if (!($2 in seen)) { seen[$2] = 1; g[++ng] = $2 } }
# median of field f of k over its runs; sum for the counts (9, 10)
function fig(k, f,   n, i, j, t, a) {
	n = cnt[k]
	if (f == 9 || f == 10) {
		for (i = 1; i <= n; i++) t += val[k, f, i]
		return t
	}
	for (i = 1; i <= n; i++) {
		a[i] = val[k, f, i]
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function row(name, f, fmt, ratio,   i, c, d) {
	printf "%-26s", name
	for (i = 1; i <= ng; i++) {
		c = fig("charon " g[i], f); d = fig("ikd " g[i], f)
		printf fmt, c, d
		if (ratio)
			printf " %5s", (c > 0 && d > 0 ? \
			    sprintf("%.1fx", c / d) : "-")
		else printf " %5s", ""
	}
	printf "\n"
}
END {
	printf "\n%-26s", "group (IKE SAs)"
	for (i = 1; i <= ng; i++)
		printf " %-24s", g[i] " (" val["charon " g[i], 3, 1] ")"
	printf "\n%-26s", ""
	for (i = 1; i <= ng; i++) printf " %8s %8s %5s", "charon", "ikd",
	    "c/i"
	printf "\n"
	row("setups/s", 4, " %8d %8d", 0)
	row("responder CPU ms per SA", 5, " %8.3f %8.3f", 1)
	printf "%-26s", "  c/i in each run"
	for (i = 1; i <= ng; i++) {
		t = ""
		for (r = 1; r <= cnt["ikd " g[i]]; r++) {
			d = val["ikd " g[i], 5, r]
			c = val["charon " g[i], 5, r]
			t = t (r > 1 ? " " : "") (c > 0 && d > 0 ? \
			    sprintf("%.1f", c / d) : "-")
		}
		printf " %24s", t
	}
	printf "\n"
	row("initiator CPU ms per SA", 6, " %8.3f %8.3f", 0)
	row("responder RSS idle KiB", 7, " %8d %8d", 1)
	row("responder RSS loaded KiB", 8, " %8d %8d", 1)
	row("responder KiB per SA", 11, " %8.2f %8.2f", 1)
	row("initiator retransmits", 9, " %8d %8d", 0)
	row("SAs not up (failures)", 10, " %8d %8d", 0)
	print "\nMedians of " runs " run(s), each group's two responders one" \
	    " after the other;"
	print "retransmits and failures summed over the runs.  c/i:" \
	    " charon's figure over"
	print "ikd's (above 1: ikd uses less).  SA: one IKE SA with its" \
	    " CHILD SA (PSK,"
	print "aes128-sha256, ESP aes128-sha1, no PFS)."
}
EOF
echo "IKE SAs in flight at most (load-tester's init_limit): $flight."
[ -n "${IKD_DH:-}" ] && echo "ikd: $IKD_DH, all on CPU $RCPU."
if [ -z "$xfrm" ]; then
	echo "Kernel IPsec untouched: the namespace's XFRM states and" \
	    "policies are empty."
else
	echo "WARNING: XFRM states or policies in the namespace:"
	echo "$xfrm" | head
fi
