# ipsecctl_sa.sh - ipsecctl-sa on this machine: options, and what a user
# sees whether or not the kernel has the backend (`auto`: XFRM netlink when
# the kernel has it, else PF_KEY; the listing itself is checked against a
# real kernel in t/sh/xfrm_auto.sh and t/uml/).
SUITE=ipsecctl-sa
. t/lib.sh

expect "an unknown option prints the usage, exit 2" 2 'usage: ipsecctl-sa \[-j \| -d\] \[-k\]' \
	$IKEBOX ipsecctl-sa -x
expect "a stray argument is refused, exit 2" 2 "unexpected argument 'flows'" \
	$IKEBOX ipsecctl-sa flows
expect "--help explains the dump columns" 0 'sa PROTO MODE SRC DST SPI REQID ENC ENCKEY' \
	$IKEBOX ipsecctl-sa --help
OUT=$($IKEBOX ipsecctl-sa 2>&1); rc=$?
if [ $rc = 1 ]; then
	printf '%s\n' "$OUT" | grep -Eqx 'ipsecctl-sa: (PF_KEY|XFRM netlink) not available: .+|ipsecctl-sa: XFRM .*kernel: .+' &&
		ok "without a kernel backend: one line naming the reason, exit 1" ||
		fail "without a kernel backend: one line naming the reason, exit 1" "$OUT"
elif [ $rc = 0 ]; then
	printf '%s\n' "$OUT" | grep -qx 'FLOWS:' && printf '%s\n' "$OUT" | grep -qx 'SAD:' &&
		ok "with a kernel backend: FLOWS: and SAD: sections" ||
		fail "with a kernel backend: FLOWS: and SAD: sections" "$OUT"
else
	fail "ipsecctl-sa exits 0 or 1" "exit $rc" "$OUT"
fi
