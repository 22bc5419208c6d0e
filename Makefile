# ikebox - one static executable, busybox-style.
#
#   make            build ./ikebox (static); needs only a compiler and the
#                   libraries: CC, CFLAGS, LDFLAGS, LIBS and PKG_CONFIG are
#                   honoured as a distribution's build system (an OpenWrt
#                   SDK) passes them
#   make APPLETS="ikd ikectl"   the same with only the applets named
#   make test       install missing build/test packages, build, run every test
#   make ct-check   crypto/p256_64.c and crypto/x25519_64.c under
#                   valgrind's secret tracking
#   make check-p256 20,000 rounds of the P-256 differential tests
#   make check-x25519  100,000 rounds of the X25519 differential tests and
#                   RFC 7748 5.2's 1,000,000 iterations
#   make check-uml  the real-kernel suite in User-Mode Linux (part of make test)
#                   SUITE=rekey (or "interop,subnets"): only those suites
#   make CROSS=T    static musl ./ikebox-T, T one of $(CROSS_TARGETS); the
#                   toolchain is built once from Debian's source packages
#                   under build/cross/T (docs/cross.md)
#   make check-cross  every cross target's selftest and unit suite in qemu
#   make sizes      size per target and per module of each binary built
#   make bench      print crypto and engine figures
#   make bench-flood  30 s of spoofed IKE_SA_INITs at a responder with 10
#                   rekeying tunnels (make test runs 10 s of it)
#   make bench-scale  100,000 IKE SAs in one engine (memory per SA, set-up
#                   and tear-down), ikd's idle RSS, reloads of 10,000 VPNs
#   make bench-peer strongSwan's load-tester against charon and against ikd,
#                   four DH groups side by side (root; the first run builds
#                   charon with load-tester from Debian's source package)
#   make demo       the how-to's two-gateway tunnel, in UML
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (fuzz/README.md)
#   make asan       the unit suite built with ASan and UBSan
#   make install    ikebox, its applet links, man/ pages and the example
#                   configs (share/ikebox/examples, a file holding a psk
#                   mode 600) under $(DESTDIR)$(PREFIX) (default /usr/local)
#
# Sources are picked up by folder, so adding a file needs no edit here.

CC      ?= cc
CFLAGS  ?= -O2 -g
# What every build compiles with, native or cross, after CFLAGS given on the
# command line (override).  WERROR= for a compiler
# newer than Debian 12's gcc, whose new warnings should not stop a build.
WERROR ?= -Werror
IKEBOX_CFLAGS = -std=gnu11 -Wall -Wextra $(WERROR) -Wno-unused-parameter \
	   -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes \
	   -fno-strict-aliasing -D_GNU_SOURCE -I. -MMD -MP \
	   -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
override CFLAGS += $(IKEBOX_CFLAGS)
LDFLAGS ?=
PREFIX  ?= /usr/local
MANDIR  ?= $(PREFIX)/share/man
EXAMPLEDIR ?= $(PREFIX)/share/ikebox/examples
# Debian installs libuv's static library as libuv_a.a; a system whose
# pkg-config knows libuv (an OpenWrt SDK) gets what it says.
PKG_CONFIG ?= pkg-config
UV_LIBS ?= $(shell $(PKG_CONFIG) --exists libuv-static 2>/dev/null && \
	echo -l:libuv_a.a || $(PKG_CONFIG) --static --libs libuv 2>/dev/null || \
	echo -l:libuv_a.a)
LIBS    ?= -lbearssl -linih $(UV_LIBS) -lpthread -ldl -lrt
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)
CROSS_TARGETS = x86_64 aarch64 armhf mipsel-sf mips-sf

# core/wire (codec), core/cfg (configuration), core/ike (engine),
# core/keepalive, net, crypto, applets, and libc/'s small stand-ins for
# libc functions, all but trim.c (linked into ikebox alone, see there).
LIB_SRCS  = $(wildcard core/*/*.c net/*.c crypto/*.c applets/*.c) \
	    $(filter-out libc/trim.c, $(wildcard libc/*.c))
LIB_OBJS  = $(LIB_SRCS:.c=.o)
# t/: the cases (test_*.c); t/harness/: the runner and the shared helpers.
TEST_SRCS = $(wildcard t/*.c t/harness/*.c)
TEST_OBJS = $(TEST_SRCS:.c=.o)
BENCH_SRCS = $(wildcard bench/*.c)

# make APPLETS="ikd ikectl": main.c keeps only those rows of the applet
# list (applets/applets.h), the linker drops the others' code.
ALL_APPLETS := $(shell sed -n 's/^[[:space:]]*APPLET."\([^"]*\)".*/\1/p' \
	applets/applets.h)
ifneq ($(APPLETS),)
ifneq ($(filter-out $(ALL_APPLETS),$(APPLETS)),)
$(error unknown applet(s) $(filter-out $(ALL_APPLETS),$(APPLETS)); known: $(ALL_APPLETS))
endif
APPLET_DEFS = -DIKEBOX_APPLETS_ONLY $(foreach a,$(APPLETS),-DIKEBOX_WITH_$(subst -,_,$(a))=1)
endif
MAIN_DEFS = -DIKEBOX_VERSION='"$(VERSION)"' $(APPLET_DEFS)

ifeq ($(CROSS),)
all: ikebox
else
all: cross
endif

main.o: CFLAGS += $(MAIN_DEFS)
main.o: build/applets.stamp

# main.o is rebuilt when the applet choice changes.
build/applets.stamp: FORCE
	@mkdir -p build
	@echo '$(APPLETS)' | cmp -s - $@ || echo '$(APPLETS)' > $@

# Stripped, unused sections dropped, libc/trim.o's small libc stand-ins:
# docs/size.md.  ikebox.debug is the same link with its symbols, for gdb.
# HOT_LDFLAGS puts the code ikd runs from its start to idle first
# (scripts/hot-text.ld, made by scripts/hot-text.py, which says why): the
# kernel maps a binary's pages 64 KB around each one run, so spread out it
# kept nearly all the text resident.  HOT_LDFLAGS= for a linker without
# INSERT (gold); a list out of date only costs RSS.
HOT_LDFLAGS ?= -Wl,-T,scripts/hot-text.ld
IKEBOX_OBJS = main.o libc/trim.o $(LIB_OBJS)
ikebox: $(IKEBOX_OBJS) scripts/hot-text.ld
	$(CC) -static -s -Wl,--gc-sections $(HOT_LDFLAGS) $(LDFLAGS) -o $@ $(IKEBOX_OBJS) $(LIBS)

ikebox.debug: $(IKEBOX_OBJS) scripts/hot-text.ld
	$(CC) -static -Wl,--gc-sections $(HOT_LDFLAGS) $(LDFLAGS) -o $@ $(IKEBOX_OBJS) $(LIBS)

t/unit: $(TEST_OBJS) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJS) $(LIB_OBJS) $(LIBS)

# The UML suite's driver for the kernel backends (dynamic: UML sees /).
t/uml/kbe-tool: t/uml/kbe_tool.o $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ t/uml/kbe_tool.o $(LIB_OBJS) $(LIBS)

# The spoofed IKE_SA_INIT sender of t/sh/flood.sh and make bench-flood.
t/flood: t/tools/flood.o $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ t/tools/flood.o $(LIB_OBJS) $(LIBS)

# The constant-time check of crypto/p256_64.c and crypto/x25519_64.c under
# valgrind (t/sh/ct_check.sh).
t/p256-ct: t/tools/p256_ct.o $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ t/tools/p256_ct.o $(LIB_OBJS) $(LIBS)

bench/bench: $(BENCH_SRCS:.c=.o) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_SRCS:.c=.o) $(LIB_OBJS) $(LIBS)

# The unit/sim/loopback runner, then the UML suite when it exists.
test:
	@sh scripts/deps.sh test
	@sh scripts/cross-deps.sh mips-sf
	@$(MAKE) --no-print-directory ikebox t/unit t/flood t/p256-ct fuzz-replay
	@sh t/run.sh

# The flood suite at full length: 30 s of 10,000 spoofed IKE_SA_INITs a
# second (make test runs 10 s of it).
bench-flood:
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory ikebox t/flood
	@FLOOD_SECONDS=30 sh t/sh/flood.sh

# P-256 and X25519 (crypto/p256_64.c, crypto/x25519_64.c): CT_ROUNDS
# scalars under valgrind's secret tracking (make test runs 4), and
# P256_ROUNDS / X25519_ROUNDS random rounds of each differential test
# against BearSSL (make test runs 150 / 1000).
CT_ROUNDS ?= 64
P256_ROUNDS ?= 20000
X25519_ROUNDS ?= 100000
ct-check:
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory ikebox t/p256-ct
	@CT_ROUNDS=$(CT_ROUNDS) sh t/sh/ct_check.sh

check-p256:
	@$(MAKE) --no-print-directory t/unit
	@P256_ROUNDS=$(P256_ROUNDS) ./t/unit -s crypto_p256

check-x25519:
	@$(MAKE) --no-print-directory t/unit
	@X25519_ROUNDS=$(X25519_ROUNDS) X25519_ITER=1000000 \
	    ./t/unit -s crypto_x25519

check-uml:
	@sh scripts/deps.sh uml
	@$(MAKE) --no-print-directory ikebox
	@IKEBOX_UML_SUITE='$(SUITE)' sh t/run.sh uml

bench:
	@sh scripts/deps.sh build
	@$(MAKE) --no-print-directory ikebox bench/bench
	@./bench/bench

bench-scale:
	@sh scripts/deps.sh build
	@$(MAKE) --no-print-directory ikebox bench/bench
	@BENCH_ONLY=scale ./bench/bench

# The responder's IKE_SA_INIT rate by `workers` alone (also in make bench).
bench-workers:
	@sh scripts/deps.sh build
	@$(MAKE) --no-print-directory ikebox bench/bench
	@BENCH_ONLY=workers ./bench/bench

# The side-by-side comparison with strongSwan (docs/engine.md, "make
# bench-peer"): its load-tester initiator against a charon responder, then
# against ikd (null backend), in a network namespace of its own.  Not part
# of make test.  scripts/strongswan-lt.sh builds charon with load-tester
# into build/strongswan-lt once (Debian does not ship the plugin).
bench-peer:
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory ikebox
	@sh bench/peer.sh

demo:
	@sh scripts/deps.sh uml
	@$(MAKE) --no-print-directory ikebox
	@sh t/uml/demo.sh

# --- Cross builds: make CROSS=TARGET (docs/cross.md) ---------------------
# scripts/cross-deps.sh installs Debian's cross compilers and qemu and
# unpacks the source packages; scripts/cross.sh builds musl, BearSSL, libuv
# and inih for TARGET once into build/cross/TARGET and writes env.mk (XCC,
# XCFLAGS, XLDFLAGS, XLIBS, XQEMU).  Objects go to build/cross/TARGET/obj,
# mirroring the source tree; the object lists are the native ones.
ifneq ($(CROSS),)
ifeq ($(filter $(CROSS),$(CROSS_TARGETS)),)
$(error unknown CROSS=$(CROSS); targets: $(CROSS_TARGETS))
endif
XDIR := build/cross/$(CROSS)
XO   := $(XDIR)/obj
-include $(XDIR)/env.mk
X_IKEBOX_OBJS = $(addprefix $(XO)/,$(IKEBOX_OBJS))
X_UNIT_OBJS   = $(addprefix $(XO)/,$(TEST_OBJS) $(LIB_OBJS))
X_LINK = $(XCC) $(XCFLAGS) $(XLDFLAGS) -Wl,--gc-sections

cross:
	@sh scripts/cross-deps.sh $(CROSS)
	@sh scripts/cross.sh $(CROSS)
	@$(MAKE) --no-print-directory CROSS=$(CROSS) ikebox-$(CROSS) \
	    $(XDIR)/ikebox.debug $(XDIR)/unit

# The toolchain, when make is asked for a cross file directly.
$(XDIR)/env.mk:
	@sh scripts/cross-deps.sh $(CROSS)
	@sh scripts/cross.sh $(CROSS)

# At -Os gcc 12 reports a truncation that cannot happen (cfg_load.c's
# set_psk_file checks the length first): docs/size.md.
$(XO)/%.o: %.c $(XDIR)/env.mk
	@mkdir -p $(@D)
	$(XCC) $(XCFLAGS) $(IKEBOX_CFLAGS) -Wno-format-truncation -c -o $@ $<

$(XO)/main.o: XCFLAGS += $(MAIN_DEFS)
$(XO)/main.o: build/applets.stamp

ikebox-$(CROSS): $(X_IKEBOX_OBJS)
	$(X_LINK) -s -o $@ $(X_IKEBOX_OBJS) $(XLIBS)

# Unstripped, with a link map: what make sizes and the FPU check read.
$(XDIR)/ikebox.debug: $(X_IKEBOX_OBJS)
	$(X_LINK) -Wl,-Map=$(XDIR)/ikebox.map -o $@ $(X_IKEBOX_OBJS) $(XLIBS)

$(XDIR)/unit: $(X_UNIT_OBJS)
	$(X_LINK) -o $@ $(X_UNIT_OBJS) $(XLIBS)

-include $(wildcard $(XO)/*.d $(XO)/*/*.d $(XO)/*/*/*.d)
endif

# Each cross target built (make CROSS=T cross), then its selftest, unit
# suite, APPLETS subset and (soft-float) FPU checks under qemu-user.
check-cross:
	@sh t/cross.sh $(CROSS_TARGETS)

# Size per target (every ikebox-* built, and ./ikebox) and per module.
sizes:
	@sh scripts/sizes.sh


# Relative links, so that a DESTDIR staging tree can be copied as it is.
install: ikebox
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -m 755 ikebox $(DESTDIR)$(PREFIX)/sbin/ikebox
	for a in $$(./ikebox --list); do \
	    ln -sf ikebox $(DESTDIR)$(PREFIX)/sbin/$$a || exit 1; done
	install -m 644 man/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	sh scripts/install-configs.sh configs $(DESTDIR)$(EXAMPLEDIR)

# build/cross (the cross toolchains) survives: make distclean removes it.
clean:
	rm -f ikebox-* build/applets.stamp
	rm -rf $(addprefix build/cross/,$(addsuffix /obj,$(CROSS_TARGETS)))
	rm -f ikebox ikebox.debug t/unit bench/bench *.o */*.o *.d */*.d \
	    core/*/*.o core/*/*.d t/harness/*.o t/harness/*.d \
	    t/tools/*.o t/tools/*.d t/flood t/p256-ct
	rm -f t/uml/kbe-tool t/uml/*.o t/uml/*.d
	rm -rf t/out fuzz/build

include fuzz/fuzz.mk

distclean: clean
	rm -rf build

FORCE:
.PHONY: all deps test ct-check check-p256 check-x25519 check-uml bench bench-flood bench-scale bench-workers \
	bench-peer demo install clean cross \
	check-cross sizes FORCE
-include $(wildcard *.d */*.d core/*/*.d t/harness/*.d t/tools/*.d t/uml/*.d)
