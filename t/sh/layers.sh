# layers.sh - the rooms call one way, checked on the objects `make t/unit`
# built: nm's undefined symbols of each object, resolved to the object of
# ours that defines them, give "who calls whom".
#  - core/ike: the order documented in core/ike/ike_int.h ("Calls go one
#    way"): ike.c, the exchanges (an earlier one may call a later one),
#    exchange.c, ike_prop.c, ike_sa.c, ike_kern.c, ike_base.c, show.c; no
#    object calls one above it, and every core/ike/*.c is in that list.
#  - rooms: the codec (core/wire) and the configuration (core/cfg) are below
#    the engine, the engine below net/, net/ below applets/; crypto/ and
#    libc/ call none of ours but their own.
#  - sans-I/O (core/ike/ike.h: "never touches a socket, a clock or the
#    kernel"; core/keepalive/keepalive.h the same): no core/ object calls
#    socket, clock, process or kernel functions, none but core/cfg (which
#    reads configuration files) opens a file, and none names /proc, /sys or
#    /dev.
# A FAIL line names the calling object, the called one (or libc) and the
# symbol.
# shellcheck disable=SC2034
SUITE=layers
. t/lib.sh

ROOMS="core/wire core/cfg core/keepalive core/ike net crypto applets libc"
objs='' missing=''
for r in $ROOMS; do
	for c in "$r"/*.c; do
		# trim.c stands in for libc functions in ikebox alone (not in t/unit)
		[ "$c" = libc/trim.c ] && continue
		o=${c%.c}.o
		if [ ! -f "$o" ] || [ -n "$(find "$c" -newer "$o")" ]; then
			missing="$missing $o"
		fi
		objs="$objs $o"
	done
done
if [ -n "$missing" ]; then
	fail "objects built and up to date (make t/unit)" "missing or older than their .c:$missing"
	exit 0
fi

# "FROM TO SYMBOL": a call from object FROM to object TO (TO = "libc" when
# no object of ours defines SYMBOL).
# shellcheck disable=SC2086
nm -A --defined-only $objs | awk '{ f = $1; sub(/:.*/, "", f);
	if ($(NF - 1) ~ /^[A-TV-Z]$/) print $NF, f }' > "$TMP/defs"
# shellcheck disable=SC2086
nm -A -u $objs | awk '{ f = $1; sub(/:.*/, "", f); print f, $NF }' > "$TMP/undefs"
awk 'NR == FNR { def[$1] = $2; next }
	{ to = ($2 in def) ? def[$2] : "libc"; if (to != $1) print $1, to, $2 }' \
	"$TMP/defs" "$TMP/undefs" > "$TMP/calls"
if [ ! -s "$TMP/calls" ]; then
	fail "nm lists calls between the objects" "nothing in $TMP/calls"
	exit 0
fi

# ---- core/ike: the documented order -----------------------------------------
order=$(sed -n '/Calls go one way/,/\*\//s/^ \*   \([a-z_]*\)\.c .*/\1/p' \
	core/ike/ike_int.h)
if [ -z "$order" ]; then
	fail "core/ike/ike_int.h documents the engine's order" "no \"Calls go one way\" list"
	exit 0
fi
# shellcheck disable=SC2086
names=$(printf '%s ' $order)
unlisted=''
for c in core/ike/*.c; do
	case " $names" in *" $(basename "$c" .c) "*) ;; *) unlisted="$unlisted $c" ;; esac
done
if [ -z "$unlisted" ]; then
	ok "every core/ike/*.c is in ike_int.h's order: ${names% }"
else
	fail "every core/ike/*.c is in ike_int.h's order" \
		"not in the \"Calls go one way\" list:$unlisted"
fi
rank=0
: > "$TMP/rank"
for n in $order; do
	rank=$((rank + 1))
	[ -f "core/ike/$n.c" ] || fail "ike_int.h's $n.c exists" "no core/ike/$n.c"
	echo "core/ike/$n.o $rank" >> "$TMP/rank"
done
for n in $order; do
	o=core/ike/$n.o
	[ -f "$o" ] || continue
	up=$(awk -v o="$o" 'NR == FNR { r[$1] = $2; next }
		$1 == o && ($2 in r) && r[$2] < r[o] { print $1 " -> " $2 ": " $3 }' \
		"$TMP/rank" "$TMP/calls")
	if [ -z "$up" ]; then
		down=$(awk -v o="$o" '$1 == o && $2 ~ /^core\/ike\// { sub(/.*\//, "", $2); print $2 }' \
			"$TMP/calls" | sort -u | tr '\n' ' ' | sed 's/ $//')
		ok "$o calls none above it (calls: ${down:-none})"
	else
		printf '%s\n' "$up" | while read -r line; do
			fail "$o calls up the engine's order: $line" \
				"core/ike/ike_int.h: calls go one way, top to bottom"
		done
	fi
done

# ---- rooms ------------------------------------------------------------------
# ROOM: the rooms (or room prefixes) it must not call.
while read -r room deny; do
	bad=$(awk -v room="$room" -v deny="$deny" '
		BEGIN { n = split(deny, d, " ") }
		index($1, room "/") == 1 {
			for (i = 1; i <= n; i++)
				if (index($2, d[i] "/") == 1)
					print $1 " -> " $2 ": " $3
		}' "$TMP/calls")
	if [ -z "$bad" ]; then
		ok "$room calls nothing in $deny"
	else
		printf '%s\n' "$bad" | while read -r line; do
			fail "$room calls nothing in $deny: $line" \
				"the rooms call down only: t/README"
		done
	fi
done <<EOF
core/wire core/cfg core/keepalive core/ike net applets
core/cfg core/keepalive core/ike net applets
core/keepalive core/cfg core/ike net applets
core/ike core/keepalive net applets
net applets
crypto core net applets
libc core crypto net applets
EOF

# ---- sans-I/O ---------------------------------------------------------------
# libc names, compared without glibc's __ prefix and _chk/_2/64 suffixes.
NET='socket socketpair bind connect listen accept accept4 send sendto sendmsg
sendmmsg recv recvfrom recvmsg recvmmsg setsockopt getsockopt getsockname
getpeername shutdown getaddrinfo gethostbyname'
CLOCK='time clock_gettime gettimeofday clock ftime sleep usleep nanosleep
clock_nanosleep alarm setitimer timer_create timerfd_create'
KERNEL='ioctl poll ppoll select pselect epoll_create epoll_create1 epoll_ctl
epoll_wait fork vfork execve execv execvp execl execlp system popen kill raise
signal sigaction syscall prctl mmap getrandom getpid'
FILES='open openat creat fopen fdopen freopen opendir read write pread pwrite
close stat lstat fstat xstat fxstat lxstat fstatat mkdir unlink rename
readlink realpath access chmod fchmod'
io_check() {	# io_check DESC ROOM-PREFIX... -- NAMES
	desc=$1; shift
	rooms=''
	while [ "$1" != -- ]; do rooms="$rooms $1"; shift; done
	shift
	case $rooms in " core") who="core/ calls" ;; *) who="${rooms# } call" ;; esac
	bad=$(awk -v rooms="$rooms" -v names="$*" '
		BEGIN { n = split(rooms, r, " "); split(names, a, " ")
			for (i in a) deny[a[i]] = 1 }
		$2 == "libc" {
			in_room = 0
			for (i = 1; i <= n; i++) if (index($1, r[i] "/") == 1) in_room = 1
			if (!in_room) next
			s = $3; sub(/^__/, "", s); sub(/_(chk|2)$/, "", s); sub(/64$/, "", s)
			if (s in deny) print $1 " -> libc: " $3
		}' "$TMP/calls")
	if [ -z "$bad" ]; then
		ok "sans-I/O: $who no $desc function"
	else
		printf '%s\n' "$bad" | while read -r line; do
			fail "sans-I/O: $who no $desc function: $line" \
				"core/ike/ike.h: the engine never touches a socket, a clock or the kernel"
		done
	fi
}
# shellcheck disable=SC2086
io_check socket core -- $NET
# shellcheck disable=SC2086
io_check clock core -- $CLOCK
# shellcheck disable=SC2086
io_check "process or kernel" core -- $KERNEL
# shellcheck disable=SC2086
io_check "file" core/wire core/keepalive core/ike -- $FILES
bad=
for o in $objs; do
	case $o in core/*) ;; *) continue ;; esac
	s=$(grep -a -o -E '/(proc|sys|dev)/[[:alnum:]_./-]*' "$o" | sort -u | tr '\n' ' ')
	[ -n "$s" ] && bad="$bad $o: $s"
done
if [ -z "$bad" ]; then
	ok "sans-I/O: no core object names /proc, /sys or /dev"
else
	fail "sans-I/O: no core object names /proc, /sys or /dev:$bad" \
		"core/ is sans-I/O: the daemon (net/, applets/) reads the system"
fi
