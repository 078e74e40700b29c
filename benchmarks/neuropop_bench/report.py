"""The report, from the benches' parsed output lines: the machine limits measured in the run, one
comparison row per registry Row (ratio, goal met or missed, correctness), and the Markdown and
CSV files. Pure functions of their arguments, except write_csv, which writes the file."""

import csv

from .common import fmt_g, fmt_s, num, select

COLUMNS = [("work", "work"), ("peer", "peer"), ("peer_time", "peer time"),
           ("ours_time", "neuropop time"), ("ratio", "ratio (peer/neuropop)"), ("goal", "goal"),
           ("met", "met?"), ("check", "correctness"), ("limit", "vs machine limit")]


def machine_limits(outputs):
    """([(what, value text)], {threads: GB/s of the stream `sum` line}) from the stream, gemm and
    pca benches' lines and the gemm peer's. outputs: {bench name: (ours, peer lines, notes)}."""
    stream = outputs.get("stream", ([], [], []))[0]
    gemm_ours, gemm_peer = outputs.get("gemm", ([], [], []))[:2]
    limits = []  # (what, value text)
    stream_gbps = {}
    for d in stream:
        if d.get("bench") == "stream":
            limits.append(("memory streaming, %s, %s thread(s)" % (d.get("op"), d.get("threads")),
                           fmt_g(num(d, "gbps"), " GB/s")))
            if d.get("op") == "sum":
                stream_gbps[d.get("threads")] = num(d, "gbps")
    for d in gemm_ours:
        if d.get("bench") == "gemm":
            limits.append(("Eigen GEMM n=%s, %s thread (%s)" % (d.get("n"), d.get("threads"),
                                                               d.get("simd")),
                           fmt_g(num(d, "gflops"), " GFLOP/s")))
    for d in outputs.get("pca", ([], [], []))[0]:
        if d.get("bench") == "pca_gemm":
            limits.append(("Eigen GEMM X^T X, %s x %s, %s thread (pca bench)"
                           % (d.get("rows"), d.get("cols"), d.get("threads")),
                           fmt_g(num(d, "gflops"), " GFLOP/s")))
    for d in gemm_peer:
        if d.get("peer") == "gemm":
            limits.append(("numpy/%s GEMM n=%s, %s thread(s)" % (d.get("blas"), d.get("n"),
                                                                 d.get("threads")),
                           fmt_g(num(d, "gflops"), " GFLOP/s")))
    return limits, stream_gbps


def comparison(rows, outputs, stream_gbps, errors):
    """One table row (a dict keyed by COLUMNS) per Row of `rows` whose bench ran; a failed
    correctness check is appended to errors. Returns (table, missed: the work of each row that
    missed its goal or gave no output)."""
    table = []
    missed = []
    for r in rows:
        if r.bench not in outputs:
            continue
        ours_lines, peer_lines, _ = outputs[r.bench]
        mine = select(ours_lines, r.ours)
        if mine is None:
            table.append(dict(work=r.work.split(":")[0] + ": no output", peer="—",
                              peer_time="—", ours_time="—", ratio="—", goal=r.goal_text,
                              met="NOT RUN", check="—", limit="—"))
            missed.append(r.work.split(":")[0])
            continue
        try:
            work = r.work.format(**mine)
        except (KeyError, IndexError):
            work = r.work.split(":")[0]
        ours_s = num(mine, "seconds")
        row = dict(work=work, peer="—", peer_time="—", ours_time=fmt_s(ours_s), ratio="—",
                   goal=r.goal_text or "—", met="—", check="—", limit="—")
        met = None
        if r.peer is not None:
            theirs = select(peer_lines, r.peer)
            if theirs is None:
                row["check"] = "peer gave no result"
                met = False
            else:
                row["peer"] = theirs.get("tool", theirs.get("peer", "?"))
                row["peer"] += "".join(" (%s=%s)" % (k, theirs[k]) for k in r.peer_keys
                                       if k in theirs)
                peer_s = num(theirs, "seconds")
                row["peer_time"] = fmt_s(peer_s)
                ratio = peer_s / ours_s if peer_s and ours_s else None
                row["ratio"] = fmt_g(ratio, "x")
                # On one thread CPU seconds compare the code even when other jobs share the
                # cores (wall time then also measures the load).
                peer_cpu, ours_cpu = num(theirs, "cpu_seconds"), num(mine, "cpu_seconds")
                if mine.get("threads") == "1" and peer_cpu and ours_cpu:
                    row["ratio"] += " (CPU time: %.3gx)" % (peer_cpu / ours_cpu)
                checks = []
                ok = theirs.get("ok") == "1"
                if "check" in theirs:
                    checks.append(theirs["check"] + "".join(
                        " %s=%s" % (k, theirs[k]) for k in r.check_keys if k in theirs))
                if "checksum" in theirs and "checksum" in mine:
                    same = theirs["checksum"] == mine["checksum"]
                    checks.append("checksum equal" if same else "CHECKSUM DIFFERS")
                    ok = ok and same
                row["check"] = "; ".join(checks) if checks else "no check"
                if not ok:
                    errors.append("%s: correctness check failed (%s)" % (work, row["check"]))
                if r.ratio_at_least is not None:
                    met = ok and ratio is not None and ratio >= r.ratio_at_least
        if r.rate_key is not None:
            rate = num(mine, r.rate_key)
            if rate is not None and r.per_core and num(mine, "threads"):
                rate /= num(mine, "threads")
            row["ratio"] = fmt_g(rate, " " + r.rate_unit)
            met = rate is not None and rate >= r.rate_at_least
        if r.limit_text is not None:
            try:
                row["limit"] = r.limit_text.format(**mine)
            except (KeyError, ValueError):
                pass
        if r.text is not None:
            try:
                row["ratio"] = r.text.format(**mine)
                met = bool(r.meets(mine))
            except (KeyError, ValueError):
                row["ratio"] = "incomplete output"
                met = False
        # Bytes read per second against the streaming limit at the same thread count.
        if "bytes" in mine and ours_s and mine.get("threads") in stream_gbps:
            gbps = num(mine, "bytes") / ours_s / 1e9
            limit = stream_gbps[mine["threads"]]
            row["limit"] = "%.0f%% of streaming (%.3g of %.3g GB/s)" % (100 * gbps / limit,
                                                                        gbps, limit)
        if met is not None:
            row["met"] = "yes" if met else "MISSED"
            if not met:
                missed.append(work)
        table.append(row)
    return table, missed


def scaling_lines(outputs):
    """The scale runner's `bench=scaling` lines (the projection per rank count)."""
    return [d for d in outputs.get("scale", ([], [], []))[0] if d.get("bench") == "scaling"]


def render_markdown(ctx, rows, table, limits, outputs, unregistered, missed, errors):
    """The report's Markdown text. ctx: the run's facts for the header and summary line: time
    ("%Y-%m-%d %H:%M"), host, quick, cpu, cores, commit, build_dir, build_type, native,
    blas_text, load_before, load_after, build_seconds, run_seconds."""
    cols = COLUMNS
    md = []
    md.append("# neuropop benchmarks, %s, %s%s" % (ctx["time"], ctx["host"],
                                                    " (--quick)" if ctx["quick"] else ""))
    md.append("")
    md.append("- machine: %s, %d cores; commit %s" % (ctx["cpu"], ctx["cores"], ctx["commit"]))
    md.append("- build: %s, CMAKE_BUILD_TYPE=%s, NEUROPOP_NATIVE=%s" % (
        ctx["build_dir"], ctx["build_type"], ctx["native"]))
    md.append("- numpy BLAS (threadpoolctl): %s" % ctx["blas_text"])
    md.append("- load average (1 min) before the runs %.2f, after %.2f: other jobs on the machine slow"
              " the wall-clock figures" % (ctx["load_before"], ctx["load_after"]))
    md.append("- times are the best of several repeats (the machine may be shared); the peers ran"
              " with `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3`")
    md.append("")
    md.append("## Comparison")
    md.append("")
    md.append("| " + " | ".join(c[1] for c in cols) + " |")
    md.append("|" + "---|" * len(cols))
    for row in table:
        md.append("| " + " | ".join(str(row[c[0]]) for c in cols) + " |")
    if any(r.bench == "end_to_end" for r in rows) and "end_to_end" in outputs:
        md.append("")
        md.append("End to end: examples/jobs/demo.ini's analyses on `neuropop generate` sessions under "
                  "`mpirun --oversubscribe -np 1|2 ... --threads 1`, wall time of the whole "
                  "command (mpirun start-up included), best of 2; correctness: `h5diff` of "
                  "/binned and of /sessions between the 1-rank and 2-rank outputs. Peak memory: "
                  "each rank of the 2-rank run under `/usr/bin/time -f maxrss_kb=%M`; bound = "
                  "baseline + 2 x largest item + units^2 x 8 B, where baseline is the larger "
                  "rank's max RSS of the same job cut to one work item (first session, VISp) on "
                  "2 ranks, the largest item is the largest /binned/*/*/counts dataset held as "
                  "float64, and units is the most units of any population.")
    scaling = scaling_lines(outputs)
    if scaling:
        md.append("")
        md.append("## Scaling projection: IBL Brain-Wide-Map-sized study")
        md.append("")
        md.append("500 sessions x 400 units x 2 h, the scale study's job; measured per-item "
                  "costs, bytes and merge of the scale runs above, scaled and put through a "
                  "simulation of the scheduler (model, sources and assumptions: "
                  "benchmarks/README.md, \"Scaling projection\").")
        md.append("")
        md.append("| ranks | projected wall time | efficiency | master busy | I/O share | "
                  "merge share | limited by |")
        md.append("|---|---|---|---|---|---|---|")
        for d in scaling:
            md.append("| %s | %s h | %s | %s | %s | %s | %s |" % (
                d["ranks"], d["projected_hours"], d["efficiency"], d["master_utilisation"],
                d["io_share"], d["merge_share"], d["limit"]))
        for n in outputs["scale"][2]:
            if n.startswith("scaling:"):
                md.append("")
                md.append(n)
    md.append("")
    md.append("## Machine limits (same run)")
    md.append("")
    md.append("| limit | value |")
    md.append("|---|---|")
    for what, value in limits:
        md.append("| %s | %s |" % (what, value))
    md.append("")
    md.append("## Raw output")
    md.append("")
    md.append("```")
    for name, (ours, theirs, notes) in outputs.items():
        for d in ours + theirs:
            md.append(" ".join("%s=%s" % kv for kv in d.items()))
        for n in notes:
            md.append("NOTE %s: %s" % (name, n))
    md.append("```")
    if unregistered:
        md.append("")
        md.append("Not run (no entry in benchmarks/run BENCHES): " + ", ".join(
            "neuropop_bench_" + n for n in unregistered))
    md.append("")
    summary = "%d rows, %d missed their goal%s; %d errors; build %.0f s, runs %.0f s" % (
        len(table), len(missed), (": " + "; ".join(missed)) if missed else "", len(errors),
        ctx["build_seconds"], ctx["run_seconds"])
    md.append("Summary: " + summary)
    for e in errors:
        md.append("- ERROR: " + e)
    return "\n".join(md) + "\n"


def write_csv(path, table, limits, scaling):
    """The CSV beside the Markdown: comparison rows, machine limits, scaling projection."""
    cols = COLUMNS
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["section"] + [c[1] for c in cols])
        for row in table:
            w.writerow(["comparison"] + [row[c[0]] for c in cols])
        for what, value in limits:
            w.writerow(["limit", what, "", "", "", value, "", "", "", ""])
        for d in scaling:
            w.writerow(["scaling", "%s ranks" % d["ranks"], "", "", "%s h" % d["projected_hours"],
                        "efficiency %s" % d["efficiency"], "", "",
                        "master %s, I/O %s, merge %s" % (d["master_utilisation"], d["io_share"],
                                                         d["merge_share"]), d["limit"]])
