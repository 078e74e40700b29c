#!/usr/bin/python3
"""Peer of neuropop_bench_capacity: a numpy/scipy port of kernels/manifold_capacity.cpp (the
mean-field manifold capacity of Chung, Lee & Sompolinsky 2018 as Cohen et al. 2020's `mftma`
computes it), step by step, on the same points and the same random draws (the bench writes them):
 1. the global mean removed;
 2. centre correlations: for K = 1, 2, ... an orthonormal V (r x K) minimising the summed squared
    residual correlation of the centres, by Riemannian gradient descent on the Stiefel manifold
    with Armijo backtracking and a QR retraction (1000 steps at most, gradient norm 1e-6), from
    `restarts` starts [X^T s, V_{K-1}] per K, the most stable start kept, K stopped after three
    increases of the residual correlation, the K with the smallest one removed from every point;
 3. each manifold centred on its centre, divided by the centre's norm, in the QR basis of its
    points, the centre coordinate 1 appended;
 4. per Gaussian vector t: the anchor point from scipy.optimize.nnls (Lawson-Hanson, as the
    kernel) of the cone projection, or the maximising point in the interior regime;
 5. alpha_M = 1 / mean(1 / alpha_mu), R_M and D_M (PRX definitions) their means.
Check: the largest relative difference of alpha_M, R_M, D_M and the per-manifold capacities,
< 1e-6 (the same draws; the two sides differ by rounding, amplified only by the descent's
stopping rule at gradient norm 1e-6), and the same removed rank K.

usage: capacity.py DIR [repeats=1]
Prints `peer=capacity tool=numpy threads=1 seconds=<best> cpu_seconds=<best> ... ok=`.
"""
import os

import numpy as np
import threadpoolctl
from scipy.optimize import nnls

from peer_util import peer_args, read_meta, timed


def thin_q(m):
    q, r = np.linalg.qr(m)
    return q * np.where(np.diag(r) < 0.0, -1.0, 1.0)


def mean_abs_correlation(x):
    p = x.shape[0]
    norms = np.linalg.norm(x, axis=1)
    c = np.abs((x @ x.T) / np.outer(norms, norms))
    return (c.sum() - np.trace(c)) / (p * (p - 1))


def cost(x, gram, v):
    c = x @ v
    a = gram - c @ c.T
    d = np.diag(gram) - np.sum(c * c, axis=1)
    if np.any(d <= 0.0):
        return np.inf, None
    b = a / np.outer(d, d)
    ab = a * b
    e = ab.sum(axis=1) / d
    gc = -2.0 * b @ c + 2.0 * e[:, None] * c
    return 0.5 * ab.sum(), x.T @ gc


def minimise_on_stiefel(x, gram, v):
    f, g = cost(x, gram, v)
    step = 1.0
    for _ in range(1000):
        vtg = v.T @ g
        xi = g - v @ (0.5 * (vtg + vtg.T))
        norm2 = np.sum(xi * xi)
        if np.sqrt(norm2) < 1e-6:
            break
        accepted = False
        while step > 1e-10:
            trial = thin_q(v - step * xi)
            ft, tg = cost(x, gram, trial)
            if ft <= f - 1e-4 * step * norm2:
                v, g, f, accepted = trial, tg, ft, True
                break
            step *= 0.5
        if not accepted:
            break
        step *= 2.0
    return v


def centre_correlation_basis(centres, restarts, starts):
    p, n = centres.shape
    xb = centres - centres.mean(axis=0)
    r = min(n, p - 1)
    if r < 2:
        return np.zeros((n, 0)), 0
    q = thin_q(xb.T)[:, :r]
    x = xb @ q
    s2 = np.linalg.svd(xb, compute_uv=False) ** 2
    below, cumulative = 0, 0.0
    for i in range(len(s2)):
        cumulative += s2[i] / s2.sum()
        if cumulative < 0.95:
            below = i
    max_k = min(below + 11, r - 1)
    gram = x @ x.T
    x_norms = np.linalg.norm(x, axis=1)
    solutions, residual = [], []
    previous = np.zeros((r, 0))
    for k in range(1, max_k + 1):
        best, best_stability = None, -np.inf
        for j in range(restarts):
            start = np.hstack([(x.T @ starts[k - 1, j])[:, None], previous])
            v = minimise_on_stiefel(x, gram, thin_q(start))
            left = x - (x @ v) @ v.T
            stability = np.min(np.linalg.norm(left, axis=1) / x_norms)
            if best is None or stability > best_stability:
                best, best_stability = v, stability
        previous = best
        solutions.append(best)
        residual.append(mean_abs_correlation(x - (x @ best) @ best.T))
        i = len(residual)
        if (i > 4 and residual[i - 1] > residual[i - 2] > residual[i - 3] > residual[i - 4]):
            break
    best = int(np.argmin(residual))
    return q @ solutions[best], best + 1


def anchor_geometry(coords, t):
    m, d = coords.shape
    s = np.vstack([coords.T, np.ones((1, m))])
    anchors = np.empty((d + 1, len(t)))
    contribution = np.empty(len(t))
    for i, ti in enumerate(t):
        anchor = s[:, np.argmax(s.T @ ti)]
        if ti @ anchor >= 0.0:
            z = nnls(s, ti)[0]
            sz = s @ z
            if np.linalg.norm(sz) >= 1e-8:
                anchor = sz / z.sum()
        field = max(ti @ anchor, 0.0)
        contribution[i] = field * field / (anchor @ anchor)
        anchors[:, i] = anchor
    sd = anchors[:d]
    td = t[:, :d]
    sn = np.linalg.norm(sd, axis=0)
    proj = np.where(sn > 0.0, np.sum(td * sd.T, axis=1) / np.where(sn > 0, sn, 1.0), 0.0)
    return (1.0 / contribution.mean(), np.sqrt(np.mean(np.sum(sd * sd, axis=0))),
            np.mean(proj * proj))


def main():
    folder, opts = peer_args({"repeats": 1})
    meta = read_meta(os.path.join(folder, "capacity_meta.txt"))
    p, m, n, samples, restarts = (int(meta[k]) for k in ("manifolds", "points", "dims",
                                                         "samples", "restarts"))
    points = np.fromfile(os.path.join(folder, "points.f64"), dtype="<f8").reshape(p, m, n)
    r = min(n, p - 1)
    starts = np.fromfile(os.path.join(folder, "starts.f64"), dtype="<f8").reshape(
        max(r - 1, 0), restarts, p)
    d = m if n > m else n
    gauss = np.fromfile(os.path.join(folder, "samples.f64"), dtype="<f8").reshape(
        p, samples, d + 1)

    def work():
        origin = points.reshape(p * m, n).mean(axis=0)
        centres = points.mean(axis=1)
        basis, removed = centre_correlation_basis(centres, restarts, starts)
        each = []
        for i in range(p):
            x = points[i] - origin
            x = x - (x @ basis) @ basis.T
            centre = x.mean(axis=0)
            norm = np.linalg.norm(centre)
            x = (x - centre) / norm
            coords = np.linalg.qr(x.T, mode="r").T if n > m else x
            each.append(anchor_geometry(coords, gauss[i]))
        each = np.array(each)
        return (1.0 / np.mean(1.0 / each[:, 0]), each[:, 1].mean(), each[:, 2].mean(),
                removed, each[:, 0])

    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        best, best_cpu, out = timed(opts["repeats"], work)
    ours = np.fromfile(os.path.join(folder, "capacity.f64"), dtype="<f8")
    mine = np.concatenate([[out[0], out[1], out[2]], out[4]])
    theirs = np.concatenate([ours[:3], ours[6:]])
    diff = float(np.max(np.abs(mine - theirs) / np.abs(theirs)))
    same_rank = int(out[3] == int(ours[5]))
    print("peer=capacity tool=numpy threads=1 seconds=%.6g cpu_seconds=%.6g manifolds=%d "
          "points=%d dims=%d samples=%d capacity=%.6g radius=%.6g dimension=%.6g removed_rank=%d "
          "max_rel_diff=%.3g check=max_rel_diff<1e-6,same_rank ok=%d"
          % (best, best_cpu, p, m, n, samples, out[0], out[1], out[2], out[3], diff,
             int(diff < 1e-6 and same_rank)), flush=True)


if __name__ == "__main__":
    main()
