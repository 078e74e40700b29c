"""Running things: subprocesses with a timeout, the CMake build of the bench targets, what the
machine and numpy's BLAS are, and the loop that runs every selected bench and its peer."""

import json
import platform
import shutil
import subprocess
import time
from pathlib import Path

from .common import BENCH_DIR, PEER_ENV, PYTHON, ROOT, log, parse_lines


def run(cmd, timeout, env_prefix=()):
    t0 = time.time()
    try:
        p = subprocess.run(list(env_prefix) + cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout, p.stderr, time.time() - t0
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return -1, out, "timed out after %d s" % timeout, time.time() - t0


def build(build_dir, names, jobs, native):
    """Configure (Release) and build each bench target on its own, so one broken bench does not
    hide the others. names: {bench name: CMake target}. Returns {name: error text or None}."""
    # Release; tuned for this CPU (-march=native) unless --portable: the peers' OpenBLAS picks
    # its AVX2/AVX-512 kernels at run time, so a portable SSE2 build of Eigen would compare a
    # 2-wide against an 8-wide machine (measured here: 2x on the logistic fits).
    cmd = ["cmake", "-S", str(ROOT), "-B", str(build_dir), "-DCMAKE_BUILD_TYPE=Release",
           "-DNEUROPOP_NATIVE=" + ("ON" if native else "OFF")]
    rc, out, err, _ = run(cmd, 600)
    if rc != 0:
        return {n: "cmake configure failed: " + (err or out)[-2000:] for n in names}
    result = {}
    for n, target in names.items():
        log("building %s ..." % target)
        rc, out, err, _ = run(["cmake", "--build", str(build_dir), "-j", str(jobs), "--target",
                               target], 3600)
        result[n] = None if rc == 0 else "build failed:\n" + (out + err)[-3000:]
    return result


def cache_value(build_dir, key):
    try:
        for line in (build_dir / "CMakeCache.txt").read_text().splitlines():
            if line.startswith(key + ":"):
                return line.split("=", 1)[1]
    except OSError:
        pass
    return "?"


def blas_info():
    code = ("import json, numpy, threadpoolctl\n"
            "print(json.dumps([i for i in threadpoolctl.threadpool_info() "
            "if i.get('user_api') == 'blas']))")
    rc, out, err, _ = run([PYTHON, "-c", code], 120, PEER_ENV)
    if rc != 0:
        return None, "threadpoolctl failed: " + err.strip()[-300:]
    libs = json.loads(out)
    if not libs:
        return None, "numpy reports no BLAS library through threadpoolctl"
    lib = libs[0]
    text = "%s %s (%s, %s threads, %s)" % (lib.get("internal_api"), lib.get("version"),
                                          lib.get("architecture"), lib.get("num_threads"),
                                          lib.get("filepath"))
    return lib, text


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def run_benches(benches, build_dir, quick, keep_data, built, runners, errors):
    """Runs every bench (or its runner) and its peer; failures are noted and appended to errors.
    built: {name: build error text or None}; runners: {runner name: function}.
    Returns {name: (our lines, peer lines, notes)} in the order of benches."""
    scratch_root = build_dir / "bench-data"
    outputs = {}  # name -> (our lines, peer lines, notes)
    for b in benches:
        ours, theirs, notes = [], [], []
        outputs[b.name] = (ours, theirs, notes)
        if built.get(b.name):
            notes.append(built[b.name])
            errors.append("%s: %s" % (b.name, built[b.name].splitlines()[0]))
            continue
        if b.runner:
            data = scratch_root / b.name
            if data.exists():
                shutil.rmtree(data)
            log("running %s" % b.name)
            lines, peer_lines, more_notes, more_errors = runners[b.runner](build_dir, quick, data)
            ours.extend(lines)
            theirs.extend(peer_lines)
            notes.extend(more_notes)
            errors.extend(more_errors)
            if data.exists() and not keep_data:
                shutil.rmtree(data)
            continue
        exe = build_dir / "benchmarks" / ("neuropop_bench_" + b.name)
        if not exe.exists():
            notes.append("executable missing: %s" % exe)
            errors.append("%s: executable missing" % b.name)
            continue
        data = scratch_root / b.name
        if data.exists():
            shutil.rmtree(data)
        args = [a.replace("{data}", str(data)) for a in (b.quick_args if quick else b.args)]
        log("running %s %s" % (exe.name, " ".join(args)))
        rc, out, err, secs = run([str(exe)] + args, b.timeout)
        ours.extend(parse_lines(out))
        if rc != 0:
            notes.append("%s exited %d: %s" % (exe.name, rc, err.strip()[-500:]))
            errors.append("%s exited %d" % (exe.name, rc))
        if b.peer and rc == 0:
            pargs = b.peer_quick_args if (quick and b.peer_quick_args is not None) \
                else b.peer_args
            pargs = [a.replace("{data}", str(data)) for a in pargs]
            script = BENCH_DIR / "peers" / b.peer
            log("running peer %s %s" % (script.name, " ".join(pargs)))
            rc, out, err, _ = run([PYTHON, str(script)] + pargs, b.timeout, PEER_ENV)
            theirs.extend(parse_lines(out))
            if rc != 0:
                notes.append("peer %s exited %d: %s" % (b.peer, rc, err.strip()[-500:]))
                errors.append("peer %s exited %d" % (b.peer, rc))
        if data.exists() and not keep_data:
            shutil.rmtree(data)
    return outputs
