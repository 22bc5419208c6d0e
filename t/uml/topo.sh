#!/bin/bash
# topo.sh - build / tear down the how-to's topology INSIDE the UML guest.
#
# usage: topo.sh up | down | show | check
#
#   host1 203.0.113.1/25                                      host2 203.0.113.254/25
#     | eth0                                                              eth0 |
#     | lan 203.0.113.126/25                               203.0.113.129/25 lan |
#   gw1  pub 192.0.2.254/24 --- [gw1] rtr [gw2] --- 198.51.100.254/24 pub  gw2
#                       192.0.2.1/24     198.51.100.1/24
#
# rtr only knows the two public /24s, so LAN-to-LAN packets are dropped there
# unless a gateway wraps them in ESP.  Addresses come from lib.sh.
# Refuses to run outside UML, so nothing here touches the host's network.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

in_uml || die "topo.sh must run inside the UML guest (use uml-run.sh)"

plen() { echo "${1#*/}"; }
NSS="$NS_GW1 $NS_GW2 $NS_RTR $NS_HOST1 $NS_HOST2"

up() {
    local b="$HARNESS_STATE/topo" n p=/proc/sys/net
    mkdir -p "$b"
    # Written once in the initial netns; new netns inherit them (one exec
    # per sysctl per netns would cost seconds in UML).
    echo 1 > $p/core/devconf_inherit_init_net
    echo 0 > $p/ipv4/conf/all/rp_filter
    echo 0 > $p/ipv4/conf/default/rp_filter
    echo 1 > $p/ipv4/ip_forward
    : > "$b/init"
    for n in $NSS; do
        echo "netns add $n" >> "$b/init"
        echo "link set lo up" > "$b/$n"
    done
    { echo "link add pub netns $NS_GW1 type veth peer name gw1 netns $NS_RTR"
      echo "link add pub netns $NS_GW2 type veth peer name gw2 netns $NS_RTR"
      echo "link add lan netns $NS_GW1 type veth peer name eth0 netns $NS_HOST1"
      echo "link add lan netns $NS_GW2 type veth peer name eth0 netns $NS_HOST2"
    } >> "$b/init"
    printf 'addr add %s dev gw1\naddr add %s dev gw2\nlink set gw1 up\nlink set gw2 up\n' \
        "$RTR_GW1/$GW1_PUB_PLEN" "$RTR_GW2/$GW2_PUB_PLEN" >> "$b/$NS_RTR"
    printf 'addr add %s dev pub\nlink set pub up\nroute add default via %s dev pub\n' \
        "$GW1_PUB/$GW1_PUB_PLEN" "$RTR_GW1" >> "$b/$NS_GW1"
    printf 'addr add %s dev pub\nlink set pub up\nroute add default via %s dev pub\n' \
        "$GW2_PUB/$GW2_PUB_PLEN" "$RTR_GW2" >> "$b/$NS_GW2"
    printf 'addr add %s dev lan\nlink set lan up\n' "$GW1_LAN/$(plen "$LAN1")" >> "$b/$NS_GW1"
    printf 'addr add %s dev lan\nlink set lan up\n' "$GW2_LAN/$(plen "$LAN2")" >> "$b/$NS_GW2"
    printf 'addr add %s dev eth0\nlink set eth0 up\nroute add default via %s\n' \
        "$HOST1/$(plen "$LAN1")" "$GW1_LAN" >> "$b/$NS_HOST1"
    printf 'addr add %s dev eth0\nlink set eth0 up\nroute add default via %s\n' \
        "$HOST2/$(plen "$LAN2")" "$GW2_LAN" >> "$b/$NS_HOST2"
    # HOST2_EXTRA: more addresses for host2 (the two-subnet case puts one
    # in each /26 of LAN2)
    for n in ${HOST2_EXTRA:-}; do
        printf 'addr add %s dev eth0\n' "$n/$(plen "$LAN2")" >> "$b/$NS_HOST2"
    done
    ip -batch "$b/init" || die "topology: ip -batch $b/init failed"
    for n in $NSS; do
        ip -n "$n" -batch "$b/$n" || die "topology: ip -n $n -batch $b/$n failed"
    done
    log "topology up (netns: $NSS)"
}

down() {
    local n
    for n in $NSS; do
        [ -e "/run/netns/$n" ] && ip netns del "$n"
    done
    return 0
}

show() {
    local n
    for n in $NSS; do
        [ -e "/run/netns/$n" ] || continue
        echo "== netns $n"
        ip -n "$n" -br addr | sed 's/^/   /'
        ip -n "$n" route | sed 's/^/   route: /'
    done
}

# The public side is routed, hosts reach their gateways, and plain
# LAN-to-LAN traffic is NOT forwarded (so a later passing ping proves ESP).
check() {
    local ok=0
    ip netns exec "$NS_GW1" ping -n -q -c 1 -w 5 "$GW2_PUB" >/dev/null \
        || { log "check: $NS_GW1 cannot reach $GW2_PUB"; ok=1; }
    ip netns exec "$NS_HOST1" ping -n -q -c 1 -w 5 "$GW1_LAN" >/dev/null \
        || { log "check: $NS_HOST1 cannot reach $GW1_LAN"; ok=1; }
    ip netns exec "$NS_HOST2" ping -n -q -c 1 -w 5 "$GW2_LAN" >/dev/null \
        || { log "check: $NS_HOST2 cannot reach $GW2_LAN"; ok=1; }
    if ip netns exec "$NS_HOST1" ping -n -q -c 1 -W 1 "$HOST2" >/dev/null 2>&1; then
        log "check: $HOST1 -> $HOST2 works WITHOUT IPsec (rtr must not route the LANs)"; ok=1
    fi
    return $ok
}

case ${1:-} in
    up) up ;;
    down) down ;;
    show) show ;;
    check) check ;;
    *) echo "usage: topo.sh up|down|show|check" >&2; exit 2 ;;
esac
