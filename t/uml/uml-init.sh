#!/bin/bash
# uml-init.sh - (ikebox's real-kernel harness) PID 1 inside the UML guest.
# Started by uml-run.sh as
#   linux.uml ... init=/path/to/uml-init.sh harness_run=/host/run/dir
# The kernel hands "harness_run=..." to us as an environment variable.
#
# It sets up a minimal userland (proc, sys, tmpfs /tmp and /run, devtmpfs is
# already on /dev), makes kernel modules loadable WITHOUT any file in the
# host's /lib/modules, runs the command described by $harness_run/cmd.sh with
# a timeout, writes its exit status to $harness_run/rc, syncs and powers off.
#
# Must never exit (PID 1 exiting panics the guest): every path ends in poweroff.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LC_ALL=C
RUN=${harness_run:-}

halt_now() { sync; sleep 0.1; sync; poweroff -f; sleep 5; echo o > /proc/sysrq-trigger; }
trap 'echo "uml-init: fatal signal"; halt_now' INT TERM

say() {
    echo "uml-init: $*"
    [ -n "$RUN" ] && [ -d "$RUN" ] && echo "uml-init: $*" >> "$RUN/output.log"
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t tmpfs -o mode=755 tmpfs /run
# keep the host's /tmp reachable (read/write!) at /run/host/tmp, then give
# the guest its own empty /tmp
mkdir -p /run/host/tmp && mount --bind /tmp /run/host/tmp
mount -t tmpfs -o mode=1777 tmpfs /tmp
mkdir -p /dev/shm /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts 2>/dev/null
hostname uml 2>/dev/null
ip link set lo up

say "up after $(cut -d' ' -f1 /proc/uptime)s of guest uptime"

if [ -z "$RUN" ] || [ ! -d "$RUN" ] || [ ! -r "$RUN/cmd.sh" ]; then
    say "no run dir (harness_run='$RUN'); powering off"
    halt_now
fi

# cmd.sh (written by uml-run.sh) exports variables (maybe UML_MODULES,
# UML_IPV6, HARNESS_TIMEOUT, ...) and ends with "set -- CMD ARGS..."
set --
. "$RUN/cmd.sh"

# ---- kernel modules without touching the host's /lib/modules --------------
# modprobe looks in DIR/lib/modules/$(uname -r) with "-d DIR".  The kernel's
# own auto-loading (crypto templates like "cbc(aes)", xfrm algos, net-pf-*)
# runs /proc/sys/kernel/modprobe, so point that at a wrapper that adds -d.
# Everything lives in the guest's /run tmpfs; the host is not touched.
t_mod=$EPOCHREALTIME
# UML_HIDE_HOST_MODULES=1: prove that nothing comes from the host's
# /lib/modules by covering it with an empty tmpfs (guest-side only)
if [ "${UML_HIDE_HOST_MODULES:-0}" = 1 ] && [ -d /lib/modules ]; then
    mount -t tmpfs -o ro,size=4k tmpfs /lib/modules && say "host /lib/modules hidden: $(ls -A /lib/modules | wc -l) entries"
fi
KVER=$(uname -r)
MODSRC=${UML_MODULES_DIR:-/usr/lib/uml/modules/$KVER}
mkdir -p /run/modroot/lib/modules /run/modprobe.d
ln -sfn "$MODSRC" "/run/modroot/lib/modules/$KVER"
printf '#!/bin/sh\necho "$(cut -d" " -f1 /proc/uptime) $*" >> /run/modprobe.log\nexec /sbin/modprobe -d /run/modroot "$@"\n' > /run/modprobe-uml
chmod 755 /run/modprobe-uml
echo /run/modprobe-uml > /proc/sys/kernel/modprobe
# IPv6: loaded up front (IKE daemons open AF_INET6 sockets and would auto-load
# it half-way through a test) and, unless UML_IPV6=1, with disable_ipv6=1 so no
# interface in any netns gets IPv6 addresses (no DAD/RS packets, no address
# events that make IKE daemons start roaming jobs).  modprobe reads
# /run/modprobe.d too.
[ "${UML_IPV6:-0}" = 1 ] || echo "options ipv6 disable_ipv6=1" > /run/modprobe.d/uml-harness.conf
: "${UML_MODULES:=ipv6 af_key xfrm_user esp4 xfrm4_tunnel veth dummy authenc echainiv seqiv cbc ctr gcm ghash-generic hmac sha512_generic drbg}"
/run/modprobe-uml -a $UML_MODULES || say "some of these modules failed to load: $UML_MODULES"

# Prime the crypto API with the usual ESP transforms.  The first SA using
# e.g. authenc(hmac(sha1),cbc(aes)) otherwise makes the kernel try ~12
# module names that don't exist ("crypto-cbc(aes)-all", ...), each a
# usermode-helper exec of ~0.1 s in UML: over a second inside the first
# IKE_AUTH, enough to provoke retransmits.  With auto-loading switched off
# for the moment, the lookups fail at once, the templates (already loaded)
# build the instances, and those stay registered for the whole run.
if [ "${UML_PRIME_XFRM:-1}" = 1 ]; then
    echo > /proc/sys/kernel/modprobe
    k16=00112233445566778899aabbccddeeff k20=${k16}00112233 k32=$k16$k16 k48=$k32$k16 k64=$k32$k32
    {
        spi=256
        for a in "sha1 $k20 96" "sha256 $k32 128" "sha384 $k48 192" "sha512 $k64 256"; do
            read -r h hk tl <<< "$a"
            for e in "$k16" "$k32"; do
                spi=$((spi + 1))
                echo "xfrm state add src 127.0.0.1 dst 127.0.0.2 proto esp spi $spi mode tunnel enc cbc(aes) 0x$e auth-trunc hmac($h) 0x$hk $tl"
            done
        done
        echo "xfrm state add src 127.0.0.1 dst 127.0.0.2 proto esp spi 1000 mode tunnel aead rfc4106(gcm(aes)) 0x${k32}00112233 128"
        echo "xfrm state flush"
    } > /run/prime-xfrm.batch
    ip -batch /run/prime-xfrm.batch > /run/prime-xfrm.log 2>&1 || say "xfrm priming: $(head -c 300 /run/prime-xfrm.log)"
    echo /run/modprobe-uml > /proc/sys/kernel/modprobe
fi
say "modules loaded (and xfrm crypto primed) in $(( (${EPOCHREALTIME/./} - ${t_mod/./}) / 1000 )) ms"

# ---- run the command --------------------------------------------------------
export HARNESS_IN_UML=1 HARNESS_OUT="$RUN"
say "running: $* (timeout ${HARNESS_TIMEOUT:-60}s)"
cd "${HARNESS_CWD:-/}" 2>/dev/null || cd /
# Output goes straight to the host-visible file (the host streams it with
# tail -f).  No pipe to tee: a background process left behind by the command
# would hold the pipe open and stall us until the outer timeout.
timeout -k 3 "${HARNESS_TIMEOUT:-60}" "$@" < /dev/null >> "$RUN/output.log" 2>&1
rc=$?
cp /run/modprobe.log "$RUN/modprobe.log" 2>/dev/null
[ "$rc" = 124 ] && say "inner command TIMED OUT after ${HARNESS_TIMEOUT:-60}s"
echo "$rc" > "$RUN/rc.tmp" && mv -f "$RUN/rc.tmp" "$RUN/rc"
say "exit status $rc; powering off"
halt_now
