"""The brain <-> network benchmark: its registry entries fit together, and the numpy peer agrees
with plain per-pair formulas on a tiny dataset written the way neuropop_bench_models writes it
(so a wrong peer cannot report ok=1 and inflate or deflate the measured ratio)."""

import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
from scipy.stats import spearmanr

from neuropop_bench.common import ROOT, parse_lines
from neuropop_bench.registry import BENCHES, ROWS


def cka(x, y, debiased):
    k = (x - x.mean(0)) @ (x - x.mean(0)).T
    l = (y - y.mean(0)) @ (y - y.mean(0)).T
    n = k.shape[0]
    if not debiased:
        h = np.eye(n) - 1.0 / n
        hs = lambda a, b: np.trace(h @ a @ h @ h @ b @ h)
    else:
        def hs(a, b):
            a, b = a.copy(), b.copy()
            np.fill_diagonal(a, 0)
            np.fill_diagonal(b, 0)
            return (np.trace(a @ b) + a.sum() * b.sum() / ((n - 1) * (n - 2))
                    - 2.0 / (n - 2) * a.sum(0) @ b.sum(0)) / (n * (n - 3))
    return hs(k, l) / np.sqrt(hs(k, k) * hs(l, l))


class ModelsBench(unittest.TestCase):
    def test_registry(self):
        bench = [b for b in BENCHES if b.name == "models"]
        self.assertEqual(len(bench), 1)
        self.assertTrue(os.path.exists(ROOT / "benchmarks" / "peers" / bench[0].peer))
        rows = [r for r in ROWS if r.bench == "models"]
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0].ratio_at_least, 10.0)

    def test_peer_matches_per_pair_formulas(self):
        rng = np.random.default_rng(5)
        L, n, q, P, U = 3, 12, 9, 2, 5
        with tempfile.TemporaryDirectory() as d:
            acts = [rng.standard_normal((n, q)).astype("<f4") for _ in range(L)]
            brains = rng.standard_normal((P, n, U))
            for l, a in enumerate(acts):
                a.tofile(os.path.join(d, "layer_%d.f32" % l))
            brains.astype("<f8").tofile(os.path.join(d, "populations.f64"))
            iu = np.triu_indices(n, 1)
            tables = {k: np.zeros((P, L)) for k in ("plain", "debiased", "spearman", "cosine")}
            for p in range(P):
                br = (1 - np.corrcoef(brains[p]))[iu]
                for l in range(L):
                    a = acts[l].astype(float)
                    lr = (((a[:, None] - a[None]) ** 2).sum(2) / q)[iu]
                    tables["plain"][p, l] = cka(brains[p], a, False)
                    tables["debiased"][p, l] = cka(brains[p], a, True)
                    tables["spearman"][p, l] = spearmanr(br, lr)[0]
                    tables["cosine"][p, l] = br @ lr / np.linalg.norm(br) / np.linalg.norm(lr)
            for k, v in tables.items():
                v.astype("<f8").tofile(os.path.join(d, k + ".f64"))
            with open(os.path.join(d, "models_meta.txt"), "w") as f:
                f.write("layers=%d stimuli=%d features=%d populations=%d units=%d\n"
                        % (L, n, q, P, U))
            out = subprocess.run([sys.executable, str(ROOT / "benchmarks/peers/models.py"), d],
                                 capture_output=True, text=True, check=True,
                                 cwd=str(ROOT / "benchmarks" / "peers")).stdout
            (line,) = parse_lines(out)
            self.assertEqual(line["peer"], "models")
            self.assertEqual(line["ok"], "1", out)
            # A wrong "ours" must fail the check.
            (tables["debiased"] + 0.01).astype("<f8").tofile(os.path.join(d, "debiased.f64"))
            out = subprocess.run([sys.executable, str(ROOT / "benchmarks/peers/models.py"), d],
                                 capture_output=True, text=True, check=True,
                                 cwd=str(ROOT / "benchmarks" / "peers")).stdout
            self.assertEqual(parse_lines(out)[0]["ok"], "0")


if __name__ == "__main__":
    unittest.main()
