"""`benchmarks/run`'s command line: the options, which benches a run selects, and main(), which
builds, runs (execute.run_benches), and writes the report (report.py)."""

import argparse
import datetime
import os
import socket
import subprocess
import time
from pathlib import Path

from . import execute, report
from .common import BENCH_DIR, ROOT, log
from .registry import BENCHES, ROWS
from .runners import RUNNERS

DESCRIPTION = ("Build the neuropop benchmarks, run each against its peer (numpy / scikit-learn) "
               "on the same\ndata in the same run, and report ratios next to the machine's "
               "limits measured in that run.")


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=DESCRIPTION)
    ap.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    ap.add_argument("--build-dir", default=str(ROOT / "build-bench"),
                    help="CMake build folder (default: build-bench/ in the repository, "
                    "configured Release with NEUROPOP_NATIVE=ON)")
    ap.add_argument("--portable", action="store_true",
                    help="configure with NEUROPOP_NATIVE=OFF (no -march=native)")
    ap.add_argument("--no-build", action="store_true", help="use the executables as they are")
    ap.add_argument("--only", default="", help="comma-separated bench names to run")
    ap.add_argument("--scale", action="store_true",
                    help="run only the scale benchmark, at full size (a study of 6 and of 24 "
                    "sessions, >= 1 GB of NWB; about half an hour of runs on 2 cores)")
    ap.add_argument("--keep-data", action="store_true", help="keep the scratch data folders")
    ap.add_argument("--results-dir", default=str(BENCH_DIR / "results"))
    return ap.parse_args(argv)


def choose_benches(benches, sources, only, quick=False, scale=False):
    """(selected benches, unregistered source names). sources: the X of every bench_X.cpp;
    only: the --only text. A bench runs when its source exists or it is a runner, and --only is
    empty or names it; an opt-in bench only when --only names it, in --quick, or with --scale
    (which selects it alone); unregistered are sources without a Bench."""
    wanted = {s for s in only.split(",") if s}
    if scale:
        wanted = {b.name for b in benches if b.opt_in}
    known = {b.name for b in benches}
    unregistered = [n for n in sources if n not in known]
    selected = [b for b in benches
                if (b.name in sources or b.runner) and (not wanted or b.name in wanted)
                and (not b.opt_in or quick or b.name in wanted)]
    return selected, unregistered


def git_commit():
    """Short hash of HEAD, with " (uncommitted changes)" when the tree is dirty; "?" without git."""
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip() or "?"
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"],
                               capture_output=True, text=True).stdout.strip()
        commit += " (uncommitted changes)" if dirty else ""
    except OSError:
        commit = "?"
    return commit


def main(argv=None):
    opts = parse_args(argv)
    build_dir = Path(opts.build_dir).resolve()
    jobs = os.cpu_count() or 1
    sources = sorted(p.stem[len("bench_"):] for p in BENCH_DIR.glob("bench_*.cpp"))
    if opts.scale and opts.quick:
        raise SystemExit("benchmarks/run: --scale runs the full size; --quick already runs the "
                         "scale benchmark at its small size")
    benches, unregistered = choose_benches(BENCHES, sources, opts.only, opts.quick, opts.scale)
    started = time.time()

    errors = []  # failures that make the run exit 1
    built = {b.name: None for b in benches}
    if not opts.no_build:
        built = execute.build(build_dir, {b.name: b.target or "neuropop_bench_" + b.name
                                          for b in benches}, jobs, not opts.portable)
    build_seconds = time.time() - started
    load_at_start = os.getloadavg()[0]

    blas, blas_text = execute.blas_info()
    if blas is None or blas.get("internal_api") != "openblas":
        blas_text = "NOT OpenBLAS: " + blas_text + " (install libopenblas0-pthread)"
        errors.append("numpy does not use OpenBLAS: " + blas_text)
    log("numpy BLAS: " + blas_text)

    outputs = execute.run_benches(benches, build_dir, opts.quick, opts.keep_data, built, RUNNERS,
                                  errors)
    limits, stream_gbps = report.machine_limits(outputs)
    table, missed = report.comparison(ROWS, outputs, stream_gbps, errors)

    now = datetime.datetime.now()
    host = socket.gethostname().split(".")[0]
    ctx = dict(time=now.strftime("%Y-%m-%d %H:%M"), host=host, quick=opts.quick,
               cpu=execute.cpu_model(), cores=jobs, commit=git_commit(), build_dir=build_dir,
               build_type=execute.cache_value(build_dir, "CMAKE_BUILD_TYPE"),
               native=execute.cache_value(build_dir, "NEUROPOP_NATIVE"), blas_text=blas_text,
               load_before=load_at_start, load_after=os.getloadavg()[0],
               build_seconds=build_seconds, run_seconds=time.time() - started - build_seconds)
    text = report.render_markdown(ctx, ROWS, table, limits, outputs, unregistered, missed, errors)
    print(text)

    results = Path(opts.results_dir)
    results.mkdir(parents=True, exist_ok=True)
    suffix = "-quick" if opts.quick else ("-scale" if opts.scale else "")
    stem = results / ("%s-%s%s" % (now.strftime("%Y-%m-%d"), host, suffix))
    stem.with_suffix(".md").write_text(text)
    report.write_csv(stem.with_suffix(".csv"), table, limits, report.scaling_lines(outputs))
    log("wrote %s.md and .csv" % stem)
    return 1 if errors else 0
