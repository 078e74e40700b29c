"""The scale benchmark (`benchmarks/run --scale`; a smaller size in `--quick`): a generated study
at two sizes, examples/jobs/demo.ini's analyses on 1 and 2 ranks, and how wall time, peak memory
per rank, bytes read and written and the merge grow from the small study to the large one. The
large study's measured per-item costs and bytes and the measured merge feed the cluster
projection (scaling.project_measured). benchmarks/README.md, "Scale"."""

import math
import re
from pathlib import Path

from .common import ROOT
from .execute import run
from .scaling import measured_items, merge_model, project_measured

MPI_ENV = ["env", "OMPI_ALLOW_RUN_AS_ROOT=1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1"]
TIME = "/usr/bin/time"
REGIONS = ("VISp", "CA1", "MOs", "LGd")
# (sessions of the small and the large study, units per region, trials, rate scale). Full size:
# 24 sessions x 4 regions x 150 units x 800 trials; at the generator's default rates that is
# 0.96 GB of NWB and 118 M spikes, so rates are scaled by 1.1 to pass 1 GB and 100 M spikes.
SIZES = {False: ((6, 24), 150, 800, 1.1), True: ((2, 4), 40, 200, 1.0)}
# demo.ini's analyses with the permutation counts cut so the four runs fit a 2-core machine in
# about half an hour: one null item per decoding target and window (demo.ini: 4), 100 RDM
# permutations (1 000), 4 interaction nulls (19), 20 pseudo nulls (79), and no temporal
# generalisation (its null alone took 70 % of the time of one full-size session).
JOB_FLAGS = ["--decode.generalization", "false", "--decode.permutations", "25",
             "--geometry.permutations", "100", "--interactions.permutations", "4",
             "--pseudo.nulls", "20"]
# The population cache (populations and item images) is fixed below the small study's /binned
# (185 MB at full size, 4.2 MB at --quick size), so both studies fill it: the default (physical
# memory / (8 x ranks), 1.5 GB on a 24 GB machine) holds the whole large study's /binned and the
# RSS growth would measure the cache filling, not the engine's growth with the study.
CACHE_MB = {False: 128, True: 2}
# The projection counts decode_null items at demo.ini's 100 permutations and pseudo_null items at
# its 79 nulls, 20 per item (4 items per pool against the run's 1).
NULL_ITEMS_FACTOR = {"decode_null": 100 / 25, "pseudo_null": 4.0}
POOLED_NULLS_PER_ITEM = 20  # demo.ini's pseudo.nulls_per_item
# Goals (benchmarks/README.md, "Scale"): peak RSS per rank grows < 20 % from the small to the
# large study; bytes read grow with the NWB size (their ratio within 10 %); merge seconds per
# results dataset constant (within a factor 1.5: one merge of a few seconds, single runs).
RSS_GROWTH_MAX = 0.20
BYTES_LINEAR_TOL = 0.10
MERGE_PER_DATASET_TOL = 1.5


def demo_job(path, sessions, output):
    """examples/jobs/demo.ini with [data] sessions and [output] path replaced, and [models] off
    (generated data here has no model file; the models row measures that analysis)."""
    section, lines = None, []
    for line in (ROOT / "examples" / "jobs" / "demo.ini").read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        key = stripped.split("=", 1)[0].strip() if "=" in stripped else None
        if section == "[data]" and key == "sessions":
            line = "sessions = %s" % sessions
        elif section == "[output]" and key == "path":
            line = "path = %s" % output
        elif section == "[models]" and key == "enabled":
            line = "enabled = false"
        lines.append(line)
    path.write_text("\n".join(lines) + "\n")


def parse_duration(text):
    """Seconds of engine/runtime/progress.cpp's format_duration: '4.2 s', '3 min 07 s',
    '1 h 02 min'."""
    m = re.fullmatch(r"\s*([0-9.]+) s\s*", text)
    if m:
        return float(m.group(1))
    m = re.fullmatch(r"\s*(\d+) min (\d+) s\s*", text)
    if m:
        return 60.0 * int(m.group(1)) + int(m.group(2))
    m = re.fullmatch(r"\s*(\d+) h (\d+) min\s*", text)
    if m:
        return 3600.0 * int(m.group(1)) + 60.0 * int(m.group(2))
    raise ValueError("not a neuropop duration: %r" % text)


def merge_seconds(stderr):
    """The merge time of `neuropop run`'s summary line ('neuropop run: T (merge M), ...')."""
    found = re.findall(r"neuropop run: .*?\(merge ([^)]*)\)", stderr)
    if not found:
        raise ValueError("no 'neuropop run: ... (merge ...)' summary line in the output")
    return parse_duration(found[-1])


def growth(small, large):
    """The growth line from the 2-rank lines of the small and the large study (dicts of
    numbers): peak RSS growth, bytes read against NWB size, merge time per dataset."""
    rss = large["rss_max_mb"] / small["rss_max_mb"] - 1.0
    bytes_ratio = large["bytes_read"] / small["bytes_read"]
    nwb_ratio = large["nwb_bytes"] / small["nwb_bytes"]
    per_ds = (large["merge_s"] / large["datasets"]) / (small["merge_s"] / small["datasets"]) \
        if small["merge_s"] > 0 and large["merge_s"] > 0 else float("nan")
    linear = abs(bytes_ratio / nwb_ratio - 1.0)
    return dict(bench="scale_growth",
                sessions="%d->%d" % (small["sessions"], large["sessions"]),
                rss_growth_pct="%.1f" % (100 * rss),
                rss_ok="1" if rss < RSS_GROWTH_MAX else "0",
                bytes_read_ratio="%.3g" % bytes_ratio, nwb_ratio="%.3g" % nwb_ratio,
                bytes_linear_ok="1" if linear <= BYTES_LINEAR_TOL else "0",
                merge_per_dataset_ratio="%.3g" % per_ds,
                merge_ok="1" if (math.isfinite(per_ds) and 1 / MERGE_PER_DATASET_TOL <= per_ds
                                 <= MERGE_PER_DATASET_TOL) else "0")


def results_facts(path):
    """Root attributes, dataset count and /binned bytes of a results file."""
    import h5py
    with h5py.File(path, "r") as f:
        a = {k: f.attrs[k] for k in f.attrs}
        datasets = []
        f.visititems(lambda name, obj: datasets.append(name)
                     if isinstance(obj, h5py.Dataset) else None)
        binned = []
        f["binned"].visititems(lambda name, obj: binned.append(obj.id.get_storage_size())
                               if isinstance(obj, h5py.Dataset) else None)
    facts = {k: int(a[k]) for k in ("items", "bytes_read", "bytes_read_sources",
                                    "bytes_read_item_files", "bytes_read_populations",
                                    "bytes_written", "cache_hits", "cache_misses",
                                    "items_on_holding_rank") if k in a}
    facts["datasets"] = len(datasets)
    facts["binned_bytes"] = sum(binned)
    return facts


def scale(build_dir, quick, data):
    """The scale runner: (lines, peer lines, notes, errors)."""
    lines, peer_lines, notes, errors = [], [], [], []
    exe = build_dir / "cli" / "neuropop"
    if not exe.exists():
        return [], [], ["executable missing: %s" % exe], ["scale: %s missing" % exe]
    if not Path(TIME).exists():
        return [], [], [], ["scale: %s missing (apt-get install time; scripts/deps.sh)" % TIME]
    (small_n, large_n), units, trials, rate = SIZES[quick]
    data.mkdir(parents=True)
    measured = {}  # sessions -> {ranks: facts}
    for sessions in (small_n, large_n):
        folder = data / ("s%d" % sessions)
        gen = [str(exe), "generate", "--out", str(folder), "--sessions", str(sessions),
               "--subjects", str(max(1, sessions // 3)), "--regions", ",".join(REGIONS),
               "--units", str(units), "--trials", str(trials), "--rate-scale", str(rate),
               "--seed", "1"]
        rc, out, err, gen_s = run(gen, 3600)
        if rc != 0:
            errors.append("scale: neuropop generate exited %d" % rc)
            notes.append("generate exited %d: %s" % (rc, err.strip()[-500:]))
            return lines, peer_lines, notes, errors
        m = re.search(r"generated sessions=\d+ spikes=(\d+)", out + err)
        spikes = int(m.group(1)) if m else 0
        nwb_bytes = sum(p.stat().st_size for p in folder.glob("*.nwb"))
        job = data / ("job%d.ini" % sessions)
        demo_job(job, folder, data / "unused.h5")
        measured[sessions] = {}
        for ranks in (1, 2):
            output = data / ("s%d-r%d.h5" % (sessions, ranks))
            for f in data.glob("rss.*"):
                f.unlink()
            wrap = ["sh", "-c", 'exec %s -o "%s/rss.$OMPI_COMM_WORLD_RANK" -f "maxrss_kb=%%M" '
                    '"$@"' % (TIME, data), "sh"]
            cmd = ["mpirun", "--oversubscribe", "-np", str(ranks)] + wrap + [
                str(exe), "run", str(job), "--output", str(output), "--force", "--threads",
                "1"] + JOB_FLAGS + ["--run.cache_mb", str(CACHE_MB[quick])]
            rc, out, err, secs = run(cmd, 7200, MPI_ENV)
            if rc != 0:
                errors.append("scale: neuropop run, %d sessions, %d rank(s) exited %d"
                              % (sessions, ranks, rc))
                notes.append("%s exited %d: %s" % (" ".join(cmd), rc, err.strip()[-500:]))
                return lines, peer_lines, notes, errors
            try:
                rss = [int((data / ("rss.%d" % r)).read_text().split("maxrss_kb=")[1].split()[0])
                       for r in range(ranks)]
                facts = results_facts(output)
                facts.update(merge_s=merge_seconds(err), seconds=secs, sessions=sessions,
                             spikes=spikes, nwb_bytes=nwb_bytes, generate_s=gen_s,
                             rss_max_mb=max(rss) / 1024.0,
                             rss_mb="/".join("%.0f" % (r / 1024.0) for r in rss))
            except (OSError, IndexError, ValueError, KeyError) as e:
                errors.append("scale: reading the %d-session %d-rank run failed: %s"
                              % (sessions, ranks, e))
                return lines, peer_lines, notes, errors
            facts["path"] = output
            measured[sessions][ranks] = facts
            gb = 1e9
            line = dict(bench="scale", study="large" if sessions == large_n else "small",
                        sessions=str(sessions), ranks=str(ranks),
                        regions=str(len(REGIONS)), units=str(units), trials=str(trials),
                        threads="1", seconds="%.4g" % secs, items=str(facts["items"]),
                        items_per_s="%.3g" % (facts["items"] / secs),
                        nwb_gb="%.3g" % (nwb_bytes / gb), spikes="%.4g" % spikes,
                        rss_mb=facts["rss_mb"], rss_max_mb="%.0f" % facts["rss_max_mb"],
                        bytes_read_gb="%.3g" % (facts["bytes_read"] / gb),
                        sources_gb="%.3g" % (facts.get("bytes_read_sources", 0) / gb),
                        item_files_gb="%.3g" % (facts.get("bytes_read_item_files", 0) / gb),
                        binned_gb="%.3g" % (facts["binned_bytes"] / gb),
                        bytes_written_gb="%.3g" % (facts["bytes_written"] / gb),
                        merge_s="%.3g" % facts["merge_s"], datasets=str(facts["datasets"]),
                        merge_ms_per_dataset="%.3g" % (1e3 * facts["merge_s"] /
                                                       facts["datasets"]))
            if ranks == 2:
                lines.append(line)
                # Determinism at this size: the 2-rank results equal the 1-rank ones.
                differ = []
                for group in ("/binned", "/sessions", "/pseudo", "/summary"):
                    rc, out, err, _ = run(["h5diff", str(measured[sessions][1]["path"]),
                                           str(output), group, group], 1800)
                    if rc != 0:
                        differ.append(group)
                        notes.append("h5diff %s exited %d: %s"
                                     % (group, rc, (out + err).strip()[-300:]))
                peer_lines[-1]["check"] = ("h5diff_binned_sessions_pseudo_summary_" +
                                           ("identical" if not differ else "DIFFER"))
                peer_lines[-1]["ok"] = "0" if differ else "1"
            else:
                line = dict(line)
                line["peer"] = line.pop("bench")
                line["tool"] = "neuropop, 1 rank"
                line["ok"] = "1"
                peer_lines.append(line)
    lines.append(growth(measured[small_n][2], measured[large_n][2]))

    # The cluster projection from the large study: item seconds of the 1-rank run (one core
    # each, no other rank competing), item bytes of the 2-rank run (which includes the reads of
    # populations a rank did not hold), the merge model from all four runs.
    try:
        big = measured[large_n]
        seconds = measured_items(big[1]["path"])[0]
        with_bytes = measured_items(big[2]["path"])[0]
        kinds = {k: (n, s, with_bytes.get(k, (n, s, 0.0, 0.0))[2]) for k, (n, s, _, _) in
                 seconds.items()}
        merge = merge_model({sessions: {r: (f["datasets"], f["merge_s"]) for r, f in by.items()}
                             for sessions, by in measured.items()})
        study = dict(sessions=large_n, regions=len(REGIONS), units=units, trials=trials,
                     duration_s=trials * 1.5,  # generator: 1 s trials + 0.5 s gaps
                     datasets=big[1]["datasets"], results_bytes=big[1]["path"].stat().st_size)
        more, more_notes = project_measured(kinds, merge, study, NULL_ITEMS_FACTOR)
        lines.extend(more)
        notes.extend(more_notes)
        # The same study with one pooled null per item (pseudo.nulls_per_item = 1: the same
        # results, items 20 x smaller): how much of the limit is the job's choice.
        split, _ = project_measured(kinds, merge, study, NULL_ITEMS_FACTOR, POOLED_NULLS_PER_ITEM)
        notes.append("scaling: with pseudo.nulls_per_item = 1 (same results): " + ", ".join(
            "%s ranks %s (%s)" % (d["ranks"], d["efficiency"], d["limit"]) for d in split[1:]))
        # What the merge option docs/DESIGN.md favours (not built) would give, same model.
        for label, factor in (("", 1), (" and pseudo.nulls_per_item = 1", POOLED_NULLS_PER_ITEM)):
            rows, _ = project_measured(kinds, merge, study, NULL_ITEMS_FACTOR, factor, True)
            notes.append("scaling: creating the results' objects while computing (docs/DESIGN.md "
                         "option 3, not built)%s: " % label + ", ".join(
                             "%s ranks %s (%s, master busy %s)" % (
                                 d["ranks"], d["efficiency"], d["limit"],
                                 d["master_utilisation"]) for d in rows[1:]))
    except (OSError, KeyError, ValueError, RuntimeError, ZeroDivisionError) as e:
        errors.append("scale: projection failed: %s" % e)
    return lines, peer_lines, notes, errors
