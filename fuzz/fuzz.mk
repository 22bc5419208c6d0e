# fuzz/fuzz.mk - the fuzz targets (fuzz/README.md), included by the Makefile.
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="msg engine"]
#                    libFuzzer (clang) runs each target FUZZ_SECONDS seconds
#   make fuzz-replay the same targets without libFuzzer (gcc, ASan/UBSan
#                    when gcc has them), run over fuzz/corpus and
#                    fuzz/regress by t/sh/fuzz_replay.sh in `make test`
#   make fuzz-seeds  writes the generated seeds under fuzz/corpus/
#   make asan        t/unit with gcc's ASan and UBSan, then the unit suite

FUZZ_TARGETS ?= msg pld engine cfg iked ctl pfkey xfrm
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang-14
FZ = fuzz/build/fz
RP = fuzz/build/rp
AS = fuzz/build/asan

FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined
# gcc from Debian has libasan/libubsan; without them the replay is plain.
GCC_SAN := $(shell echo 'int main(void){return 0;}' | \
	$(CC) -fsanitize=address,undefined -x c - -o /dev/null 2>/dev/null && \
	echo -fsanitize=address,undefined -fno-sanitize-recover=undefined)
FUZZ_CFLAGS = -O1 -g -std=gnu11 -Wall -D_GNU_SOURCE -I. -MMD -MP \
	-fno-omit-frame-pointer $(FUZZ_SAN)
SAN_CFLAGS = $(filter-out -O2 -Werror,$(CFLAGS)) -O1 -Wno-format-truncation \
	-fno-omit-frame-pointer $(GCC_SAN)
# The engine's random numbers come from fuzz/fuzz_util.c (fuzz/fuzz.h).
FUZZ_WRAP = -Wl,--wrap=cr_rand

FUZZ_LIB = $(LIB_SRCS) fuzz/fuzz_util.c
FUZZ_BINS = $(FUZZ_TARGETS:%=$(FZ)/fuzz_%)
REPLAY_BINS = $(FUZZ_TARGETS:%=$(RP)/fuzz_%)

$(FZ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<
$(RP)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -c -o $@ $<
$(AS)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -c -o $@ $<

$(FZ)/lib.a: $(FUZZ_LIB:%.c=$(FZ)/%.o)
	rm -f $@ && ar rcs $@ $^
$(RP)/lib.a: $(FUZZ_LIB:%.c=$(RP)/%.o)
	rm -f $@ && ar rcs $@ $^

$(FZ)/fuzz_%: $(FZ)/fuzz/fuzz_%.o $(FZ)/lib.a
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $(FUZZ_WRAP) -o $@ $^ $(LIBS)
$(RP)/fuzz_%: $(RP)/fuzz/fuzz_%.o $(RP)/fuzz/replay_main.o $(RP)/lib.a
	$(CC) $(GCC_SAN) $(FUZZ_WRAP) -o $@ $^ $(LIBS)
$(RP)/gen_seeds: $(RP)/fuzz/gen_seeds.o $(RP)/fuzz/engine_lib.o \
    $(RP)/t/harness/hex.o $(RP)/lib.a
	$(CC) $(GCC_SAN) $(FUZZ_WRAP) -o $@ $^ $(LIBS)
# fuzz_engine.c without its entry point, for the seed generator.
$(RP)/fuzz/engine_lib.o: fuzz/fuzz_engine.c
	@mkdir -p $(@D)
	$(CC) $(SAN_CFLAGS) -DFUZZ_ENGINE_NO_ENTRY -c -o $@ $<

fuzz:
	@sh scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory -j2 fuzz-build
	@sh fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BINS)
fuzz-replay: $(REPLAY_BINS)

fuzz-seeds: $(RP)/gen_seeds
	$(RP)/gen_seeds fuzz/corpus
	sh fuzz/seeds.sh

asan: $(AS)/t/unit
	@sh scripts/deps.sh test
	@t0=$$(date +%s); $(AS)/t/unit; rc=$$?; \
	    echo "make asan: unit suite took $$(( $$(date +%s) - t0 )) s"; \
	    exit $$rc
$(AS)/t/unit: $(TEST_SRCS:%.c=$(AS)/%.o) $(LIB_SRCS:%.c=$(AS)/%.o)
	$(CC) $(GCC_SAN) -o $@ $^ $(LIBS)

.PHONY: fuzz fuzz-build fuzz-replay fuzz-seeds asan
-include $(shell find fuzz/build -name '*.d' 2>/dev/null)
.SECONDARY: $(FUZZ_TARGETS:%=$(FZ)/fuzz/fuzz_%.o) \
	$(FUZZ_TARGETS:%=$(RP)/fuzz/fuzz_%.o)
