#pragma once
// The numpy side of the brain <-> network e2e tests (test_run_models.cpp,
// test_run_pseudo_models.cpp): given `m`, the model file open with h5py, the stimulus labels and
// layer activations, and the reference CKA (plain: cosine of the doubly centred Grams; debiased:
// Song et al.'s unbiased HSIC on zero-diagonal Grams) written from docs/ANALYSES.md §8, not from
// our code. A test's script is its argument parsing + this + its comparisons. Also the geometry
// and capacity reference and the stimulus classes both tests' generated sessions get.

#include <string>

#include "tests/support/support.hpp"

namespace neuropop::test {

inline const char* models_numpy_reference =
    R"(dec = lambda v: v.decode() if isinstance(v, bytes) else v
labels = [dec(x) for x in m["stimuli"][()]]
order = [dec(x) for x in m["layers"].attrs["order"]]
acts = {n: m["layers/%s/activations" % n][()].astype(float) for n in order}
def gram(x):
    xc = x - x.mean(axis=0)
    return xc @ xc.T
def cka_biased(k, l):
    n = k.shape[0]; h = np.eye(n) - 1.0 / n
    kc, lc = h @ k @ h, h @ l @ h
    return (kc * lc).sum() / np.sqrt((kc * kc).sum() * (lc * lc).sum())
def hsic1(k, l):
    n = k.shape[0]; k = k.copy(); l = l.copy()
    np.fill_diagonal(k, 0); np.fill_diagonal(l, 0)
    return (np.trace(k @ l) + k.sum() * l.sum() / ((n - 1) * (n - 2))
            - 2.0 / (n - 2) * k.sum(axis=0) @ l.sum(axis=0)) / (n * (n - 3))
def cka_debiased(k, l):
    return hsic1(k, l) / np.sqrt(hsic1(k, k) * hsic1(l, l))
def upper(a):
    i, j = np.triu_indices(a.shape[0], 1)
    return a[i, j]
)";

// Python: pooled_means(f, g, r, k) rebuilds what the pooled models items compare for resample k
// of region r (g = f["pseudo/<r>/models"]): each stimulus's mean over its pooled pseudo-trials of
// the counts summed over the window 0-0.6 s, from /binned and the written pooled_trials, in the
// order of g["stimuli"]. Needs np and dec (models_numpy_reference).
inline const char* pooled_means_reference = R"(def pooled_means(f, g, r, k):
    sessions = [dec(x) for x in g["pooling/sessions"][()]]
    conditions = [dec(x) for x in g["pooling/conditions"][()]]
    per = int(g["pooling/trials_per_condition"][()])
    stimuli = [dec(x) for x in g["stimuli"][()]]
    drawn = g["pooled_trials"][()]
    parts = []
    for s, key in enumerate(sessions):
        b = f["binned/%s/%s" % (key, r)]
        counts, edges = b["counts"][()].astype(float), b["bin_edges"][()]
        first = int(np.argmin(abs(edges - 0.0))); last = int(np.argmin(abs(edges - 0.6)))
        parts.append(counts[drawn[k, s]][:, :, first:last].sum(axis=2))
    x = np.hstack(parts)
    cond = [conditions[i // per] for i in range(x.shape[0])]
    return np.array([x[[i for i, c in enumerate(cond) if c == st]].mean(axis=0)
                     for st in stimuli])
)";

// Geometry and capacity (docs/ANALYSES.md §8–9) written here, not from our code: participation
// ratio and the few-shot quantities (kernels/manifold.hpp's formulas); the mean-field capacity by
// a numpy port of mftma's steps 1, 3-5 (no centre decorrelation: the reference runs turn it
// off) with scipy's NNLS on its own Gaussian draws; the simulation's separable fraction at a
// dimension n by Gaussian random projection, random dichotomies and separability decided by
// scipy's linprog (feasibility of y w.x >= 1) — an algorithm independent of the engine's
// least-distance programming. Needs np, nnls, linprog, norm, `rng` and `samples` (draws per
// manifold). check(get, x, cats, full) compares one group — get(path) gives its value at a path
// below the group — with the points x (a row per stimulus) in classes cats: the deterministic
// quantities raise `worst` (largest relative difference); with full, rows gets [engine and
// numpy capacity, engine and numpy fraction at N_c - 1, at N_c, the simulation capacity].
inline const char* geometry_numpy_reference = R"(def pr(x):
    lam = np.linalg.eigvalsh(np.cov(x.T) if x.shape[1] > 1 else np.atleast_2d(np.var(x, ddof=1)))
    return lam.sum() ** 2 / (lam ** 2).sum()
def fewshot(ms, shots):
    k = len(ms); c = [np.atleast_2d(np.cov(x.T)) for x in ms]; x0 = [x.mean(0) for x in ms]
    r2 = np.array([np.trace(a) for a in c]); d = np.array([np.trace(a) ** 2 / (a * a).sum() for a in c])
    sig, bias, pred = np.full((k, k), np.nan), np.full((k, k), np.nan), np.full((k, k, len(shots)), np.nan)
    for a in range(k):
        for b in range(k):
            if a == b: continue
            dx = (x0[a] - x0[b]) / np.sqrt(r2[a]); s = dx @ dx; u = dx / np.sqrt(s)
            csa = u @ c[a] @ u / r2[a]; csb = u @ c[b] @ u / r2[a]; ss = (c[a] * c[b]).sum() / r2[a] ** 2
            sig[a, b], bias[a, b] = s, r2[b] / r2[a] - 1
            for i, mm in enumerate(shots):
                mean = 0.5 * s + 0.5 * bias[a, b] / mm
                noise = (1 / (d[a] * mm) + 1 / (2 * d[a] * mm * mm) + (r2[b] / r2[a]) / (2 * d[b] * mm * mm)
                         + csa * s + csb * s / mm + ss / mm)
                pred[a, b, i] = norm.sf(mean / np.sqrt(noise))
    return r2, d, sig, bias, pred
def mft(ms):
    allp = np.vstack(ms); mu = allp.mean(0); inv = []
    for x in ms:
        x = x - mu; c = x.mean(0); cn = np.linalg.norm(c)
        pts = (x - c) / cn
        q, _ = np.linalg.qr(pts.T); s = np.c_[pts @ q, np.ones(len(pts))]  # m x (D + 1)
        t = rng.standard_normal((samples, s.shape[1])); acc = 0.0
        for tt in t:
            h = s @ tt
            if h.max() < 0: continue
            z, _ = nnls(s.T, tt)
            if np.linalg.norm(s.T @ z) < 1e-8: anchor = s[h.argmax()]
            else: anchor = s.T @ z / z.sum()
            acc += max(tt @ anchor, 0.0) ** 2 / (anchor @ anchor)
        inv.append(acc / samples)
    return 1.0 / np.mean(inv)
def separable(x, y):
    a = -(y[:, None] * x)
    r = linprog(np.zeros(x.shape[1]), A_ub=a, b_ub=-np.ones(len(y)), bounds=(None, None), method="highs")
    return r.status == 0
def fraction(ms, n, trials=100):
    allp = np.vstack(ms); allp = allp - allp.mean(0)
    owner = np.concatenate([[i] * len(x) for i, x in enumerate(ms)]); ok = 0
    for _ in range(trials):
        y = rng.choice([-1.0, 1.0], len(ms))[owner]
        ok += separable(allp @ rng.standard_normal((allp.shape[1], n)), y)
    return ok / trials
worst, rows = 0.0, []
def check(get, x, cats, full):
    global worst
    names = sorted(set(cats)); ms = [x[[i for i, c in enumerate(cats) if c == n]] for n in names]
    worst = max(worst, abs(get("participation_ratio") - pr(x)))
    shots = list(get("geometry/shots"))
    r2, d, sig, bias, pred = fewshot(ms, shots)
    for name, ref in [("radius2", r2), ("dimension", d), ("signal", sig), ("bias", bias), ("predicted_error", pred)]:
        ours = get("geometry/" + name); ok = ~np.isnan(ref)
        assert (np.isnan(ours) == ~ok).all(), name
        worst = max(worst, (abs(ours[ok] - ref[ok]) / np.maximum(1.0, abs(ref[ok]))).max())
    if not full: return
    nc = int(get("capacity/critical_dimension"))
    ours = dict(zip(get("capacity/simulation_dimensions"), get("capacity/simulation_separable_fraction")))
    assert nc > 1 and nc - 1 in ours and nc in ours
    rows.append([get("capacity/capacity"), mft(ms), ours[nc - 1], fraction(ms, nc - 1), ours[nc],
                 fraction(ms, nc), get("capacity/simulation_capacity")])
)";

// Adds the trials column `category` = stimulus_id // 4 (classes of four stimuli) to every
// generated session under data_dir: the manifolds of the geometry and capacity measures. A
// stimulus's class is the same in every session, so pooled pseudo-trials keep it too.
inline void add_category(const std::string& data_dir) {
    run_python(R"(import sys, glob, h5py, numpy as np
for p in sorted(glob.glob(sys.argv[1] + "/*.nwb")):
    with h5py.File(p, "r+") as f:
        t = f["intervals/trials"]
        t["category"] = (t["stimulus_id"][()] // 4).astype(np.int64)
        t["category"].attrs["description"] = "stimulus class: stimulus_id // 4"
        cols = [c.decode() if isinstance(c, bytes) else c for c in t.attrs["colnames"]]
        t.attrs["colnames"] = np.array(cols + ["category"], dtype=h5py.string_dtype())
)",
               {data_dir});
}

} // namespace neuropop::test
