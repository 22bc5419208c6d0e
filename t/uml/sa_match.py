#!/usr/bin/env python3
# sa_match.py - compares what ikd and strongSwan's charon each say about the
# SAs between them (t/uml/interop.sh).  ikd's side is `ikectl show sa
# --json`, charon's is `swanctl --list-sas --raw`: vici's dump, a nest of
# "name {key=value ... list=[item ...]}".
#   sa_match.py IKD_JSON SWANCTL_RAW IKE_EXPECT CHILD_EXPECT [TS_EXPECT]
# IKE_EXPECT / CHILD_EXPECT: comma-separated key=value pairs charon's IKE SA
# (or every CHILD SA) must show, e.g. encr-alg=AES_GCM_16,dh-group=CURVE_25519.
# TS_EXPECT: "LOCAL === REMOTE", ikd's selectors of its (one) CHILD SA.
# Requires exactly one IKE SA on each side, ESTABLISHED, the same IKE SPIs,
# and one INSTALLED charon CHILD SA for each ikd child with the SPIs crossed
# (ikd's spi_in is charon's spi-out) and the selectors mirrored.  Prints
# one line of evidence; on a mismatch says what differs on stderr and
# exits 1.
import json
import re
import sys


def parse_vici(text):
    """The raw dump as nested dicts; lists become Python lists."""
    toks = re.findall(r'[{}\[\]]|[^\s{}\[\]]+', text)
    root, stack, i = {}, [], 0
    cur = root
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if t == '}':
            cur = stack.pop() if stack else root
        elif nxt == '{':
            sub = {}
            cur[t] = sub
            stack.append(cur)
            cur = sub
            i += 1
        elif nxt == '[':
            j = toks.index(']', i + 2)
            cur[t.rstrip('=')] = toks[i + 2:j]
            i = j
        elif '=' in t:
            k, v = t.split('=', 1)
            cur[k] = v
        i += 1
    return root


def ike_sas(tree):
    """IKE SA sections: dicts holding both a state and initiator-spi."""
    out = []

    def walk(d):
        for k, v in d.items():
            if isinstance(v, dict):
                if 'initiator-spi' in v and 'state' in v:
                    out.append((k, v))
                else:
                    walk(v)
    walk(tree)
    return out


def expect(sec, spec, what, errs):
    for kv in filter(None, spec.split(',')):
        k, v = kv.split('=', 1)
        if sec.get(k) != v:
            errs.append('%s: charon has %s=%s, expected %s'
                        % (what, k, sec.get(k), v))


def main():
    ikd = json.load(open(sys.argv[1]))
    charon = ike_sas(parse_vici(open(sys.argv[2]).read()))
    ike_exp, child_exp = sys.argv[3], sys.argv[4]
    ts_exp = sys.argv[5] if len(sys.argv) > 5 else ''
    errs = []
    if len(ikd) != 1 or len(charon) != 1:
        print('ikd has %d IKE SAs, charon %d (need one each)'
              % (len(ikd), len(charon)), file=sys.stderr)
        return 1
    a, (name, c) = ikd[0], charon[0]
    if a['state'] != 'ESTABLISHED':
        errs.append('ikd IKE SA state %s' % a['state'])
    if c.get('state') != 'ESTABLISHED':
        errs.append('charon IKE SA %s state %s' % (name, c.get('state')))
    if a['ispi'] != c.get('initiator-spi') or \
            a['rspi'] != c.get('responder-spi'):
        errs.append('IKE SPIs: ikd i %s r %s, charon i %s r %s'
                    % (a['ispi'], a['rspi'], c.get('initiator-spi'),
                       c.get('responder-spi')))
    if a['initiator'] == ('initiator' in c and c['initiator'] == 'yes'):
        errs.append('both sides claim the same role')
    expect(c, ike_exp, 'IKE SA', errs)
    kids = list(c.get('child-sas', {}).values())
    kids = [k for k in kids if isinstance(k, dict)]
    if not a['children'] or len(kids) != len(a['children']):
        errs.append('ikd has %d CHILD SAs, charon %d'
                    % (len(a['children']), len(kids)))
    spis = []
    for ch in a['children']:
        m = [k for k in kids if k.get('spi-in') == ch['spi_out']]
        if len(m) != 1:
            errs.append('no charon CHILD SA with spi-in %s (ikd spi_out)'
                        % ch['spi_out'])
            continue
        k = m[0]
        if k.get('state') != 'INSTALLED':
            errs.append('charon CHILD SA %s state %s'
                        % (k.get('spi-in'), k.get('state')))
        if k.get('spi-out') != ch['spi_in']:
            errs.append('CHILD SPIs: ikd in %s out %s, charon in %s out %s'
                        % (ch['spi_in'], ch['spi_out'], k.get('spi-in'),
                           k.get('spi-out')))
        # traffic selectors: each side's local ones are the other's remote
        if sorted(ch['local_ts']) != sorted(k.get('remote-ts', [])) or \
                sorted(ch['remote_ts']) != sorted(k.get('local-ts', [])):
            errs.append('selectors: ikd %s === %s, charon %s === %s'
                        % (ch['local_ts'], ch['remote_ts'],
                           k.get('local-ts'), k.get('remote-ts')))
        expect(k, child_exp, 'CHILD SA', errs)
        ts = '%s === %s' % (','.join(ch['local_ts']),
                            ','.join(ch['remote_ts']))
        if ts_exp and ts != ts_exp:
            errs.append('ikd selectors %s, expected %s' % (ts, ts_exp))
        spis.append('%s/%s %s === %s' % (ch['spi_in'], ch['spi_out'],
                                         ','.join(ch['local_ts']),
                                         ','.join(ch['remote_ts'])))
    if errs:
        print('\n'.join(errs), file=sys.stderr)
        return 1
    print('IKE SPIs %s/%s, CHILD SPIs ikd in/out %s, %s'
          % (a['ispi'], a['rspi'], ' '.join(spis),
             ' '.join('%s=%s' % (k, c.get(k)) for k in
                      ('encr-alg', 'encr-keysize', 'integ-alg', 'prf-alg',
                       'dh-group') if k in c)))
    return 0


sys.exit(main())
