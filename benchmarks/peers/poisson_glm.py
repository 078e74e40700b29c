#!/usr/bin/python3
"""Peer of neuropop_bench_poisson_glm: scikit-learn's PoissonRegressor on the same design and
counts, with the penalty matched to neuropop's objective, and the coefficients compared.

usage: poisson_glm.py DIR [repeats=3]

DIR holds what `neuropop_bench_poisson_glm data=DIR` wrote: x.f64 [row, column], y.f64
[unit, row], ours.f64 [unit, intercept + weights] and meta.txt (rows, cols, units, lambda).

neuropop minimises sum_i [exp(eta_i) - y_i eta_i] + (lambda / 2) ||w||^2 (penalty on the
SUMMED log-likelihood); PoissonRegressor(alpha) minimises the mean half-deviance + (alpha / 2)
||w||^2, i.e. (1/n) sum_i [exp(eta_i) - y_i eta_i] + (alpha / 2) ||w||^2 + const, so
alpha = lambda / n gives the same minimiser. Both leave the intercept unpenalised.

Timed, one fit per unit with BLAS and OpenMP limited to 1 thread (threadpoolctl):
PoissonRegressor(alpha, solver='newton-cholesky', tol=1e-8) — its Newton solver, the same
algorithm, to a tolerance where its coefficients agree with neuropop's (which iterates to
rounding) within 1e-4: at the default tol=1e-4 they differ by up to 1e-2 on this design, whose
intercept is the sum of each condition's basis columns and so identified only through the
penalty — and solver='lbfgs' at its defaults (tol=1e-4), what a user writes, for information.
Prints one `peer=poisson_glm tool=sklearn-<solver> threads=1 seconds=<best>
cpu_seconds=<best> check=<text> ok=<1|0>` line per solver; ok=1 when every coefficient is
within 1e-4 of neuropop's.

For information (tool=sklearn-newton-cholesky-pooled), the structure neuropop uses given to
scikit-learn too: the design has one distinct row per (condition, bin); with those rows
(np.unique, once, untimed, as neuropop builds its pooled design once), sample_weight = the
number of bins pooled into a row and y = their mean count, PoissonRegressor minimises
(1/n) sum_g [e_g exp(eta_g) - Y_g eta_g] + (alpha/2) ||w||^2 + const, the same objective, so
alpha = lambda / n still. Timed per unit: the pooling of its counts (np.bincount) and the fit.
"""
import sys
import warnings

import numpy as np
import threadpoolctl
from sklearn.linear_model import PoissonRegressor

from peer_util import read_meta, timed


def main(argv):
    d = argv[1]
    opts = dict(a.split("=", 1) for a in argv[2:])
    repeats = int(opts.get("repeats", 3))
    meta = read_meta(d + "/meta.txt")
    n, p, units, lam = int(meta["rows"]), int(meta["cols"]), int(meta["units"]), float(meta["lambda"])
    x = np.fromfile(d + "/x.f64").reshape(n, p)
    y = np.fromfile(d + "/y.f64").reshape(units, n)
    ours = np.fromfile(d + "/ours.f64").reshape(units, p + 1)
    for solver, tol in (("newton-cholesky", 1e-8), ("lbfgs", 1e-4)):
        def work():
            out = np.empty((units, p + 1))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # lbfgs may stop at max_iter on some units
                for u in range(units):
                    m = PoissonRegressor(alpha=lam / n, solver=solver, tol=tol,
                                         max_iter=1000).fit(x, y[u])
                    out[u, 0], out[u, 1:] = m.intercept_, m.coef_
            return out
        with threadpoolctl.threadpool_limits(limits=1):
            seconds, cpu, theirs = timed(repeats, work)
        diff = float(np.max(np.abs(theirs - ours)))
        print(f"peer=poisson_glm tool=sklearn-{solver} threads=1 seconds={seconds:.6g} "
              f"cpu_seconds={cpu:.6g} tol={tol:g} max_abs_coef_diff={diff:.3g} "
              f"check=max|coef-ours|={diff:.2g} ok={int(diff <= 1e-4)}", flush=True)

    rows, group = np.unique(x, axis=0, return_inverse=True)
    group = group.ravel()
    exposure = np.bincount(group, minlength=len(rows)).astype(float)

    def pooled():
        out = np.empty((units, p + 1))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for u in range(units):
                total = np.bincount(group, weights=y[u], minlength=len(rows))
                m = PoissonRegressor(alpha=lam / n, solver="newton-cholesky", tol=1e-8,
                                     max_iter=1000).fit(rows, total / exposure,
                                                        sample_weight=exposure)
                out[u, 0], out[u, 1:] = m.intercept_, m.coef_
        return out
    with threadpoolctl.threadpool_limits(limits=1):
        seconds, cpu, theirs = timed(repeats, pooled)
    diff = float(np.max(np.abs(theirs - ours)))
    print(f"peer=poisson_glm tool=sklearn-newton-cholesky-pooled threads=1 seconds={seconds:.6g} "
          f"cpu_seconds={cpu:.6g} tol=1e-08 max_abs_coef_diff={diff:.3g} "
          f"check=max|coef-ours|={diff:.2g} ok={int(diff <= 1e-4)}", flush=True)


if __name__ == "__main__":
    main(sys.argv)
