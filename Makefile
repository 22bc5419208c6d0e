# ikebox - one static executable, busybox-style.
#
#   make            build ./ikebox (static)
#   make test       install missing build/test packages, build, run every test
#   make check-uml  the real-kernel suite in User-Mode Linux (part of make test)
#   make bench      print crypto and engine figures
#   make demo       the how-to's two-gateway tunnel, in UML
#
# Sources are picked up by folder, so adding a file needs no edit here.

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
	   -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes \
	   -fno-strict-aliasing -D_GNU_SOURCE -I. -MMD -MP
LDFLAGS ?=
LIBS     = -lbearssl -linih -l:libuv_a.a -lpthread -ldl -lrt
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

LIB_SRCS  = $(wildcard core/*.c net/*.c crypto/*.c applets/*.c)
LIB_OBJS  = $(LIB_SRCS:.c=.o)
TEST_SRCS = $(wildcard t/*.c)
TEST_OBJS = $(TEST_SRCS:.c=.o)
BENCH_SRCS = $(wildcard bench/*.c)

all:
	@sh scripts/deps.sh build
	@$(MAKE) --no-print-directory ikebox

main.o: CFLAGS += -DIKEBOX_VERSION='"$(VERSION)"'

ikebox: main.o $(LIB_OBJS)
	$(CC) -static $(LDFLAGS) -o $@ main.o $(LIB_OBJS) $(LIBS)

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
	@$(MAKE) --no-print-directory ikebox t/unit
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

clean:
	rm -f ikebox t/unit bench/bench *.o */*.o *.d */*.d
	rm -f t/uml/kbe-tool t/uml/*.o t/uml/*.d
	rm -rf t/out

.PHONY: all deps test check-uml bench demo clean
-include $(wildcard *.d */*.d t/uml/*.d)
