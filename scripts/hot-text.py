#!/usr/bin/env python3
# hot-text.py - writes scripts/hot-text.ld, the code ikd runs from its start
# to idle, which the native link puts first (Makefile HOT_LDFLAGS):
#     python3 scripts/hot-text.py > scripts/hot-text.ld      (root; make first)
#
# Why: the kernel maps a file's pages into a process around each page it
# faults in (fault-around, 64 KB by default), so a static binary whose
# start-up code is spread over its 1.1 MB of text had nearly all of it
# resident: ikd idle with one VPN was 1.5 MB of RSS, 1.0 MB of it the text.
# With the code it runs together, what it never runs is never mapped.
#
# How: ikd (null backend, one VPN, its own folder under /tmp) is run and
# stopped again on a binary linked with the list so far and a link map;
# every instruction fetch that faults outside the hot section names, by the
# map, the input section (a function of ours, -ffunction-sections; a member
# of libc.a, libuv or BearSSL) that joins the list; until none does.  Each
# round finds one function per 64 KB window (its neighbours are mapped with
# it), so valgrind's callgrind, when installed, gives the first list: every
# function the run executes.  The glibc string functions are picked at run
# time by CPU (IFUNC): the variants this machine picks are the ones listed;
# on another CPU another variant costs a window, no more.
#
# Nothing here changes what the program does: a list that is out of date
# (code added since, another glibc) only leaves more of the text resident.
import os, re, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIBS = "-lbearssl -linih -l:libuv_a.a -lpthread -ldl -lrt".split()
ROUNDS = 30


def objects():
    objs = ["main.o", "libc/trim.o"]
    for d in ("core/cfg", "core/ike", "core/keepalive", "core/wire", "net",
              "crypto", "applets", "libc"):
        for f in sorted(os.listdir(os.path.join(ROOT, d))):
            p = d + "/" + f
            if f.endswith(".o") and p != "libc/trim.o":
                objs.append(p)
    return objs


def rule(path, sec):
    """The linker script pattern of one input section."""
    m = re.match(r".*/([^/]+\.a)\((.+)\)$", path)
    if m:
        return "*%s:%s(%s)" % (m.group(1), m.group(2), sec)
    return "*%s(%s)" % (re.sub(r"^.*/(crt[^/]*\.o)$", r"\1", path), sec)


def script(rules):
    return ("SECTIONS\n{\n\t.text.hot :\n\t{\n" +
            "".join("\t\t%s\n" % r for r in sorted(rules)) +
            "\t}\n}\nINSERT BEFORE .text;\n")


def link(tmp, rules):
    ld = os.path.join(tmp, "hot.ld")
    out = os.path.join(tmp, "ikebox")	# the applet is argv[0]'s base
    with open(ld, "w") as f:
        f.write(script(rules))
    subprocess.run(["cc", "-static", "-Wl,--gc-sections", "-Wl,-T," + ld,
                    "-Wl,-Map," + out + ".map", "-o", out] + objects() +
                   LIBS, cwd=ROOT, check=True, capture_output=True)
    return out


def sections(mapf):
    """(start, size, section, input file) of every .text input section."""
    text = open(mapf).read()
    text = text[text.index("Linker script and memory map"):]
    secs, pending = [], None
    for line in text.split("\n"):
        m = re.match(r"^ (\.text\S*)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)",
                     line)
        if m:
            secs.append((int(m.group(2), 16), int(m.group(3), 16),
                         m.group(1), m.group(4)))
            pending = None
            continue
        m = re.match(r"^ (\.text\S*)$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
        if m and pending:
            secs.append((int(m.group(1), 16), int(m.group(2), 16), pending,
                         m.group(3)))
        pending = None
    return sorted(s for s in secs if s[1] > 0)


def find(secs, addr):
    for s in secs:
        if s[0] <= addr < s[0] + s[1]:
            return s
    return None


def confs(tmp):
    """Two ikd.conf of one passive VPN: as make bench's (which measures
    the idle RSS) and as the how-to's, with the keys and comments a user
    writes."""
    vpns = {
        "bench": "[vpn]\nname = v0\nmode = passive\nlocal = 127.77.0.1\n"
        "peer = 127.77.0.2\nsrcid = 127.77.0.1\ndstid = 127.77.0.2\n"
        "psk = hot-text-psk-long-enough\n[flows]\n"
        "flow = 100.96.0.0/32 100.64.0.0/32\n[ikesa]\nenc = aes-128\n"
        "auth = hmac-sha2-256\nprf = hmac-sha2-256\ngroup = curve25519\n"
        "[childsa]\nenc = aes-128\nauth = hmac-sha1\ngroup = none\n",
        "howto": "; the how-to's\n[vpn]\nname = nom_vpn\nmode = passive\n"
        "protocol = esp\nlocal = 127.77.0.3\npeer = 127.77.0.4\n"
        "srcid = 127.77.0.3\ndstid = 127.77.0.4\n"
        "psk = PSK-TO-CONFIGURE-LONG     ; the same on both\n"
        "ikelifetime = 86400\nlifetime = 3600\n[flows]\n"
        "flow = 203.0.113.0/25 203.0.113.128/25\n[ikesa]\nenc = aes-256\n"
        "auth = hmac-sha2-256\nprf = hmac-sha2-256\ngroup = modp4096\n"
        "[childsa]\nenc = aes-256\nauth = hmac-sha1\ngroup = modp4096\n",
    }
    out = []
    for name, text in vpns.items():
        d = os.path.join(tmp, name)
        os.mkdir(d)
        os.mkdir(os.path.join(d, "vpn.d"))
        files = {"vpn.d/v.conf": text,
                 "ikd.conf": "[global]\ninclude = vpn.d/*.conf\n"
                 "backend = null\nsocket = %s/ikd.sock\n%s" %
                 (d, "dpd_check_interval = 0\nnat_traversal = no\n"
                  if name == "bench" else "dpd_check_interval = 60\n")}
        for f, body in files.items():
            with open(os.path.join(d, f), "w") as o:
                o.write(body)
            os.chmod(os.path.join(d, f), 0o600)
        out.append(os.path.join(d, "ikd.conf"))
    return out


def run(cmd, secs):
    """Runs cmd (ikd -f FILE) for secs seconds, asked `show stats` once
    on the way as make bench asks (and a monitoring script would), then
    SIGINT."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(secs / 2)
    sock = os.path.join(os.path.dirname(cmd[-1]), "ikd.sock")
    if subprocess.run([cmd[-5], "ikectl", "-s", sock, "show", "stats"],
                      stdout=subprocess.DEVNULL,
                      stderr=subprocess.DEVNULL).returncode != 0:
        os.killpg(p.pid, 9)
        sys.exit("hot-text.py: ikd did not start: %s" % " ".join(cmd))
    time.sleep(secs / 2)
    os.killpg(p.pid, 2)	# the group: valgrind's wrapper runs it as a child
    try:
        p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        p.wait()
    time.sleep(0.5)


def callgrind(tmp, binary, g):
    out = os.path.join(tmp, "cg.out")
    nosec = g + ".valgrind"	# no seccomp filter under valgrind
    with open(g) as f, open(nosec, "w") as o:
        o.write(f.read() + "seccomp = no\n")
    os.chmod(nosec, 0o600)
    if subprocess.run(["which", "valgrind"],
                      stdout=subprocess.DEVNULL).returncode != 0:
        return set()
    run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
         binary, "ikd", "-d", "-f", nosec], 8)
    names = set()
    for line in open(out):
        m = re.match(r"^c?fn=\(\d+\) (\S+)", line.strip())
        if m:
            names.add(m.group(1).split("'")[0])
    return names


def main():
    rules = set()
    with tempfile.TemporaryDirectory(prefix="hot-text.") as tmp:
        gs = confs(tmp)
        binary = link(tmp, rules)
        secs = sections(binary + ".map")
        syms = {}
        nm = subprocess.run(["nm", "--defined-only", binary],
                            capture_output=True, text=True).stdout
        for line in nm.split("\n"):
            p = line.split()
            if len(p) == 3 and p[1] in "tTwW":
                syms.setdefault(p[2], int(p[0], 16))
        for g in gs:
            for name in callgrind(tmp, binary, g):
                s = find(secs, syms.get(name, -1))
                if s:
                    rules.add(rule(s[3], s[2]))
        for n in range(ROUNDS):
            binary = link(tmp, rules)
            secs = sections(binary + ".map")
            rd = subprocess.run(["readelf", "-SW", binary],
                                capture_output=True, text=True).stdout
            m = re.search(r"\.text\.hot\s+PROGBITS\s+([0-9a-f]+)\s+\S+\s+"
                          r"([0-9a-f]+)", rd)
            lo = int(m.group(1), 16) if m else 0
            hi = lo + (int(m.group(2), 16) if m else 0)
            data = os.path.join(tmp, "pf.data")
            trace = ""
            for g in gs:
                run(["perf", "record", "-q", "-e",
                     "exceptions:page_fault_user", "-o", data, binary,
                     "ikd", "-d", "-f", g], 2)
                trace += subprocess.run(["perf", "script", "-i", data, "-F",
                                         "trace"], capture_output=True,
                                        text=True).stdout
            new = set()
            for a, ec in re.findall(r"address=0x([0-9a-f]+) ip=0x[0-9a-f]+ "
                                    r"error_code=0x([0-9a-f]+)", trace):
                a = int(a, 16)
                if not int(ec, 16) & 0x10 or lo <= a < hi:
                    continue	# data, or code already hot
                s = find(secs, a)
                if s and s[2].startswith(".text"):
                    new.add(rule(s[3], s[2]))
            print("round %d: %d new" % (n, len(new - rules)),
                  file=sys.stderr)
            if not new - rules:
                break
            rules |= new
    print("/*\n * hot-text.ld - what ikd runs from its start to idle, first "
          "in the text of\n * the native build (Makefile HOT_LDFLAGS).  "
          "GENERATED by\n * scripts/hot-text.py, which says why and how.\n"
          " */")
    sys.stdout.write(script(rules))


main()
