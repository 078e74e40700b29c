// `neuropop run` on the Zhang–Desimone IT sessions: the results file has every dataset the
// schema promises (docs/DESIGN.md "Results out"), each self-describing, and the values the engine
// feeds the kernels are the ones a numpy / scikit-learn reference derives from the same files.

#include <catch2/catch.hpp>

#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;

namespace {

// One IT results file for every case of this file (each CTest case runs in its own process, so
// this is one run per case, not shared across cases).
std::filesystem::path it_results(const TempDir& tmp) {
    auto out = tmp / "it.h5";
    auto r = run::neuropop_run(0, run::it_args(out, {"--quiet"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return out;
}

} // namespace

TEST_CASE("IT job writes every expected dataset with units and description and labelled dimensions",
          "[e2e]") {
    TempDir tmp("run-it-schema");
    auto out = it_results(tmp);
    auto report = run_python(R"(import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
bad = []
def s(x):
    return x.decode() if isinstance(x, bytes) else str(x)
for a in ["neuropop_version", "job", "created", "ranks", "threads", "seed"]:
    if a not in f.attrs: bad.append("root attribute " + a)
if "[pca]" not in s(f.attrs.get("job", "")): bad.append("root job text lacks [pca]")
keys = [s(k) for k in f["/inventory/sessions/key"][...]]
if len(keys) != 21: bad.append("%d sessions in the inventory" % len(keys))
for t in ["identifier", "subject", "file", "n_units", "n_trials", "regions"]:
    if f["/inventory/sessions/" + t].shape != (21,): bad.append("inventory " + t)
binned = ["counts", "unit_ids", "trial_index", "trial_ids", "conditions", "event_times",
          "bin_edges", "bin_centers"]
pca = ["eigenvalues", "explained_variance_ratio", "components", "projections", "mean",
       "participation_ratio", "participation_ratio_split_half", "unit_ids", "component",
       "eigenvalue_rank", "condition_labels", "bin_centers"]
for k in keys:
    b = "/binned/%s/IT/" % k
    for d in binned:
        if b + d not in f: bad.append("missing " + b + d)
    c = f[b + "counts"]
    U = f[b + "unit_ids"].shape[0]
    if c.dtype != np.uint32 or c.ndim != 3 or c.shape[1] != U or c.shape[2] != 20:
        bad.append(b + "counts: %s %s" % (c.dtype, c.shape))
    if [d.label for d in c.dims] != ["trial", "unit", "bin"]: bad.append(b + "counts labels")
    if f[b + "bin_edges"].shape != (21,): bad.append(b + "bin_edges shape")
    for w, nb in [("baseline", 8), ("response", 8)]:
        p = "/sessions/%s/IT/pca/%s/" % (k, w)
        for d in pca:
            if p + d not in f: bad.append("missing " + p + d)
        K = f[p + "component"].shape[0]
        if f[p + "components"].shape != (U, K): bad.append(p + "components shape")
        if f[p + "projections"].shape != (21, nb, K): bad.append(p + "projections shape")
        if f[p + "eigenvalues"].shape != (U,): bad.append(p + "eigenvalues shape")
        for a in ["window_start", "window_stop", "samples", "n_samples"]:
            if a not in f[p].attrs: bad.append(p + " attribute " + a)
    for d in ["spectrum", "alpha", "component"]:
        if "/sessions/%s/IT/cvpca/%s" % (k, d) not in f: bad.append("missing cvpca " + d)
    for d in ["loadings", "noise_variance", "shared_fraction", "log_likelihood", "mean"]:
        if "/sessions/%s/IT/fa/%s" % (k, d) not in f: bad.append("missing fa " + d)
    if f["/sessions/%s/IT/fa/loadings" % k].shape != (U, 3): bad.append(k + " fa loadings")
    if "shuffles" not in f["/sessions/%s/IT/cvpca" % k].attrs: bad.append(k + " cvpca params")
    if "factors" not in f["/sessions/%s/IT/fa" % k].attrs: bad.append(k + " fa params")
for d in ["id", "name", "status", "rank", "seconds"]:
    if f["/progress/" + d].shape != (84,): bad.append("progress " + d)
def check(name, obj):
    if not isinstance(obj, h5py.Dataset): return
    for a in ["units", "description"]:
        if a not in obj.attrs or (a == "description" and not s(obj.attrs[a])):
            bad.append(name + ": no " + a)
    if obj.dtype.kind == "f" and obj.dtype.itemsize != 8: bad.append(name + ": not float64")
    is_scale = s(obj.attrs.get("CLASS", b"")) == "DIMENSION_SCALE"
    for i, dim in enumerate(obj.dims):
        if not dim.label: bad.append(name + ": axis %d has no label" % i)
        if not is_scale and len(dim) == 0: bad.append(name + ": axis %d has no scale" % i)
        if len(dim) and dim[0].shape[0] != obj.shape[i]: bad.append(name + ": scale length")
f.visititems(check)
print("OK" if not bad else "\n".join(bad[:40]))
)",
                             {out.string()});
    INFO(report);
    REQUIRE(report == "OK\n");
}

TEST_CASE("IT job counts equal numpy searchsorted on the NWB spikes and PCA and FA match numpy and "
          "scikit-learn on those counts",
          "[e2e]") {
    TempDir tmp("run-it-values");
    auto out = it_results(tmp);
    // Reference: docs/ANALYSES.md §1 (searchsorted, side='left', edges (event + start) + k*width)
    // and §2 (covariance eigenvalues, PR, sklearn FactorAnalysis) on three sessions.
    auto report = run_python(R"(import sys, h5py, numpy as np
from sklearn.decomposition import FactorAnalysis
f = h5py.File(sys.argv[1], "r")
def s(x): return x.decode() if isinstance(x, bytes) else str(x)
keys = [s(k) for k in f["/inventory/sessions/key"][...]]
files = [s(k) for k in f["/inventory/sessions/file"][...]]
bad = []
worst = {"eig": 0.0, "pr": 0.0, "fa": 0.0}
for key, path in list(zip(keys, files))[:3]:
    nwb = h5py.File(path, "r")
    st = nwb["/units/spike_times"][...]
    end = nwb["/units/spike_times_index"][...].astype(np.int64)
    begin = np.concatenate([[0], end[:-1]])
    ev = nwb["/intervals/trials/stim_on_time"][...]
    lab = ["%s|%s" % (s(a), s(b)) for a, b in zip(nwb["/intervals/trials/stimulus_ID"][...],
                                                  nwb["/intervals/trials/stimulus_position"][...])]
    g = f["/binned/%s/IT" % key]
    keep = g["trial_index"][...]
    counts = np.zeros((len(keep), len(end), 20), dtype=np.uint32)
    for j, t in enumerate(keep):
        edges = (ev[t] + (-0.5)) + np.arange(21) * 0.05
        for u in range(len(end)):
            c = np.searchsorted(st[begin[u]:end[u]], edges, side="left")
            counts[j, u] = np.diff(c)
    if not np.array_equal(counts, g["counts"][...]): bad.append(key + ": counts differ")
    if [s(x) for x in g["conditions"][...]] != [lab[t] for t in keep]:
        bad.append(key + ": condition labels differ")
    X = g["counts"][...].astype(np.float64)
    conds = sorted(set(lab[t] for t in keep))
    labels = np.array([lab[t] for t in keep])
    for w in ["baseline", "response"]:
        p = f["/sessions/%s/IT/pca/%s" % (key, w)]
        b0, nb = int(p.attrs["first_bin"]), int(p.attrs["n_bins"])
        cm = np.stack([X[labels == c][:, :, b0:b0 + nb].mean(axis=0).T for c in conds])
        samples = cm.reshape(-1, X.shape[1])
        ev_ref = np.sort(np.clip(np.linalg.eigvalsh(np.cov(samples, rowvar=False)), 0, None))[::-1]
        ours = p["eigenvalues"][...]
        scale = max(ev_ref[0], 1e-300)
        worst["eig"] = max(worst["eig"], float(np.max(np.abs(ours - ev_ref)) / scale))
        pr_ref = ev_ref.sum() ** 2 / (ev_ref ** 2).sum()
        worst["pr"] = max(worst["pr"], abs(float(p["participation_ratio"][()]) - pr_ref) / pr_ref)
    fa = f["/sessions/%s/IT/fa" % key]
    b0, nb = int(fa.attrs["first_bin"]), int(fa.attrs["n_bins"])
    sums = X[:, :, b0:b0 + nb].sum(axis=2)
    ref = FactorAnalysis(n_components=3, tol=0.01, max_iter=1000, svd_method="lapack").fit(sums)
    worst["fa"] = max(worst["fa"], abs(float(fa["log_likelihood"][()]) - ref.loglike_[-1]))
print(" ".join(bad) if bad else "OK", worst["eig"], worst["pr"], worst["fa"])
)",
                             {out.string()});
    INFO(report);
    REQUIRE(report.substr(0, 3) == "OK ");
    auto worst = parse_doubles(report.substr(3));
    REQUIRE(worst.size() == 3);
    // Eigenvalues and PR: the same covariance in double; two eigen-solvers (Eigen's QR vs
    // LAPACK's) agree to ~1e-13 of the largest eigenvalue on these 4-11 unit covariances.
    CHECK(worst[0] < 1e-9);
    CHECK(worst[1] < 1e-9);
    // FA log-likelihood: both stop when an EM step gains less than tol = 0.01, so two
    // implementations that stop one iteration apart differ by less than tol.
    CHECK(worst[2] < 0.01);
}
