"""Scaling projection: the measured per-item costs of the 1-rank end-to-end run, scaled to an IBL
Brain-Wide-Map-sized study, through a simulation of the scheduler (benchmarks/README.md,
"Scaling projection"). Everything but measured_items is pure arithmetic on its arguments."""

import heapq

# The study: 500 sessions x 400 units x 2 hours, the demo job's analyses. Stated assumptions (not
# measured here): units split over 3 regions as in the demo; trials scale with the session's
# duration at the demo generator's rate; firing rate as in the demo data; costs scale per
# analysis kind as below; the shared file system gives FS_GBPS in aggregate and each rank at
# most RANK_GBPS; the master spends MASTER_US of its main thread per message (request, assign,
# result: 3 per item) and a worker waits up to the scheduler's 0.5 ms poll before it sees an
# assignment.
BWM = dict(sessions=500, units=400, hours=2.0, regions=3)
FS_GBPS, RANK_GBPS, MASTER_US, POLL_S = 5.0, 1.0, 20.0, 0.0005
# cost exponent of (trials, units) per analysis kind: binning reads every spike (units x time);
# PCA/FA/geometry form units x units products over trials; the decoders' fits cost trials x units
# per iteration.
COST_EXPONENTS = {"bin": (1, 1), "pca": (1, 2), "cvpca": (1, 2), "fa": (1, 2), "geometry": (1, 2)}
DEFAULT_EXPONENTS = (1, 1)  # decode, decode_null, decode_summary and any other


def measured_items(results):
    """Per analysis kind: (items, mean seconds) from /progress of a 1-rank results file, and
    the number of datasets in the file."""
    import h5py
    kinds = {}
    with h5py.File(results, "r") as f:
        p = f["progress"]
        names = [a.decode() if isinstance(a, bytes) else str(a) for a in p["analysis"][:]]
        for kind, sec in zip(names, p["seconds"][:]):
            n, total = kinds.get(kind, (0, 0.0))
            kinds[kind] = (n + 1, total + float(sec))
        datasets = []
        f.visititems(lambda name, obj: datasets.append(name)
                     if isinstance(obj, h5py.Dataset) else None)
    return {k: (n, total / n) for k, (n, total) in kinds.items()}, len(datasets)


def simulate_schedule(items, ranks, bytes_per_item):
    """List scheduling as engine/runtime/scheduler.hpp does it: ready items, largest cost first, to the
    first rank free; an analysis item is ready once its population's bin item is done. items:
    [(population, kind, seconds)]. Returns (makespan, master busy seconds, I/O seconds total).
    A rank that asks while nothing is ready waits: an item starts no earlier than the moment
    it became ready, and `free` holds exactly one entry per rank."""
    per_rank_gbps = min(RANK_GBPS, FS_GBPS / ranks)
    waiting = {}
    ready = []  # (-cost, order, population, kind, seconds, time it became ready)
    for order, (pop, kind, sec) in enumerate(items):
        if kind == "bin":
            heapq.heappush(ready, (-sec, order, pop, kind, sec, 0.0))
        else:
            waiting.setdefault(pop, []).append((order, kind, sec))

    def release(t, pop, kind):
        if kind == "bin":
            for order, k, sec in waiting.pop(pop, []):
                heapq.heappush(ready, (-sec, order, pop, k, sec, t))

    free = [(0.0, r) for r in range(ranks)]  # (time the rank asks, rank)
    heapq.heapify(free)
    running = []  # (finish time, population, kind)
    master_free, master_busy, io_total, makespan = 0.0, 0.0, 0.0, 0.0
    while ready or running:
        if not ready:  # wait for the next finish to release analyses
            release(*heapq.heappop(running))
            continue
        t_ask, r = heapq.heappop(free)
        # release every item finished before this request
        while running and running[0][0] <= t_ask:
            release(*heapq.heappop(running))
        _, _, pop, kind, sec, t_ready = heapq.heappop(ready)
        asked = max(t_ask, t_ready)
        start = max(asked, master_free) + POLL_S
        master_free = max(asked, master_free) + 3 * MASTER_US * 1e-6
        master_busy += 3 * MASTER_US * 1e-6
        io = bytes_per_item[kind] / (per_rank_gbps * 1e9)
        io_total += io
        finish = start + io + sec
        heapq.heappush(running, (finish, pop, kind))
        heapq.heappush(free, (finish, r))
        makespan = max(makespan, finish)
    return makespan, master_busy, io_total


def project_scaling(results, wall_1rank, demo):
    """Lines `bench=scaling ranks=R ...` for 1, 8, 64, 512 ranks, and notes describing them."""
    kinds, datasets = measured_items(results)
    return project(kinds, datasets, wall_1rank, demo)


def project(kinds, datasets, wall_1rank, demo):
    """project_scaling on measured figures: kinds {analysis kind: (items, mean seconds)} and
    datasets (in the results file) of the 1-rank run, its wall time, and demo: the demo data's
    sessions, regions, units, trials, bins, duration_s and spikes_per_unit_s."""
    populations = demo["sessions"] * demo["regions"]
    units_bwm = BWM["units"] / BWM["regions"]
    time_factor = BWM["hours"] * 3600.0 / demo["duration_s"]
    f_units, f_trials = units_bwm / demo["units"], time_factor
    trials_bwm = demo["trials"] * time_factor
    pops_bwm = BWM["sessions"] * BWM["regions"]
    # Pseudo-population items pool units across sessions: their number and size depend on how
    # many sessions a study pools and how it subsamples, which the demo cannot tell; they are
    # left out of the projection (and named in its note).
    excluded = {k: v for k, v in kinds.items() if k.startswith("pseudo")}
    kinds = {k: v for k, v in kinds.items() if k not in excluded}
    per_kind = {}  # kind -> (items in the study, seconds each)
    for kind, (n, mean) in kinds.items():
        et, eu = COST_EXPONENTS.get(kind, DEFAULT_EXPONENTS)
        per_kind[kind] = (max(1, round(n / populations * pops_bwm)),
                          mean * f_trials ** et * f_units ** eu)
    # Bytes: a bin item reads its region's spike times (8 B per spike); every other item reads
    # the population's binned counts (trials x units x bins, 4 B) from the bin item's file.
    spikes = demo["spikes_per_unit_s"] * units_bwm * BWM["hours"] * 3600.0
    counts_bytes = trials_bwm * units_bwm * demo["bins"] * 4
    bytes_per_item = {k: (spikes * 8 if k == "bin" else counts_bytes) for k in kinds}
    # The study's items, spread over its populations round-robin (a summary item that needs
    # several populations is tied to one of them here).
    items = [(i % pops_bwm, kind, sec) for kind, (count, sec) in per_kind.items()
             for i in range(count)]
    compute = sum(sec for _, _, sec in items)
    # The final merge: the measured overhead of the 1-rank run beyond its items (start-up,
    # inventory, merge) per dataset of its results file, times the study's datasets; plus the
    # results' bytes (dominated by the binned cache) at the file system's aggregate rate. It is
    # collective metadata work that more ranks do not shorten.
    overhead = max(0.0, wall_1rank - sum(n * m for n, m in kinds.values()) -
                   sum(n * m for n, m in excluded.values()))
    datasets_bwm = datasets / populations * pops_bwm
    merge = overhead / datasets * datasets_bwm + pops_bwm * counts_bytes / (FS_GBPS * 1e9)
    lines, base = [], None
    for ranks in (1, 8, 64, 512):
        makespan, master_busy, io_total = simulate_schedule(items, ranks, bytes_per_item)
        wall = makespan + merge
        base = base or wall
        eff = base / (ranks * wall)
        largest = max(sec for _, sec in per_kind.values())
        limits = []
        if master_busy / makespan > 0.5:
            limits.append("master")
        if io_total / ranks > 0.25 * makespan:
            limits.append("I/O")
        if merge > 0.25 * wall:
            limits.append("merge")
        if largest > 0.25 * makespan:
            limits.append("largest item")
        lines.append(dict(bench="scaling", ranks=str(ranks), projected_hours="%.3g" % (wall / 3600),
                          efficiency="%.2f" % eff,
                          master_utilisation="%.3f" % (master_busy / makespan),
                          io_share="%.2f" % (io_total / ranks / makespan),
                          merge_share="%.2f" % (merge / wall),
                          limit="+".join(limits) or "compute"))
    notes = ["scaling: %d populations, %d items (%s), %.3g core-hours of items, "
             "trials %.0f, units %.0f per population, merge %.0f s, %.3g GB read in all"
             % (pops_bwm, len(items), ",".join("%s %d x %.3g s" % (k, c, sec) for k, (c, sec)
                                                in sorted(per_kind.items())),
                compute / 3600, trials_bwm,
                units_bwm, merge, sum(bytes_per_item[k] for _, k, _ in items) / 1e9)]
    if excluded:
        notes.append("scaling: left out (pseudo-populations across sessions, size set by the "
                     "study's pooling): %s" % ", ".join("%s %d x %.3g s in the demo" % (k, n, m)
                                                        for k, (n, m) in sorted(excluded.items())))
    return lines, notes
