"""Whole-program measurements, each a function (build_dir, quick, data) -> (lines, peer lines,
notes, errors) registered in RUNNERS and named by Bench(..., runner=...) in registry.py:
end_to_end (`neuropop generate`, then examples/jobs/demo.ini's analyses on that data under mpirun on 1
and 2 ranks, peak memory per rank), pseudo_decoding, and scale (scale.py: a study at two sizes and
the cluster projection)."""

import math
from pathlib import Path

from .common import ROOT, parse_lines
from .execute import run
from .scale import demo_job, scale

MPI_ENV = ["env", "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"]
TIME = "/usr/bin/time"  # GNU time (Debian package `time`): max RSS of each rank


def largest_item(results):
    """(shape, elements, most units) of the largest /binned/*/*/counts dataset."""
    import h5py
    found = []
    with h5py.File(results, "r") as f:
        f["binned"].visititems(lambda name, obj: found.append(obj.shape)
                               if isinstance(obj, h5py.Dataset) and name.endswith("/counts")
                               else None)
    if not found:
        raise RuntimeError("no /binned/*/*/counts in %s" % results)
    shape = max(found, key=lambda sh: math.prod(sh))
    return shape, math.prod(shape), max(sh[1] for sh in found), len(found)


def end_to_end(build_dir, quick, data):
    """Wall time of one job on 1 and on 2 ranks (1 thread each, so the second rank gets the
    second core), the outputs compared with h5diff, and each rank's peak memory."""
    lines, peer_lines, notes, errors = [], [], [], []
    exe = build_dir / "cli" / "neuropop"
    if not exe.exists():
        return [], [], ["executable missing: %s" % exe], ["end_to_end: %s missing" % exe]
    sessions, regions, units, trials = (4, 3, 40, 150) if quick else (8, 3, 60, 300)
    data.mkdir(parents=True)
    gen = [str(exe), "generate", "--out", str(data / "sessions"), "--sessions", str(sessions),
           "--regions", ",".join(["VISp", "CA1", "MOs"][:regions]), "--units", str(units),
           "--trials", str(trials), "--seed", "1"]
    rc, out, err, _ = run(gen, 600)
    if rc != 0:
        return [], [], ["neuropop generate exited %d: %s" % (rc, err.strip()[-500:])], \
            ["end_to_end: neuropop generate exited %d" % rc]
    job = data / "job.ini"
    demo_job(job, data / "sessions", data / "unused.h5")

    def neuropop_run(ranks, output, wrap=(), extra=()):
        cmd = ["mpirun", "--oversubscribe", "-np", str(ranks)] + list(wrap) + [
            str(exe), "run", str(job), "--output", str(output), "--force", "--quiet",
            "--threads", "1"] + list(extra)
        rc, out, err, secs = run(cmd, 1800, MPI_ENV)
        if rc != 0:
            notes.append("%s exited %d: %s" % (" ".join(cmd), rc, err.strip()[-500:]))
            errors.append("end_to_end: neuropop run on %d rank(s) exited %d" % (ranks, rc))
            return None
        return secs

    best = {}
    for ranks in (1, 2):
        times = [neuropop_run(ranks, data / ("ranks%d.h5" % ranks)) for _ in range(2)]
        best[ranks] = None if None in times else min(times)
    if None in best.values():
        return lines, peer_lines, notes, errors

    same = []
    for group in ("/binned", "/sessions"):
        rc, out, err, _ = run(["h5diff", str(data / "ranks1.h5"), str(data / "ranks2.h5"), group,
                               group], 600)
        same.append(rc == 0)
        if rc != 0:
            notes.append("h5diff %s exited %d: %s" % (group, rc, (out + err).strip()[-500:]))
    ok = all(same)
    shape, elements, most_units, items = largest_item(data / "ranks2.h5")
    work = dict(sessions=sessions, regions=regions, units=units, trials=trials, items=items,
                threads=1)
    lines.append(dict(bench="end_to_end", ranks="2", seconds="%.4g" % best[2], **work))
    peer_lines.append(dict(peer="end_to_end", tool="neuropop, 1 rank", ranks="1",
                           seconds="%.4g" % best[1],
                           check="h5diff_binned_sessions_" + ("identical" if ok else "DIFFER"),
                           ok="1" if ok else "0"))

    # Peak memory: every rank under GNU time, each writing its own file.
    if not Path(TIME).exists():
        errors.append("end_to_end: %s missing (apt-get install time; scripts/deps.sh)" % TIME)
        return lines, peer_lines, notes, errors

    def max_rss(ranks, output, extra=()):
        for f in data.glob("rss.*"):
            f.unlink()
        wrap = ["sh", "-c", 'exec %s -o "%s/rss.$OMPI_COMM_WORLD_RANK" -f "maxrss_kb=%%M" "$@"'
                % (TIME, data), "sh"]
        if neuropop_run(ranks, output, wrap, extra) is None:
            return None
        try:
            return [int((data / ("rss.%d" % r)).read_text().split("maxrss_kb=")[1].split()[0])
                    for r in range(ranks)]
        except (OSError, IndexError, ValueError) as e:
            errors.append("end_to_end: cannot read the ranks' max RSS: %s" % e)
            return None

    rss = max_rss(2, data / "memory.h5")
    # The process baseline: the same job cut to one work item (first session, VISp), also on
    # 2 ranks (MPI's shared-memory transport costs each rank several MB more than 1 rank):
    # the larger rank's peak is MPI, HDF5, TBB, the code and one item.
    first = sorted((data / "sessions").glob("*.nwb"))[0]
    baseline = max_rss(2, data / "one_item.h5", ["--data.sessions", str(first),
                                                 "--data.regions", "VISp"])
    if rss is None or baseline is None:
        return lines, peer_lines, notes, errors
    mb = 1024.0 * 1024.0
    item_bytes = elements * 8  # the counts as doubles, the kernels' working copy
    gram_bytes = most_units * most_units * 8
    bound = max(baseline) * 1024 + 2 * item_bytes + gram_bytes
    lines.append(dict(bench="end_to_end_memory", ranks="2",
                      rank0_mb="%.1f" % (rss[0] * 1024 / mb),
                      rank1_mb="%.1f" % (rss[1] * 1024 / mb),
                      baseline_mb="%.1f" % (max(baseline) * 1024 / mb),
                      item_mb="%.2f" % (item_bytes / mb), gram_mb="%.3f" % (gram_bytes / mb),
                      bound_mb="%.1f" % (bound / mb),
                      largest_item="x".join(str(n) for n in shape) + "_counts"))
    return lines, peer_lines, notes, errors

def pseudo_decoding(build_dir, quick, data):
    """The pseudo-population benchmark: the IT pseudo-population (21 sessions pooled into 132
    units), 7-object decoding at 0.1-0.5 s, R resamples and B null resamples (labels shuffled within sessions),
    on 1 and 2 ranks (1 thread each); the outputs compared with h5diff."""
    lines, peer_lines, notes, errors = [], [], [], []
    exe = build_dir / "cli" / "neuropop"
    if not exe.exists():
        return [], [], ["executable missing: %s" % exe], ["pseudo: %s missing" % exe]
    resamples, nulls = (10, 40) if quick else (100, 1000)
    data.mkdir(parents=True)
    job = ROOT / "examples" / "jobs" / "zhang-desimone-it.ini"
    flags = ["--pca.enabled", "false", "--cvpca.enabled", "false", "--fa.enabled", "false",
             "--geometry.enabled", "false", "--decode.enabled", "true",
             "--decode.windows", "response:0.1:0.5", "--decode.permutations", "0",
             "--decode.generalization", "false", "--pseudo.enabled", "true",
             "--pseudo.analyses", "decode", "--pseudo.resamples", str(resamples),
             "--pseudo.nulls", str(nulls), "--pseudo.nulls_per_item", "25"]

    def neuropop_run(ranks, output):
        cmd = ["mpirun", "--oversubscribe", "-np", str(ranks), str(exe), "run", str(job),
               "--output", str(output), "--force", "--quiet", "--threads", "1"] + flags
        rc, out, err, secs = run(cmd, 3600, MPI_ENV)
        if rc != 0:
            notes.append("%s exited %d: %s" % (" ".join(cmd), rc, err.strip()[-500:]))
            errors.append("pseudo: neuropop run on %d rank(s) exited %d" % (ranks, rc))
            return None
        return secs

    best = {ranks: neuropop_run(ranks, data / ("ranks%d.h5" % ranks)) for ranks in (1, 2)}
    if None in best.values():
        return lines, peer_lines, notes, errors
    rc, out, err, _ = run(["h5diff", str(data / "ranks1.h5"), str(data / "ranks2.h5"), "/pseudo",
                           "/pseudo"], 600)
    ok = rc == 0
    if not ok:
        notes.append("h5diff /pseudo exited %d: %s" % (rc, (out + err).strip()[-500:]))
    import h5py
    with h5py.File(data / "ranks2.h5", "r") as f:
        g = f["pseudo/IT/decode/stimulus_ID"]
        accuracy = float(g["accuracy_mean"][0])
        p = float(g["p_accuracy"][0])
    decoders = (resamples + nulls) * 5  # 5-fold: one decoder per fold
    work = dict(resamples=resamples, nulls=nulls, accuracy="%.3f" % accuracy, p="%.4g" % p,
                decoders_per_s_1="%.4g" % (decoders / best[1]),
                decoders_per_s_2="%.4g" % (decoders / best[2]))
    lines.append(dict(bench="pseudo_decoding", ranks="2", seconds="%.4g" % best[2], **work))
    peer_lines.append(dict(peer="pseudo_decoding", tool="neuropop, 1 rank", ranks="1",
                           seconds="%.4g" % best[1],
                           check="h5diff_pseudo_" + ("identical" if ok else "DIFFER"),
                           ok="1" if ok else "0"))
    return lines, peer_lines, notes, errors


def merge(build_dir, quick, data):
    """The final merge alone (bench_merge.cpp) at two dataset counts on 1, 2 and 4 ranks
    (oversubscribed: the merge's I/O and HDF5 bookkeeping, not its compute, is measured). Lines:
    bench=merge (2 and 4 ranks) and peer=merge (1 rank, the reference), and the memory line."""
    lines, peer_lines, notes, errors = [], [], [], []
    exe = build_dir / "benchmarks" / "neuropop_bench_merge"
    if not exe.exists():
        return [], [], ["executable missing: %s" % exe], ["merge: %s missing" % exe]
    data.mkdir(parents=True)
    sizes = (1000, 4000) if quick else (5000, 20000)
    peaks = {}
    for datasets in sizes:
        for ranks in (1, 2, 4):
            cmd = ["mpirun", "--oversubscribe", "-np", str(ranks), str(exe),
                   "datasets=%d" % datasets, "dir=%s" % data]
            rc, out, err, _ = run(cmd, 3600, MPI_ENV)
            found = [d for d in parse_lines(out) if d.get("bench") == "merge"]
            if rc != 0 or not found:
                errors.append("merge: %d datasets on %d rank(s) exited %d" % (datasets, ranks, rc))
                notes.append("%s: %s" % (" ".join(cmd), err.strip()[-500:]))
                return lines, peer_lines, notes, errors
            d = dict(found[0], size="large" if datasets == sizes[1] else "small")
            peaks[(datasets, ranks)] = max(float(x) for x in d["peak_rss_mb"].split(","))
            if ranks == 1:
                d["peer"] = d.pop("bench")
                d.update(tool="neuropop merge, 1 rank", check="same_layout", ok="1")
                peer_lines.append(d)
            else:
                lines.append(d)
    small, large = sizes
    worst = {n: max(peaks[(n, r)] for r in (1, 2, 4)) for n in sizes}
    lines.append(dict(bench="merge_memory", small=str(small), large=str(large),
                      small_mb="%.1f" % worst[small], large_mb="%.1f" % worst[large],
                      growth_pct="%.1f" % (100 * (worst[large] / worst[small] - 1))))
    return lines, peer_lines, notes, errors


RUNNERS = {"end_to_end": end_to_end, "pseudo_decoding": pseudo_decoding, "scale": scale,
           "merge": merge}
