# shellcheck shell=bash
# lib.sh - helpers shared by ikebox's UML suite (host side and inside the
# guest).  Source it:  . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Everything here is bash; all waits are bounded.  Inside UML every
# fork+exec costs 10-50 ms, so helpers prefer shell builtins.

HARNESS_DIR=${HARNESS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
export HARNESS_DIR
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# ---- the how-to's topology (override through the environment) -------------
# gw1 <-veth-> rtr <-veth-> gw2; rtr knows only the two public /24s, so
# LAN-to-LAN traffic only gets across ESP-encapsulated.
: "${GW1_PUB:=192.0.2.254}"      ; : "${GW1_PUB_PLEN:=24}" ; : "${RTR_GW1:=192.0.2.1}"
: "${GW2_PUB:=198.51.100.254}"   ; : "${GW2_PUB_PLEN:=24}" ; : "${RTR_GW2:=198.51.100.1}"
: "${LAN1:=203.0.113.0/25}"      ; : "${GW1_LAN:=203.0.113.126}" ; : "${HOST1:=203.0.113.1}"
: "${LAN2:=203.0.113.128/25}"    ; : "${GW2_LAN:=203.0.113.129}" ; : "${HOST2:=203.0.113.254}"
# HOST2_EXTRA: more addresses on host2's eth0 (none by default)
: "${HOST2_EXTRA:=}"
: "${NS_GW1:=gw1}" ; : "${NS_GW2:=gw2}" ; : "${NS_RTR:=rtr}"
: "${NS_HOST1:=host1}" ; : "${NS_HOST2:=host2}"
export GW1_PUB GW1_PUB_PLEN RTR_GW1 GW2_PUB GW2_PUB_PLEN RTR_GW2 \
       LAN1 GW1_LAN HOST1 LAN2 GW2_LAN HOST2 HOST2_EXTRA \
       NS_GW1 NS_GW2 NS_RTR NS_HOST1 NS_HOST2

# Scratch state inside UML (its own tmpfs, gone after poweroff).
: "${HARNESS_STATE:=/tmp/harness}"
export HARNESS_STATE
# The host-visible run folder (uml-init.sh sets it); logs written there stay.
: "${HARNESS_OUT:=$HARNESS_STATE}"
export HARNESS_OUT

_t0=${_t0:-$EPOCHREALTIME}
export _t0

# now_ms : wall clock in milliseconds (no fork)
now_ms() { local t=${EPOCHREALTIME/./}; echo "${t:0:-3}"; }
# elapsed : seconds since the first source of lib.sh in this process tree
elapsed() {
    local a=${_t0/./} b=${EPOCHREALTIME/./}
    local d=$(( (b - a) / 10000 ))
    printf '%d.%02d' $((d / 100)) $((d % 100))
}
log()  { printf '[%6ss] %s\n' "$(elapsed)" "$*" >&2; }
die()  { log "ERROR: $*"; exit 1; }

# wait_until TIMEOUT_S CMD... : run CMD every ~50 ms until it succeeds;
# 1 if it never did within TIMEOUT_S (integer seconds)
wait_until() {
    local t=$1; shift
    local end=$(( $(now_ms) + t * 1000 ))
    while :; do
        "$@" >/dev/null 2>&1 && return 0
        [ "$(now_ms)" -ge "$end" ] && return 1
        sleep 0.05
    done
}

# True when running inside the UML guest (as started by uml-init.sh).
in_uml() { [ "${HARNESS_IN_UML:-}" = 1 ]; }

# xfrm_spi_pkts NETNS SRC DST : "SPI PACKETS" per xfrm state SRC -> DST
# (ip -s prints "spi 0xc1a2b3c4(3248665540)"; the decimal part is dropped)
xfrm_spi_pkts() {
    ip -n "$1" -s xfrm state list src "$2" dst "$3" 2>/dev/null | awk '
        /proto esp spi/ { spi=$4; sub(/\(.*/, "", spi) }
        /lifetime current:/ { cur=1; next }
        cur && /\(packets\)/ { gsub(/[(),a-z]/," "); print spi, $2; cur=0 }'
}

# xfrm_delta "BEFORE" "AFTER" : packets added between two xfrm_spi_pkts
# snapshots, per SPI (new SPIs count from 0; vanished SPIs are ignored)
xfrm_delta() {
    awk -v before="$1" -v after="$2" 'BEGIN {
        n = split(before, b, "\n"); for (i = 1; i <= n; i++) { split(b[i], f, " "); if (f[1] != "") old[f[1]] = f[2] }
        n = split(after, a, "\n"); for (i = 1; i <= n; i++) { split(a[i], f, " "); if (f[1] != "") d += f[2] - old[f[1]] }
        print d + 0 }'
}

# autoload_off / autoload_on : the kernel's module auto-loading.  af_key's
# SADB_REGISTER (a PF_KEY daemon's first SA) probes every algorithm the
# kernel knows, and each one missing is a module request: in UML a
# usermode-helper exec of 0.1-0.3 s, some 15 s for the first REGISTER and 2 s
# for each later one, during which the daemon cannot answer its peer.  With
# auto-loading off the probes fail at once.  Turn it off only once
# everything the test needs is loaded (uml-init.sh loads the ESP modules and
# primes the usual transforms).
autoload_off() { _modprobe=$(cat /proc/sys/kernel/modprobe); echo >/proc/sys/kernel/modprobe; }
autoload_on() { [ -n "${_modprobe:-}" ] && echo "$_modprobe" >/proc/sys/kernel/modprobe; return 0; }

# xfrm_count NETNS : number of xfrm states in NETNS
xfrm_count() { ip -n "$1" xfrm state list 2>/dev/null | grep -c '^src '; }

if [ "${HARNESS_TRACE:-0}" = 1 ]; then PS4='+ ${EPOCHREALTIME} ${BASH_SOURCE##*/}:${LINENO} '; set -x; fi
