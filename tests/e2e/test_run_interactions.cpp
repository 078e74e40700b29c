// [interactions] through the binary on generated sessions with a known channel
// (docs/ANALYSES.md §7): the optimal dimension of VISp -> CA1 equals the generator's channel
// rank, the within-area dimension is higher, an independent pair gives 0; the rank and ridge
// curves equal a numpy / scikit-learn computation on the binned counts the run stored; the
// schema (units, descriptions, labelled axes) and the cross-session summary.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "tests/e2e/run_helpers.hpp"

namespace t = neuropop::test;

namespace {

// VISp (d = 3) drives CA1 (d = 6) through a rank-3 channel; LGd (d = 3) is independent of both.
// One raised-cosine bump over the 0.5 s response, baselines around 60 Hz: the parameters of
// tests/unit/test_generator_channels.cpp (the optimal dimension was 3 in 19 of 20 seeds there;
// seed 4 is one where it is 3 in both sessions).
void generate(const t::TempDir& dir) {
    auto r = t::run_command(
        t::shell_quote(t::binary().string()) + " generate --out " +
        t::shell_quote((dir / "data").string()) +
        " --sessions 2 --subjects 2 --regions VISp,CA1,LGd --encoding-regions VISp"
        " --latent-dim 3,6,3 --channel-rank 'VISp>CA1:3:1.5' --units 50 --trials 600"
        " --conditions 4 --temporal-basis 1 --duration-per-trial 0.55 --pre-stimulus 0.05"
        " --inter-trial 0.05 --baseline-median 60 --baseline-log-sd 0.3 --modulation 0.5"
        " --latent-noise 1.0 --quiet --seed 4");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
}

void write_job(const t::TempDir& dir) {
    std::ofstream(dir / "job.ini") << "[data]\nsessions = data\n"
                                      "[align]\nevent = stim_on_time\nstart = 0\nstop = 0.5\n"
                                      "bin_width = 0.05\n"
                                      "[conditions]\ncolumns = stimulus\n"
                                      "[output]\npath = results.h5\n"
                                      "[pca]\nenabled = false\n[cvpca]\nenabled = false\n"
                                      "[fa]\nenabled = false\n"
                                      "[interactions]\nenabled = true\n"
                                      "pairs = VISp>CA1, VISp>LGd\n"
                                      "window = response:0:0.5\nranks = 8\n"
                                      "permutations = 19\n";
}

} // namespace

TEST_CASE("interactions on generated sessions recover the channel rank and match numpy",
          "[e2e][interactions]") {
    t::TempDir dir("interactions");
    generate(dir);
    write_job(dir);
    auto r = t::run::neuropop_run(0, {(dir / "job.ini").string(), "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    // Truth and recovered dimensions per session and pair, the schema, the summary; then
    // numpy / scikit-learn on the counts /binned holds: window sums, condition means removed,
    // the stored folds; RRR as the MATLAB pack (B = pinv(Z) Y, V from the PCA of Z B) and ridge
    // with sklearn.linear_model.Ridge on the training-fold z-scored source. Tolerance 1e-10
    // absolute on performances of order 0.1-1: both sides are backward-stable least squares
    // (COD / eigendecomposition here, LAPACK SVD / Cholesky there), agreeing to ~1e-13.
    auto out = t::run_python(R"(import sys, glob, h5py, numpy as np
from sklearn.linear_model import Ridge
d = sys.argv[1]
for nwb in sorted(glob.glob(d + "/data/*.nwb")):
    with h5py.File(nwb, "r") as f:
        ch = f["/scratch/ground_truth/channels"]
        pairs = [p.decode() for p in ch["pair"][()]]
        ranks = dict(zip(pairs, (int(x) for x in ch["channel_rank"][()])))
        assert ranks == {"VISp__CA1": 3}, ranks
with h5py.File(d + "/results.h5", "r") as f:
    sessions = sorted(f["sessions"])
    assert len(sessions) == 2
    for s in sessions:
        g = f["sessions"][s]["interactions"]
        assert sorted(g) == ["VISp__CA1", "VISp__LGd"], sorted(g)
        a, b = g["VISp__CA1"], g["VISp__LGd"]
        print("channel", int(a["optimal_dimension"][()]), int(a["within_area/optimal_dimension"][()]),
              float(a["null/p_value"][()]))
        print("independent", int(b["optimal_dimension"][()]), float(b["peak_performance"][()]),
              float(b["null/p_value"][()]))
        # Schema: units, descriptions, axis labels and scales.
        for name in ["performance", "mean_performance", "sem", "predictive_dimensions",
                     "ridge/performance", "within_area/performance", "null/peak_performance"]:
            ds = a[name]
            assert ds.attrs["units"] and ds.attrs["description"], name
        assert [x.label for x in a["performance"].dims] == ["fold", "rank"]
        assert a["performance"].dims[1][0].name.endswith("/rank")
        assert [x.label for x in a["predictive_dimensions"].dims] == ["source_unit", "dimension"]
        assert a.attrs["source"] == "VISp" and a.attrs["target"] == "CA1"
    sm = f["summary/interactions/VISp__CA1"]
    print("summary", float(sm["mean_optimal_dimension"][()]), float(sm["ci_low"][()]),
          float(sm["ci_high"][()]), float(sm["within_area_mean_optimal_dimension"][()]),
          int(sm.attrs["n_animals"]))
worst = 0.0
with h5py.File(d + "/results.h5", "r") as f:
    for s in sorted(f["sessions"]):
        def sums(region):
            b = f["binned"][s][region]
            return b["counts"][()].sum(axis=2).astype(float), [c.decode() for c in b["conditions"][()]]
        X, cond = sums("VISp"); Y, _ = sums("CA1")
        for lab in set(cond):
            m = np.array([c == lab for c in cond])
            X[m] -= X[m].mean(axis=0); Y[m] -= Y[m].mean(axis=0)
        g = f["sessions"][s]["interactions"]["VISp__CA1"]
        folds = g["trial_fold"][()] - 1
        K = folds.max() + 1
        R = len(g["rank"][()]) - 1
        lambdas = g["ridge/lambda"][()]
        perf = np.zeros((K, R + 1)); rperf = np.zeros((K, len(lambdas)))
        def score(pred, yt):
            return 1 - ((yt - pred) ** 2).sum() / ((yt - yt.mean(axis=0)) ** 2).sum()
        for k in range(K):
            tr, te = folds != k, folds == k
            xm, ym = X[tr].mean(axis=0), Y[tr].mean(axis=0)
            keep = X[tr].std(axis=0, ddof=1) >= np.sqrt(np.finfo(float).eps)
            Z = X[tr][:, keep] - xm[keep]
            B = np.linalg.pinv(Z) @ (Y[tr] - ym)
            w, V = np.linalg.eigh((Z @ B).T @ (Z @ B)); V = V[:, ::-1]
            for m in range(R + 1):
                Bm = B @ V[:, :m] @ V[:, :m].T
                perf[k, m] = score((X[te][:, keep] - xm[keep]) @ Bm + ym, Y[te])
            sd = X[tr][:, keep].std(axis=0, ddof=1)
            Zs = Z / sd; Zt = (X[te][:, keep] - xm[keep]) / sd
            for j, lam in enumerate(lambdas):
                model = Ridge(alpha=lam, fit_intercept=True, solver="svd").fit(Zs, Y[tr])
                rperf[k, j] = score(model.predict(Zt), Y[te])
        worst = max(worst, np.abs(perf - g["performance"][()]).max(),
                    np.abs(rperf - g["ridge/performance"][()]).max())
print("reference", repr(worst))
)",
                             {dir.path().string()});
    INFO(out);
    std::istringstream in(out);
    std::string tag;
    int channel_rows = 0, independent_rows = 0, summaries = 0, references = 0;
    while (in >> tag) {
        if (tag == "channel") {
            int optimal = 0, within = 0;
            double p = 0;
            in >> optimal >> within >> p;
            CHECK(optimal == 3);
            CHECK(within > optimal);
            // 19 permutations: the smallest p possible is 1/20.
            CHECK(p == Approx(0.05));
            ++channel_rows;
        } else if (tag == "independent") {
            int optimal = 0;
            double peak = 0, p = 0;
            in >> optimal >> peak >> p;
            CHECK(optimal == 0);
            CHECK(peak <= 0.0);
            ++independent_rows;
        } else if (tag == "summary") {
            double mean = 0, lo = 0, hi = 0, within = 0;
            int animals = 0;
            in >> mean >> lo >> hi >> within >> animals;
            CHECK(mean == 3.0);
            CHECK(lo == 3.0);
            CHECK(hi == 3.0);
            CHECK(within > 3.0);
            CHECK(animals == 2);
            ++summaries;
        } else if (tag == "reference") {
            double worst = 1;
            in >> worst;
            CHECK(worst <= 1e-10);
            ++references;
        }
    }
    CHECK(channel_rows == 2);
    CHECK(independent_rows == 2);
    CHECK(summaries == 1);
    CHECK(references == 1);
}
