#!/usr/bin/python3
"""Peer of neuropop_bench_rrr: the same cross-validated reduced-rank and ridge curves with
numpy.linalg and sklearn.linear_model.Ridge, on the same data and folds, on one BLAS thread.

usage: rrr.py DIR [repeats=1]

DIR holds what `neuropop_bench_rrr data=DIR` wrote. Per fold, as the MATLAB pack
`communication-subspace` does: centre on the training fold, B = pinv(Z) Y (numpy.linalg),
V from numpy.linalg.eigh of (Z B)^T (Z B), the rank-m prediction Z B V_m V_m^T + mean(Y) for
m = 0..R; ridge: the source z-scored on the training fold, one
`Ridge(alpha=lambda, solver='svd')` fit per lambda of the grid. Performance 1 - RSS/TSS on the
held-out fold. Prints `peer=rrr tool=numpy+sklearn threads=1 seconds=<best> cpu_seconds=<best>
max_abs_diff=<d> check=<text> ok=<1|0>`; max_abs_diff is the largest difference of the mean
performance curves (both) from neuropop's, ok=1 below 1e-9 (both sides are backward-stable least
squares; differences are ~1e-13).
"""
import os

import numpy as np
import threadpoolctl
from sklearn.linear_model import Ridge

from peer_util import peer_args, read_meta, timed


def score(pred, y):
    return 1.0 - ((y - pred) ** 2).sum() / ((y - y.mean(axis=0)) ** 2).sum()


def curves(x, y, folds, ranks, lambdas):
    k = folds.max() + 1
    perf = np.zeros((k, ranks + 1))
    rperf = np.zeros((k, len(lambdas)))
    for f in range(k):
        tr, te = folds != f, folds == f
        xm, ym = x[tr].mean(axis=0), y[tr].mean(axis=0)
        z, zt = x[tr] - xm, x[te] - xm
        b = np.linalg.pinv(z) @ (y[tr] - ym)
        fitted = z @ b
        _, v = np.linalg.eigh(fitted.T @ fitted)
        v = v[:, ::-1]
        projected = zt @ b @ v
        for m in range(ranks + 1):
            perf[f, m] = score(projected[:, :m] @ v[:, :m].T + ym, y[te])
        sd = x[tr].std(axis=0, ddof=1)
        zs, zts = z / sd, zt / sd
        for j, lam in enumerate(lambdas):
            model = Ridge(alpha=lam, solver="svd").fit(zs, y[tr])
            rperf[f, j] = score(model.predict(zts), y[te])
    return perf.mean(axis=0), rperf.mean(axis=0)


def main():
    folder, opts = peer_args({"repeats": 1})
    meta = read_meta(os.path.join(folder, "rrr_meta.txt"))
    n, p, k, ranks = (int(meta[key]) for key in ("n", "p", "k", "ranks"))
    x = np.fromfile(os.path.join(folder, "rrr_X.f64"), dtype="<f8").reshape(n, p)
    y = np.fromfile(os.path.join(folder, "rrr_Y.f64"), dtype="<f8").reshape(n, k)
    folds = np.fromfile(os.path.join(folder, "rrr_folds.i32"), dtype="<i4")
    lambdas = np.fromfile(os.path.join(folder, "rrr_lambdas.f64"), dtype="<f8")
    ours = np.fromfile(os.path.join(folder, "rrr_curve.f64"), dtype="<f8")
    ours_ridge = np.fromfile(os.path.join(folder, "rrr_ridge.f64"), dtype="<f8")
    info = threadpoolctl.threadpool_info()
    blas = next((i for i in info if i.get("user_api") == "blas"), {})
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        best, best_cpu, (curve, ridge) = timed(opts["repeats"],
                                               lambda: curves(x, y, folds, ranks, lambdas))
    d = float(max(np.abs(curve - ours).max(), np.abs(ridge - ours_ridge).max()))
    ok = int(d < 1e-9)
    print("peer=rrr tool=numpy+sklearn threads=1 seconds=%.6g cpu_seconds=%.6g n=%d p=%d k=%d "
          "max_abs_diff=%.3g blas=%s check=%s ok=%d"
          % (best, best_cpu, n, p, k, d, blas.get("internal_api", "none"),
             "curves_agree" if ok else "curves_differ", ok), flush=True)


if __name__ == "__main__":
    main()
