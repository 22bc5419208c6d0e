# ikebox - one static executable, busybox-style.
#
#   make            build ./ikebox (static)
#   make test       install missing build/test packages, build, run every test
#   make check-uml  the real-kernel suite in User-Mode Linux (part of make test)
#   make bench      print crypto and engine figures
#   make demo       the how-to's two-gateway tunnel, in UML
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (fuzz/README.md)
#   make asan       the unit suite built with ASan and UBSan
#   make install    ikebox, its applet links and man/ pages under
#                   $(DESTDIR)$(PREFIX) (default /usr/local)
#
# Sources are picked up by folder, so adding a file needs no edit here.

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	   -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes \
	   -fno-strict-aliasing -D_GNU_SOURCE -I. -MMD -MP \
	   -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
LDFLAGS ?=
PREFIX  ?= /usr/local
MANDIR  ?= $(PREFIX)/share/man
LIBS     = -lbearssl -linih -l:libuv_a.a -lpthread -ldl -lrt
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

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

all:
	@sh scripts/deps.sh build
	@$(MAKE) --no-print-directory ikebox

main.o: CFLAGS += -DIKEBOX_VERSION='"$(VERSION)"'

# Stripped, unused sections dropped, libc/trim.o's small libc stand-ins:
# docs/size.md.  ikebox.debug is the same link with its symbols, for gdb.
IKEBOX_OBJS = main.o libc/trim.o $(LIB_OBJS)
ikebox: $(IKEBOX_OBJS)
	$(CC) -static -s -Wl,--gc-sections $(LDFLAGS) -o $@ $(IKEBOX_OBJS) $(LIBS)

ikebox.debug: $(IKEBOX_OBJS)
	$(CC) -static -Wl,--gc-sections $(LDFLAGS) -o $@ $(IKEBOX_OBJS) $(LIBS)

t/unit: $(TEST_OBJS) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJS) $(LIB_OBJS) $(LIBS)

# The UML suite's driver for the kernel backends (dynamic: UML sees /).
t/uml/kbe-tool: t/uml/kbe_tool.o $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ t/uml/kbe_tool.o $(LIB_OBJS) $(LIBS)

bench/bench: $(BENCH_SRCS:.c=.o) $(LIB_OBJS)
	$(CC) $(LDFLAGS) -o $@ $(BENCH_SRCS:.c=.o) $(LIB_OBJS) $(LIBS)

# The unit/sim/loopback runner, then the UML suite when it exists.
test:
	@sh scripts/deps.sh test
	@$(MAKE) --no-print-directory ikebox t/unit fuzz-replay
	@sh t/run.sh

check-uml:
	@sh scripts/deps.sh uml
	@$(MAKE) --no-print-directory ikebox
	@sh t/run.sh uml

bench:
	@sh scripts/deps.sh build
	@$(MAKE) --no-print-directory ikebox bench/bench
	@./bench/bench

demo:
	@sh scripts/deps.sh uml
	@$(MAKE) --no-print-directory ikebox
	@sh t/uml/demo.sh

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

clean:
	rm -f ikebox ikebox.debug t/unit bench/bench *.o */*.o *.d */*.d \
	    core/*/*.o core/*/*.d t/harness/*.o t/harness/*.d
	rm -f t/uml/kbe-tool t/uml/*.o t/uml/*.d
	rm -rf t/out fuzz/build

include fuzz/fuzz.mk

.PHONY: all deps test check-uml bench demo install clean
-include $(wildcard *.d */*.d core/*/*.d t/harness/*.d t/uml/*.d)
