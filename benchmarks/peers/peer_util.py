"""What every peer script shares: its command line, the bench's key=value meta file and
best-of-N timing."""
import sys
import time


def peer_args(defaults):
    """(data folder, options) from `script.py DIR [key=int ...]`: sys.argv[1] and the integer
    options given after it over a copy of `defaults`."""
    opts = dict(defaults)
    for arg in sys.argv[2:]:
        key, value = arg.split("=", 1)
        opts[key] = int(value)
    return sys.argv[1], opts


def read_meta(path):
    """The key=value tokens (whitespace- or newline-separated) of a bench's meta file, as
    strings; each peer converts the values it uses."""
    with open(path) as f:
        return dict(token.split("=", 1) for token in f.read().split() if "=" in token)


def timed(repeats, work):
    """(best wall seconds, best CPU seconds, the last result) over `repeats` calls of work()."""
    best, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(max(1, repeats)):
        w0, c0 = time.perf_counter(), time.process_time()
        result = work()
        best = min(best, time.perf_counter() - w0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best, best_cpu, result
