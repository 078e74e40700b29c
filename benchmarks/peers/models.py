#!/usr/bin/python3
"""Peer of neuropop_bench_models: the same brain <-> network comparisons in numpy on 1 BLAS
thread, written as a numpy user would from docs/ANALYSES.md §8, on the same numbers:
per layer the centred Gram Xc Xcᵀ and the Euclidean RDM from it; per population its centred Gram
and correlation RDM (1 - np.corrcoef); every population x layer plain CKA (double-centred Gram
cosine), debiased CKA (Song et al.'s unbiased HSIC on zero-diagonal Grams) and RSA by Spearman
(scipy.stats.spearmanr on the upper triangles) and cosine.
Check: largest |peer - ours| over the four tables (< 1e-8: the same double-precision formulas in
different orders; the layers are float32 converted to float64 on both sides).

usage: models.py DIR [repeats=1]
Prints `peer=models tool=numpy threads=1 seconds=<best> cpu_seconds=<best> spearmanr_seconds=...
max_abs_diff=... ok=` (spearmanr_seconds: the last repeat's time inside scipy.stats.spearmanr).
"""
import os
import time

import numpy as np
import threadpoolctl
from scipy.stats import spearmanr

from peer_util import peer_args, read_meta, timed


def centred_gram(x):
    xc = x - x.mean(axis=0)
    return xc @ xc.T


def hsic1(k, l):
    n = k.shape[0]
    return (np.sum(k * l) + k.sum() * l.sum() / ((n - 1) * (n - 2))
            - 2.0 / (n - 2) * k.sum(axis=0) @ l.sum(axis=0)) / (n * (n - 3))


def main():
    folder, opts = peer_args({"repeats": 1})
    meta = read_meta(os.path.join(folder, "models_meta.txt"))
    L, n, q, P, U = (int(meta[k]) for k in ("layers", "stimuli", "features", "populations",
                                            "units"))
    acts = [np.fromfile(os.path.join(folder, "layer_%d.f32" % l), dtype="<f4").reshape(n, q)
            for l in range(L)]
    brains = np.fromfile(os.path.join(folder, "populations.f64"), dtype="<f8").reshape(P, n, U)
    iu = np.triu_indices(n, 1)

    spent = {"spearmanr": 0.0}

    def work():
        spent["spearmanr"] = 0.0
        lk, lr = [], []
        for a in acts:
            g = centred_gram(a.astype(np.float64))
            d = np.diag(g)
            lr.append(((d[:, None] + d[None, :] - 2 * g) / q)[iu])
            lk.append(g)
        h = np.eye(n) - 1.0 / n
        # Each Gram centred and normalised once: plain = cosine of H K H; debiased from the
        # zero-diagonal Grams.
        def plain_form(g):
            c = h @ g @ h
            return c / np.linalg.norm(c)
        def zero_diag(g):
            z = g.copy()
            np.fill_diagonal(z, 0)
            return z, hsic1(z, z)
        lp = [plain_form(g) for g in lk]
        lz = [zero_diag(g) for g in lk]
        out = np.zeros((4, P, L))
        for p in range(P):
            b = brains[p]
            g = centred_gram(b)
            bp = plain_form(g)
            bz, bzz = zero_diag(g)
            br = (1 - np.corrcoef(b))[iu]
            for l in range(L):
                out[0, p, l] = np.sum(bp * lp[l])
                out[1, p, l] = hsic1(bz, lz[l][0]) / np.sqrt(bzz * lz[l][1])
                t0 = time.perf_counter()
                out[2, p, l] = spearmanr(br, lr[l])[0]
                spent["spearmanr"] += time.perf_counter() - t0
                out[3, p, l] = br @ lr[l] / np.sqrt((br @ br) * (lr[l] @ lr[l]))
        return out

    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        best, best_cpu, out = timed(opts["repeats"], work)
    ours = [np.fromfile(os.path.join(folder, name + ".f64"), dtype="<f8").reshape(P, L)
            for name in ("plain", "debiased", "spearman", "cosine")]
    diff = max(float(np.max(np.abs(o - r))) for o, r in zip(ours, out))
    print("peer=models tool=numpy threads=1 seconds=%.6g cpu_seconds=%.6g layers=%d stimuli=%d "
          "features=%d populations=%d spearmanr_seconds=%.3g max_abs_diff=%.3g "
          "check=max_abs_diff<1e-8 ok=%d"
          % (best, best_cpu, L, n, q, P, spent["spearmanr"], diff, int(diff < 1e-8)), flush=True)


if __name__ == "__main__":
    main()
