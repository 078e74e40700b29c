#!/usr/bin/python3
"""Peer of neuropop_bench_pca: the same PCA in numpy and in scikit-learn, on the same data.

usage: pca.py DIR [repeats=3] [sklearn_repeats=1] [sklearn=1]

DIR holds what `neuropop_bench_pca data=DIR` wrote: pca_X.f64 (float64, row-major rows x cols),
pca_eigenvalues.f64 (neuropop's eigenvalues, descending) and pca_meta.txt. Timed:
- numpy: `Xc = X - X.mean(0); C = Xc.T @ Xc / (n - 1); np.linalg.eigh(C)`, on one thread and on
  all threads (threadpoolctl), best of `repeats`;
- scikit-learn: `PCA(svd_solver='full').fit(X)` on all threads, best of `sklearn_repeats` (it
  is slow: an SVD of the whole X).
Prints one `peer=pca tool=<numpy|sklearn> threads=<t> seconds=<best> cpu_seconds=<best>
max_rel_diff=<d> check=<text> ok=<1|0>` line per measurement; max_rel_diff is the largest
|λ_peer − λ_neuropop| / λ_neuropop over all eigenvalues, and ok=1 when it is below 1e-9 (both
are backward-stable: differences of ~1e-13 are rounding; 1e-9 would mean a different answer).
"""
import os

import numpy as np
import threadpoolctl

from peer_util import peer_args, read_meta, timed


def compare(theirs, ours):
    theirs = np.sort(np.asarray(theirs))[::-1]
    d = float(np.max(np.abs(theirs - ours) / np.abs(ours)))
    ok = int(d < 1e-9)
    return d, ("eigenvalues_agree" if ok else "eigenvalues_differ"), ok


def numpy_pca(x):
    xc = x - x.mean(axis=0)
    c = xc.T @ xc / (x.shape[0] - 1)
    return np.linalg.eigh(c)[0]


def main():
    folder, opts = peer_args({"repeats": 3, "sklearn_repeats": 1, "sklearn": 1})
    meta = read_meta(os.path.join(folder, "pca_meta.txt"))
    rows, cols = int(meta["rows"]), int(meta["cols"])
    x = np.fromfile(os.path.join(folder, "pca_X.f64"), dtype="<f8").reshape(rows, cols)
    ours = np.fromfile(os.path.join(folder, "pca_eigenvalues.f64"), dtype="<f8")

    info = threadpoolctl.threadpool_info()
    blas = next((i for i in info if i.get("user_api") == "blas"), {})
    api = blas.get("internal_api", "none")
    all_threads = blas.get("num_threads", os.cpu_count() or 1)

    for threads in sorted({1, all_threads}):
        with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
            best, best_cpu, ev = timed(max(1, opts["repeats"]), lambda: numpy_pca(x))
        d, check, ok = compare(ev, ours)
        print("peer=pca tool=numpy threads=%d seconds=%.6g cpu_seconds=%.6g rows=%d cols=%d "
              "max_rel_diff=%.3g blas=%s check=%s ok=%d"
              % (threads, best, best_cpu, rows, cols, d, api, check, ok), flush=True)

    if opts["sklearn"]:
        from sklearn.decomposition import PCA
        import sklearn
        best, best_cpu, model = timed(max(1, opts["sklearn_repeats"]),
                                      lambda: PCA(svd_solver="full").fit(x))
        d, check, ok = compare(model.explained_variance_, ours)
        print("peer=pca tool=sklearn threads=%d seconds=%.6g cpu_seconds=%.6g rows=%d cols=%d "
              "max_rel_diff=%.3g sklearn=%s check=%s ok=%d"
              % (all_threads, best, best_cpu, rows, cols, d, sklearn.__version__, check, ok),
              flush=True)


if __name__ == "__main__":
    main()
