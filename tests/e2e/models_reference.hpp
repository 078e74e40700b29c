#pragma once
// The numpy side of the brain <-> network e2e tests (test_run_models.cpp,
// test_run_pseudo_models.cpp): given `m`, the model file open with h5py, the stimulus labels and
// layer activations, and the reference CKA (plain: cosine of the doubly centred Grams; debiased:
// Song et al.'s unbiased HSIC on zero-diagonal Grams) written from docs/ANALYSES.md §8, not from
// our code. A test's script is its argument parsing + this + its comparisons.

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

} // namespace neuropop::test
