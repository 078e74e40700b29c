"""Pure helpers every part of the runner shares: the repository's paths, the `key=value` line
format benches and peers print, picking a line by a filter, and number formatting."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BENCH_DIR = ROOT / "benchmarks"
PYTHON = "/usr/bin/python3"  # the pyenv python3 first on PATH has no numpy/sklearn
# OpenBLAS settings some images export for other CPUs; the peers must see OpenBLAS's own choice.
PEER_ENV = ["env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE"]

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def parse_lines(text):
    """Each output line of `key=value` tokens becomes a dict; a leading bare word is the bench."""
    lines = []
    for raw in text.splitlines():
        tokens = raw.split()
        if not tokens or not any("=" in t for t in tokens):
            continue
        d = {}
        if "=" not in tokens[0]:
            d["bench"] = tokens[0]
            tokens = tokens[1:]
        for t in tokens:
            if "=" in t:
                k, v = t.split("=", 1)
                d[k] = v
        lines.append(d)
    return lines


def select(lines, flt):
    """The first line matching every key of flt; threads='max' picks the most threads."""
    want_max = flt.get("threads") == "max"
    cands = [d for d in lines
             if all(d.get(k) == v for k, v in flt.items() if not (k == "threads" and want_max))]
    if want_max:
        cands = [d for d in cands if "threads" in d]
        if not cands:
            return None
        return max(cands, key=lambda d: int(d["threads"]))
    return cands[0] if cands else None


def num(d, key):
    try:
        return float(d[key])
    except (KeyError, TypeError, ValueError):
        return None



def fmt_s(x):
    return "—" if x is None else ("%.4g s" % x)


def fmt_g(x, unit=""):
    return "—" if x is None else ("%.3g%s" % (x, unit))

