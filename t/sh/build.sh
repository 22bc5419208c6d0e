# build.sh - plain make as a distribution's build system runs it (an
# OpenWrt SDK): no package manager involved, and CC, CFLAGS, LDFLAGS, LIBS
# and PKG_CONFIG taken from the command line.  make -n -B: nothing is built.
SUITE=build
. t/lib.sh

OUT=$(make -n -B 2>&1)
if printf '%s\n' "$OUT" | grep -Eq 'deps\.sh|dpkg|apt-get'; then
	fail "make alone runs no package manager" "$(printf '%s\n' "$OUT" | grep -E 'deps|dpkg|apt' | head -n 3)"
else
	ok "make alone runs no package manager"
fi

OUT=$(make -n -B ikebox CC=sdk-gcc CFLAGS=-Osdk LDFLAGS=-Lsdk/lib \
    LIBS='-lsdkuv -lsdkssl' 2>&1)
link=$(printf '%s\n' "$OUT" | grep -- '-o ikebox ')
# ikebox's own flags (-I. ...) still follow the SDK's CFLAGS.
if printf '%s\n' "$OUT" | grep -q '^sdk-gcc -Osdk .*-D_GNU_SOURCE -I\. .* -c -o main.o main.c' &&
    printf '%s\n' "$link" | grep -q '^sdk-gcc .*-Lsdk/lib .*-lsdkuv -lsdkssl$'; then
	ok "CC, CFLAGS, LDFLAGS and LIBS from the command line are used"
else
	fail "CC, CFLAGS, LDFLAGS and LIBS from the command line are used" \
	    "$(printf '%s\n' "$OUT" | grep 'main\.c')" "$link"
fi

# A pkg-config that knows libuv (not Debian's libuv-static): its libs.
cat >"$TMP/pkg-config" <<'EOS'
#!/bin/sh
case "$*" in *--exists\ libuv-static*) exit 1 ;; *--libs\ libuv*) echo "-lsdkuv -lsdkdl" ;; esac
EOS
chmod +x "$TMP/pkg-config"
link=$(make -n -B ikebox PKG_CONFIG="$TMP/pkg-config" 2>&1 | grep -- '-o ikebox ')
if printf '%s\n' "$link" | grep -q -- '-lsdkuv -lsdkdl'; then
	ok "libuv's link flags come from PKG_CONFIG"
else
	fail "libuv's link flags come from PKG_CONFIG" "$link"
fi
