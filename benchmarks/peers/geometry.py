#!/usr/bin/python3
"""Peer of neuropop_bench_geometry: the same representational geometry in plain numpy (there is
no Debian package of rsatoolbox), written as a numpy user would from docs/ANALYSES.md §4, on the
same numbers, compared with neuropop's results.

usage: geometry.py DIR [repeats=2]

- crossnobis (kernels/crossnobis.hpp: noise estimated per fold): per fold, residuals E of the
  training trials about their training condition means; Ledoit–Wolf shrinkage of S = EᵀE/P by
  scikit-learn's formulas, computed the efficient way (one EᵀE product; Σ_t ‖e_t‖⁴ from row
  norms, not sklearn's second X²ᵀX² product), rescaled by P/(P−K); Λ = inv(Σ̂);
  M = (A Λ) Bᵀ and d_ij = (M_ii + M_jj − M_ij − M_ji)/N; mean over all folds. Check: largest
  |d_peer − d_ours| relative to max |d| (< 1e-8: both are the same double-precision algebra, in
  different orders).
- few-shot: per manifold np.cov (ddof 1) + eigh; per ordered pair the overlaps, radii,
  dimensions and the full finite-m predicted error (as tests/unit/test_manifold.cpp's
  reference); the empirical m-shot prototype error from `episodes` episodes per (a, b, m),
  vectorised over episodes (numpy's own RNG). Check: every deterministic quantity within 1e-8
  relative; the empirical errors come from different random episodes: per m, the mean over
  pairs must agree within 5 standard errors (from the peer's episode-to-episode spread, for
  both sides); the largest single-pair difference is reported.

Prints `peer=geometry_<what> tool=numpy seconds=<best> cpu_seconds=<best> ... check=... ok=<1|0>`.
"""
import os

import numpy as np
from scipy.special import erfc

from peer_util import peer_args, read_meta, timed


def shrunk_precision(e, k):
    """Λ from residuals e (P × N, columns of mean zero): scikit-learn's Ledoit–Wolf formulas,
    computed the efficient way, Σ̂ rescaled by P/(P−K), inverted. Returns (Λ, δ)."""
    p, n = e.shape
    s = e.T @ e / p
    trace = np.trace(s)
    m = trace / n
    delta_ = np.sum(s * s)
    beta_ = np.sum(np.einsum("ij,ij->i", e, e) ** 2)
    beta = (beta_ / p - delta_) / (n * p)
    delta = (delta_ - 2.0 * m * trace + n * m * m) / n
    shrink = 0.0 if beta == 0 else min(beta, delta) / delta
    cov = (1.0 - shrink) * s
    cov[np.diag_indices(n)] += shrink * m
    return np.linalg.inv(cov * p / (p - k)), shrink


def condition_means(x, lab, k):
    means = np.zeros((k, x.shape[1]))
    np.add.at(means, lab, x)
    return means / np.bincount(lab, minlength=k)[:, None]


def crossnobis(x, lab, fold, k, f):
    """kernels/crossnobis.hpp: per fold, Λ from the fold's training residuals only."""
    n = x.shape[1]
    rdm = np.zeros((k, k))
    shrinks = []
    for g in range(f):
        out = fold != g
        a = condition_means(x[out], lab[out], k)
        b = condition_means(x[~out], lab[~out], k)
        prec, shrink = shrunk_precision(x[out] - a[lab[out]], k)
        shrinks.append(shrink)
        mm = (a @ prec) @ b.T
        dg = np.diag(mm)
        rdm += (dg[:, None] + dg[None, :] - mm - mm.T) / n
    return rdm / f, float(np.mean(shrinks))


def fewshot(xs, shots, episodes, rng):
    lam, ax, x0 = [], [], []
    for x in xs:
        l, u = np.linalg.eigh(np.cov(x, rowvar=False))
        lam.append(l)
        ax.append(u)
        x0.append(x.mean(0))
    k = len(xs)
    radius2 = np.array([l.sum() for l in lam])
    dim = np.array([l.sum() ** 2 / (l ** 2).sum() for l in lam])
    pairs = np.full((5, k, k), np.nan)
    predicted = np.full((k, k, len(shots)), np.nan)
    empirical = np.full((k, k, len(shots)), np.nan)
    stderr = np.full((k, k, len(shots)), np.nan)
    for a in range(k):
        for b in range(k):
            if a == b:
                continue
            ra2, rb2 = radius2[a], radius2[b]
            dx = (x0[a] - x0[b]) / np.sqrt(ra2)
            signal = dx @ dx
            bias = rb2 / ra2 - 1
            u = dx / np.linalg.norm(dx)
            csa = (lam[a] * (ax[a].T @ u) ** 2).sum() / ra2
            csb = (lam[b] * (ax[b].T @ u) ** 2).sum() / ra2
            ss = (np.outer(lam[a], lam[b]) * (ax[a].T @ ax[b]) ** 2).sum() / ra2 ** 2
            pairs[:, a, b] = signal, bias, csa, csb, ss
            da, db = dim[a], dim[b]
            for i, m in enumerate(shots):
                mean = 0.5 * signal + 0.5 * bias / m
                noise2 = (1 / (da * m) + 1 / (2 * da * m * m) + (rb2 / ra2) / (2 * db * m * m)
                          + csa * signal + csb * signal / m + ss / m)
                predicted[a, b, i] = 0.5 * erfc(mean / np.sqrt(noise2) / np.sqrt(2))
                if episodes == 0:
                    continue
                xa, xb = xs[a], xs[b]
                oa = np.argsort(rng.random((episodes, xa.shape[0])), axis=1)
                ob = np.argsort(rng.random((episodes, xb.shape[0])), axis=1)
                pa = xa[oa[:, :m]].mean(1)  # episodes x units
                pb = xb[ob[:, :m]].mean(1)
                h = 2.0 * xa @ (pa - pb).T + ((pb ** 2).sum(1) - (pa ** 2).sum(1))  # P x E
                tested = np.take_along_axis(h.T, oa[:, m:], axis=1) < 0
                rate = tested.mean(1)
                empirical[a, b, i] = rate.mean()
                stderr[a, b, i] = rate.std(ddof=1) / np.sqrt(episodes)
    return radius2, dim, pairs, predicted, empirical, stderr


def rel_diff(theirs, ours):
    theirs, ours = np.asarray(theirs).ravel(), np.asarray(ours).ravel()
    keep = ~np.isnan(theirs)
    return float(np.max(np.abs(theirs[keep] - ours[keep]) /
                        np.maximum(np.abs(ours[keep]), 1e-300)))


def main():
    folder, opts = peer_args({"repeats": 2})
    repeats = max(1, opts["repeats"])

    meta = read_meta(os.path.join(folder, "crossnobis_meta.txt"))
    k, n, p, f = (int(meta[key]) for key in ("conditions", "units", "trials", "folds"))
    x = np.fromfile(os.path.join(folder, "crossnobis_x.f64"), dtype="<f8").reshape(p, n)
    t = np.arange(p)
    lab, fold = t % k, (t // k) % f
    ours = np.fromfile(os.path.join(folder, "crossnobis_rdm.f64"), dtype="<f8").reshape(k, k)
    s, c, (rdm, shrink) = timed(repeats, lambda: crossnobis(x, lab, fold, k, f))
    diff = float(np.max(np.abs(rdm - ours)) / np.max(np.abs(ours)))
    shrink_diff = abs(shrink - float(meta["shrinkage"])) / float(meta["shrinkage"])
    ok = int(diff < 1e-8 and shrink_diff < 1e-8)
    print("peer=geometry_crossnobis tool=numpy threads=all seconds=%.6g cpu_seconds=%.6g "
          "max_rel_diff=%.3g shrinkage_rel_diff=%.3g check=rdm_agrees ok=%d"
          % (s, c, diff, shrink_diff, ok), flush=True)
    del x

    meta = read_meta(os.path.join(folder, "fewshot_meta.txt"))
    k, samples, units, episodes = (int(meta[key]) for key in
                                   ("conditions", "samples", "units", "episodes"))
    shots = [1, 2, 5, 10]
    xs = [np.fromfile(os.path.join(folder, "manifold%d.f64" % a), dtype="<f8")
          .reshape(samples, units) for a in range(k)]
    s, c, res = timed(repeats, lambda: fewshot(xs, shots, episodes,
                                                np.random.default_rng(5)))
    s0, _, _ = timed(repeats, lambda: fewshot(xs, shots, 0, np.random.default_rng(5)))
    radius2, dim, pairs, predicted, empirical, stderr = res
    read = lambda name: np.fromfile(os.path.join(folder, name), dtype="<f8")  # noqa: E731
    det = max(rel_diff(radius2, read("fewshot_radius2.f64")),
              rel_diff(dim, read("fewshot_dimension.f64")),
              rel_diff(pairs, read("fewshot_pairs.f64")),
              rel_diff(predicted, read("fewshot_predicted.f64")))
    ours_emp = read("fewshot_empirical.f64").reshape(k, k, len(shots))
    keep = ~np.isnan(empirical)
    # Per m, the mean empirical error over all pairs: a stable figure whose standard error
    # follows from the peer's per-pair episode spread (both sides draw as many episodes).
    # Single pairs are reported, not gated: a rare bad prototype makes their spread heavy-tailed.
    z = 0.0
    for i in range(len(shots)):
        e, o, se = empirical[:, :, i], ours_emp[:, :, i], stderr[:, :, i]
        sel = ~np.isnan(e)
        se_mean = np.sqrt(2.0 * np.sum(se[sel] ** 2)) / sel.sum()
        z = max(z, abs(e[sel].mean() - o[sel].mean()) / max(se_mean, 1e-12))
    ok = int(det < 1e-8 and z <= 5.0)
    print("peer=geometry_fewshot tool=numpy threads=all seconds=%.6g cpu_seconds=%.6g "
          "geometry_seconds=%.6g max_rel_diff=%.3g empirical_max_abs_diff=%.3g "
          "empirical_mean_error=%.4g empirical_mean_z=%.3g check=geometry_agrees ok=%d"
          % (s, c, s0, det, np.max(np.abs(empirical[keep] - ours_emp[keep])),
             np.mean(empirical[keep]), z, ok),
          flush=True)


if __name__ == "__main__":
    main()
