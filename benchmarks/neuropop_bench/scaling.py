"""Scaling projection: the measured per-item costs, bytes and merge of the scale benchmark's
large study (benchmarks/neuropop_bench/scale.py), scaled to an IBL Brain-Wide-Map-sized study,
through a simulation of the scheduler (benchmarks/README.md, "Scaling projection"). Everything
but measured_items is pure arithmetic on its arguments."""

import heapq

# The study: 500 sessions x 400 units x 2 hours (the size the project targets), units split over
# 3 regions, trials and spikes in proportion to the session's duration at the generator's rates.
BWM = dict(sessions=500, units=400, hours=2.0, regions=3)
# The file system and network, from a published machine (NERSC Perlmutter, CPU partition):
# - FS_GBPS: its all-flash Lustre scratch, "aggregate bandwidth of >5 TB/sec"
#   (docs.nersc.gov/filesystems/perlmutter-scratch);
# - RANK_GBPS: one HPE Slingshot-11 NIC (200 Gb/s = 25 GB/s) per CPU node of 2 x 64-core AMD
#   EPYC 7763 (docs.nersc.gov/systems/perlmutter/architecture), shared by 128 ranks of one core.
FS_GBPS, RANK_GBPS = 5000.0, 25.0 / 128
# Not measured here (assumed, and shown in the output as the master's busy fraction): the master
# spends MASTER_US of its main thread per message (request, assign, result: 3 per item); a worker
# waits up to the scheduler's 0.5 ms poll (engine/runtime/scheduler.cpp) before it sees work.
MASTER_US, POLL_S = 20.0, 0.0005
RANKS = (1, 64, 512, 4096)
# cost exponent of (trials, units) per analysis kind: binning reads every spike (units x time);
# PCA/FA/geometry and the regressions between regions form units x units products over trials;
# the decoders' fits cost trials x units per iteration.
COST_EXPONENTS = {"bin": (1, 1), "pca": (1, 2), "cvpca": (1, 2), "fa": (1, 2), "geometry": (1, 2),
                  "interactions": (1, 2)}
DEFAULT_EXPONENTS = (1, 1)  # decode, decode_null, summaries and any other
# Items made per ordered pair of regions of a session rather than per population.
PAIR_KINDS = ("interactions", "interactions_summary")


# Pseudo-population items (docs/ANALYSES.md §5), per region and pooled analysis: resamples and
# nulls pool every session of their region, the pool's item stacks them, the summary compares
# animals across regions.
POOLED_DRAWS = ("pseudo_resample", "pseudo_null")
POOLED_KINDS = POOLED_DRAWS + ("pseudo", "pseudo_summary")


def pooled_key(kind, item):
    """`kind:analysis` for a pooled item named like `pseudo_null/<animal>/<region>/decode:
    stimulus/0` (the analysis it pools, whose cost exponents it takes); other kinds unchanged."""
    parts = item.split("/")
    if kind in POOLED_KINDS and len(parts) > 3 and parts[3]:
        return "%s:%s" % (kind, parts[3].split(":")[0])
    return kind


def measured_items(results):
    """Per analysis kind: (items, mean seconds, mean bytes read, mean bytes written) from
    /progress of a results file, and the number of datasets in the file. Pooled kinds are told
    apart by the analysis they pool (pooled_key)."""
    import h5py
    kinds = {}
    with h5py.File(results, "r") as f:
        p = f["progress"]
        names = [a.decode() if isinstance(a, bytes) else str(a) for a in p["analysis"][:]]
        read = p["bytes_read"][:] if "bytes_read" in p else [0] * len(names)
        written = p["bytes_written"][:] if "bytes_written" in p else [0] * len(names)
        items = [a.decode() if isinstance(a, bytes) else str(a) for a in p["name"][:]] \
            if "name" in p else [""] * len(names)
        for kind, item, sec, r, w in zip(names, items, p["seconds"][:], read, written):
            kind = pooled_key(kind, item)
            n, total, tr, tw = kinds.get(kind, (0, 0.0, 0.0, 0.0))
            kinds[kind] = (n + 1, total + float(sec), tr + float(r), tw + float(w))
        datasets = []
        f.visititems(lambda name, obj: datasets.append(name)
                     if isinstance(obj, h5py.Dataset) else None)
    return {k: (n, t / n, r / n, w / n) for k, (n, t, r, w) in kinds.items()}, len(datasets)


def simulate_schedule(items, ranks, bytes_per_item):
    """List scheduling as engine/runtime/scheduler.hpp does it: ready items, largest cost first, to the
    first rank free. items: [(population, kind, seconds)], where an analysis item is ready once
    its population's bin item is done, or [(population, kind, seconds, needs, provides)] with
    the dependencies spelled out: ready once `needs` = (key, count) items providing `key` are
    done (None: at once); `provides` the keys its completion counts towards. Returns (makespan,
    master busy seconds, I/O seconds total). A rank that asks while nothing is ready waits: an
    item starts no earlier than the moment it became ready, and `free` holds exactly one entry
    per rank."""
    per_rank_gbps = min(RANK_GBPS, FS_GBPS / ranks)
    waiting = {}  # key -> [(count needed, order, kind, seconds, provides)]
    done = {}  # key -> items providing it that are done
    ready = []  # (-cost, order, kind, seconds, provides, time it became ready)
    for order, item in enumerate(items):
        if len(item) == 3:
            pop, kind, sec = item
            needs, provides = ((None, ((pop,),)) if kind == "bin" else (((pop,), 1), ()))
        else:
            _, kind, sec, needs, provides = item
        if needs is None:
            heapq.heappush(ready, (-sec, order, kind, sec, provides, 0.0))
        else:
            waiting.setdefault(needs[0], []).append((needs[1], order, kind, sec, provides))

    def release(t, provides):
        for key in provides:
            done[key] = done.get(key, 0) + 1
            still = []
            for count, order, kind, sec, more in waiting.pop(key, []):
                if done[key] >= count:
                    heapq.heappush(ready, (-sec, order, kind, sec, more, t))
                else:
                    still.append((count, order, kind, sec, more))
            if still:
                waiting[key] = still

    free = [(0.0, r) for r in range(ranks)]  # (time the rank asks, rank)
    heapq.heapify(free)
    running = []  # (finish time, order, provides)
    master_free, master_busy, io_total, makespan = 0.0, 0.0, 0.0, 0.0
    while ready or running:
        if not ready:  # wait for the next finish to release analyses
            t, _, provides = heapq.heappop(running)
            release(t, provides)
            continue
        t_ask, r = heapq.heappop(free)
        # release every item finished before this request
        while running and running[0][0] <= t_ask:
            t, _, provides = heapq.heappop(running)
            release(t, provides)
        _, order, kind, sec, provides, t_ready = heapq.heappop(ready)
        asked = max(t_ask, t_ready)
        start = max(asked, master_free) + POLL_S
        master_free = max(asked, master_free) + 3 * MASTER_US * 1e-6
        master_busy += 3 * MASTER_US * 1e-6
        io = bytes_per_item[kind] / (per_rank_gbps * 1e9)
        io_total += io
        finish = start + io + sec
        heapq.heappush(running, (finish, order, provides))
        heapq.heappush(free, (finish, r))
        makespan = max(makespan, finish)
    if waiting:
        raise ValueError("simulate_schedule: items wait for keys never completed: %s"
                         % sorted(map(str, waiting))[:3])
    return makespan, master_busy, io_total


def merge_model(measured):
    """The merge's cost from measured runs: measured = {sessions: {ranks: (datasets, merge
    seconds)}} with 1-rank runs at two sizes and a 2-rank run at the larger. Returns dict(a, b,
    parallel): a + b x datasets seconds on one rank (the line through the two 1-rank runs; b from
    the larger run alone, a = 0, if the two do not rise), of which the fraction `parallel`
    shrinks as 1/ranks (from the 1- and 2-rank runs of the larger study: m2 = m1 (1 - f/2))."""
    small, large = sorted(measured)
    ds, ms = measured[small][1]
    dl, ml = measured[large][1]
    b = (ml - ms) / (dl - ds) if dl != ds else 0.0
    a = ms - b * ds
    if b <= 0 or a < 0:
        a, b = 0.0, ml / dl
    m2 = measured[large].get(2, (dl, ml))[1]
    parallel = min(1.0, max(0.0, 2.0 * (ml - m2) / ml)) if ml > 0 else 0.0
    return dict(a=a, b=b, parallel=parallel)


def merge_seconds(merge, datasets, results_bytes, ranks):
    """The merge of a results file of `datasets` datasets and `results_bytes` bytes on `ranks`
    ranks: the measured model's seconds plus the bytes at the ranks' share of the file
    system (the measured runs wrote to a local disk, so this counts the data twice: an upper
    bound)."""
    meta = (merge["a"] + merge["b"] * datasets) * ((1 - merge["parallel"])
                                                   + merge["parallel"] / ranks)
    return meta + results_bytes / (min(FS_GBPS, ranks * RANK_GBPS) * 1e9)


def merge_while_computing(merge, datasets, results_bytes, ranks, makespan):
    """docs/DESIGN.md "The merge at cluster scale", option 3 (not built): the master creates
    every object serially while the others compute, at the measured model's 1-rank cost (creation
    is the part of the merge that does not shrink with ranks); what does not fit under the
    makespan, and the values at the ranks' share of the file system, are left after the last
    item (items are taken to finish at an even pace, so creation keeps up with them when it is
    shorter than the makespan). Returns (seconds after the last item, seconds of the master's
    creation). The master's
    creation time is taken from its compute, which the other ranks absorb: the makespan grows by
    creation / ranks (the caller adds it)."""
    create = merge["a"] + merge["b"] * datasets
    makespan += create / ranks
    tail = max(0.0, create - makespan)
    return tail + results_bytes / (min(FS_GBPS, ranks * RANK_GBPS) * 1e9), create


def project_measured(kinds, merge, study, null_items_factor=None, split_pooled_nulls=1,
                     create_while_computing=False):
    """Lines `bench=scaling ranks=R ...` for RANKS and notes. kinds: {analysis kind: (items,
    mean seconds, mean bytes read)} of the measured study; merge: merge_model(); study: the
    measured study's sessions, regions, units (per population), trials, duration_s, datasets
    (in its results file) and results_bytes; null_items_factor: {kind: factor} applied to
    item counts (the measured job ran fewer permutations than the projected one);
    split_pooled_nulls: each pseudo_null item split into that many items of one share each (what
    a smaller pseudo.nulls_per_item plans; the results do not depend on it);
    create_while_computing: the merge as merge_while_computing() projects it (not built)."""
    null_items_factor = null_items_factor or {}
    populations = study["sessions"] * study["regions"]
    units_bwm = BWM["units"] / BWM["regions"]
    f_units = units_bwm / study["units"]
    f_trials = BWM["hours"] * 3600.0 / study["duration_s"]
    trials_bwm = study["trials"] * f_trials
    pops_bwm = BWM["sessions"] * BWM["regions"]
    pairs_m = study["sessions"] * study["regions"] * (study["regions"] - 1)
    pairs_bwm = BWM["sessions"] * BWM["regions"] * (BWM["regions"] - 1)
    regions = BWM["regions"]
    pooled = {k: v for k, v in kinds.items() if k.split(":")[0] in POOLED_KINDS}
    kinds = {k: v for k, v in kinds.items() if k not in pooled}
    per_kind = {}  # kind -> (items in the study, seconds each, bytes read each)
    for kind, (n, mean, read) in kinds.items():
        et, eu = COST_EXPONENTS.get(kind, DEFAULT_EXPONENTS)
        per = n / pairs_m * pairs_bwm if kind in PAIR_KINDS else n / populations * pops_bwm
        count = max(1, round(per * null_items_factor.get(kind, 1.0)))
        # A bin item reads its region's spikes (units x time); the others read counts
        # (trials x units), or nothing when their rank holds the population.
        per_kind[kind] = (count, mean * f_trials ** et * f_units ** eu, read * f_trials * f_units)
    # Pooled items pool every session of a region: as many per region as measured (the job's
    # resamples and nulls), the summaries as many as measured. Their cost grows linearly with the
    # pooled units (f_pool): pooled, the units far outnumber the pseudo-trials (conditions x
    # pseudo.trials, which do not grow with the recording), and then every pooled analysis takes
    # its route for wide data, linear in units (PCA by the samples' SVD, crossnobis by
    # Woodbury, decoders per iteration); measured on a pool narrower than its pseudo-trials
    # (the --quick size) that underestimates by at most pseudo-trials / units. A resample or
    # null reads its region's populations (f_read); stacking and summaries read results.
    f_pool = BWM["sessions"] * units_bwm / (study["sessions"] * study["units"])
    f_read = BWM["sessions"] / study["sessions"] * f_trials * f_units
    for key, (n, mean, read) in pooled.items():
        kind = key.partition(":")[0]
        count = n if kind == "pseudo_summary" else max(1, round(
            n / study["regions"] * regions * null_items_factor.get(kind, 1.0)))
        split = split_pooled_nulls if kind == "pseudo_null" else 1
        per_kind[key] = (count * split, mean * f_pool / split,
                         read * (f_read if kind in POOLED_DRAWS else f_pool))
    # Dependencies as the planner makes them (jobs/planner): a population's analyses need its bin
    # item; a region's resamples and nulls need every bin item of the region; a pool's item its
    # region's resamples and nulls of that analysis; the summaries every pool's item.
    items, region_bins = [], [0] * regions
    for kind, (count, sec, _) in per_kind.items():
        if kind.split(":")[0] in POOLED_KINDS:
            continue
        for i in range(count):
            pop = i % pops_bwm
            if kind == "bin":
                region_bins[pop % regions] += 1
                items.append((pop, kind, sec, None, (("pop", pop), ("region", pop % regions))))
            else:
                items.append((pop, kind, sec, (("pop", pop), 1), ()))
    pool_items = {}  # (region, analysis) -> resamples and nulls of that pool
    for key, (count, sec, _) in per_kind.items():
        kind, _, analysis = key.partition(":")
        if kind in POOLED_DRAWS:
            for i in range(count):
                r = i % regions
                pool_items[(r, analysis)] = pool_items.get((r, analysis), 0) + 1
                items.append((-1, key, sec, (("region", r), region_bins[r]) if region_bins[r]
                              else None, (("draws", r, analysis),)))
    pools = 0
    for key, (count, sec, _) in per_kind.items():
        kind, _, analysis = key.partition(":")
        if kind == "pseudo":
            for i in range(count):
                r = i % regions
                pools += 1
                items.append((-1, key, sec,
                              (("draws", r, analysis), pool_items.get((r, analysis), 0)) if
                              pool_items.get((r, analysis)) else None,
                              (("pools",),)))
    for key, (count, sec, _) in per_kind.items():
        if key.partition(":")[0] == "pseudo_summary":
            items.extend((-1, key, sec, (("pools",), pools) if pools else None, ())
                         for _ in range(count))
    bytes_per_item = {k: v[2] for k, v in per_kind.items()}
    compute = sum(item[2] for item in items)
    datasets_bwm = study["datasets"] / populations * pops_bwm
    results_bwm = study["results_bytes"] / populations * pops_bwm * f_trials * f_units
    lines, base = [], None
    largest = max(sec for _, sec, _ in per_kind.values())
    for ranks in RANKS:
        makespan, master_busy, io_total = simulate_schedule(items, ranks, bytes_per_item)
        if create_while_computing:
            merge_s, create = merge_while_computing(merge, datasets_bwm, results_bwm, ranks,
                                                    makespan)
            makespan += create / ranks
            master_busy += create
        else:
            merge_s = merge_seconds(merge, datasets_bwm, results_bwm, ranks)
        wall = makespan + merge_s
        base = base or wall
        eff = base / (ranks * wall)
        limits = []
        if master_busy / makespan > 0.5:
            limits.append("master")
        if io_total / ranks > 0.25 * makespan:
            limits.append("I/O")
        if merge_s > 0.25 * wall:
            limits.append("merge")
        if largest > 0.25 * makespan:
            limits.append("largest item")
        lines.append(dict(bench="scaling", ranks=str(ranks), projected_hours="%.3g" % (wall / 3600),
                          efficiency="%.2f" % eff,
                          master_utilisation="%.3f" % (master_busy / makespan),
                          io_share="%.2f" % (io_total / ranks / makespan),
                          merge_share="%.2f" % (merge_s / wall),
                          limit="+".join(limits) or "compute"))
    notes = ["scaling: %d populations, %d items (%s), %.3g core-hours of items, trials %.0f, "
             "units %.0f per population, %.0f datasets, merge %.3g + %.3g s/dataset (%.0f %% "
             "parallel), %.3g GB read in all; file system %g GB/s aggregate, %.3g GB/s per rank"
             % (pops_bwm, len(items),
                ",".join("%s %d x %.3g s" % (k, c, sec)
                         for k, (c, sec, _) in sorted(per_kind.items())),
                compute / 3600, trials_bwm, units_bwm, datasets_bwm, merge["a"], merge["b"],
                100 * merge["parallel"],
                sum(bytes_per_item[item[1]] for item in items) / 1e9, FS_GBPS, RANK_GBPS)]
    if pooled:
        notes.append("scaling: pooled across %d sessions per region (%.3g x the measured pool's "
                     "units): %s" % (BWM["sessions"], f_pool, ", ".join(
                         "%s %d x %.3g s (measured %d x %.3g s)" % (k, per_kind[k][0],
                                                                     per_kind[k][1], v[0], v[1])
                         for k, v in sorted(pooled.items()))))
    return lines, notes
