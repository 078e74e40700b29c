#!/usr/bin/python3
"""Peer of neuropop_bench_binning: numpy searchsorted on the same data, same counts.

usage: binning.py DIR [repeats=3]

DIR holds what `neuropop_bench_binning data=DIR` wrote: spikes.f64, offsets.u64, align.f64,
counts.u32 (neuropop's counts [trials, units, bins]) and meta.txt. The timed part is what a numpy
user would write: per unit, searchsorted of every edge, reshape, diff. Prints one line
`peer=binning seconds=<best> ... check=<result> ok=<1|0>`.
"""
import os
import sys

import numpy as np

from peer_util import read_meta, timed


def bin_counts(spikes, offsets, align, start, width, bins):
    # Edges e_k = (a + start) + k * width, the same two roundings as kernels::bin_edge.
    edges = (align[:, None] + start) + np.arange(bins + 1) * width
    flat = edges.ravel()
    counts = np.empty((align.size, offsets.size - 1, bins), dtype=np.uint32)
    for u in range(offsets.size - 1):
        idx = np.searchsorted(spikes[offsets[u]:offsets[u + 1]], flat, side="left")
        counts[:, u, :] = np.diff(idx.reshape(align.size, bins + 1), axis=1)
    return counts


def checksum(counts):
    # Same position-weighted sum mod 2^64 as bench_binning.cpp (uint64 arithmetic wraps).
    flat = counts.ravel().astype(np.uint64)
    weights = (np.arange(flat.size, dtype=np.uint64) % np.uint64(1000003)) + np.uint64(1)
    return int(np.sum(flat * weights, dtype=np.uint64))


def main():
    folder = sys.argv[1]
    repeats = 3
    for arg in sys.argv[2:]:
        key, value = arg.split("=", 1)
        if key == "repeats":
            repeats = max(1, int(value))
    meta = {k: (float(v) if k in ("start", "stop", "width") else int(v))
            for k, v in read_meta(os.path.join(folder, "meta.txt")).items()}
    spikes = np.fromfile(os.path.join(folder, "spikes.f64"), dtype="<f8")
    offsets = np.fromfile(os.path.join(folder, "offsets.u64"), dtype="<u8").astype(np.intp)
    align = np.fromfile(os.path.join(folder, "align.f64"), dtype="<f8")
    theirs = np.fromfile(os.path.join(folder, "counts.u32"), dtype="<u4")

    best, best_cpu, counts = timed(repeats, lambda: bin_counts(spikes, offsets, align, meta["start"],
                                                              meta["width"], meta["bins"]))

    if theirs.size != counts.size:
        check, ok = "size_mismatch:%d_vs_%d" % (theirs.size, counts.size), 0
    else:
        mismatches = int(np.count_nonzero(theirs != counts.ravel()))
        check = "counts_identical" if mismatches == 0 else "mismatches:%d" % mismatches
        ok = int(mismatches == 0)
    print("peer=binning tool=numpy.searchsorted numpy=%s seconds=%.6g cpu_seconds=%.6g "
          "spikes=%d units=%d trials=%d bins=%d checksum=%d check=%s ok=%d"
          % (np.__version__, best, best_cpu, spikes.size, offsets.size - 1, align.size, meta["bins"],
             checksum(counts), check, ok))


if __name__ == "__main__":
    main()
