// `neuropop run` with [geometry]: RDMs, RDM comparisons and few-shot manifold geometry per
// window, checked against a numpy/scipy/scikit-learn reference written from docs/ANALYSES.md §4 on
// real IT sessions, against the generator's ground truth (which regions encode the stimulus),
// for the calibration of the label-permutation test, and for rank independence.

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "tests/e2e/run_helpers.hpp"

namespace t = neuropop::test;

namespace {

// The numpy reference: recomputes from /binned/<session>/<region> (counts and trials columns)
// the condition labels, euclidean / correlation RDMs, crossnobis with the stored folds and
// scikit-learn's ledoit_wolf on each fold's training residuals (shrinkage: the folds' mean δ),
// spearman / kendall tau-a / cosine (scipy), and every manifold quantity from numpy
// eigendecompositions; prints "name max-error" lines (relative to the largest reference value,
// absolute for correlations and probabilities) and "BAD ..." lines. argv: results file, region,
// condition sets, windows (name:start:stop), model columns.
const char* reference_script = R"PY(import sys, h5py, numpy as np
from scipy import stats, special
from sklearn.covariance import ledoit_wolf

def s(x):
    return x.decode() if isinstance(x, bytes) else str(x)

path, region = sys.argv[1], sys.argv[2]
sets = [c.split("*") for c in sys.argv[3].split(",")]
windows = [(w.split(":")[0], float(w.split(":")[1]), float(w.split(":")[2])) for w in sys.argv[4].split(",")]
model_cols = sys.argv[5].split(",")
f = h5py.File(path, "r")
err = {}
def note(name, got, want, kind="rel"):
    got = np.asarray(got, float); want = np.asarray(want, float)
    if got.shape != want.shape:
        err[name] = float("inf"); return
    if not np.array_equal(np.isnan(got), np.isnan(want)):
        err[name] = float("inf"); return
    m = ~np.isnan(want)
    if not m.any(): err.setdefault(name, 0.0); return
    scale = np.abs(want[m]).max() if kind == "rel" else 1.0
    e = np.abs(got[m] - want[m]).max() / max(scale, 1e-300)
    err[name] = max(err.get(name, 0.0), e)
bad = []
def tau_a(a, b):
    n = len(a); sa = np.sign(a[:, None] - a[None, :]); sb = np.sign(b[:, None] - b[None, :])
    return np.triu(sa * sb, 1).sum() / (n * (n - 1) / 2)
H = lambda x: 0.5 * special.erfc(x / np.sqrt(2))
for sess in f["sessions"]:
    b = f["/binned/%s/%s" % (sess, region)]
    counts = b["counts"][()].astype(float)
    edges = b["bin_edges"][()]
    cols = {n: [s(v) if not isinstance(v, (float, np.floating)) else repr(float(v)) for v in b["trials"][n][()]] for n in b["trials"]}
    T = counts.shape[0]
    for columns in sets:
        sg = f["/sessions/%s/%s/geometry/%s" % (sess, region, "_x_".join(columns))]
        lab = ["|".join(cols[c][t] for c in columns) for t in range(T)]
        conds = sorted(set(lab)); K = len(conds)
        idx = np.array([conds.index(l) for l in lab])
        if not np.array_equal(sg["trial_condition"][()], idx): bad.append("trial_condition " + sess)
        folds = sg["crossnobis_folds"][()]
        F = folds.max() + 1
        for k in range(K):
            for fo in range(F):
                if not ((idx == k) & (folds == fo)).any(): bad.append("fold %d lacks condition %d" % (fo, k))
        models = []
        for m in model_cols:
            v = {}
            ok = True
            for t in range(T):
                if v.setdefault(idx[t], cols[m][t]) != cols[m][t]: ok = False
            if not ok: continue
            v = np.array([v[k] for k in range(K)])
            md = (v[:, None] != v[None, :]).astype(float)
            if len(set(md[np.triu_indices(K, 1)])) < 2: continue
            models.append((m, md))
        for (wname, a, z) in windows:
            g = sg[wname]
            i0 = int(np.argmin(np.abs(edges - a))); i1 = int(np.argmin(np.abs(edges - z)))
            X = counts[:, :, i0:i1].sum(2)
            P, N = X.shape
            if [s(x) for x in g["condition_labels"][()]] != conds: bad.append("labels")
            note("n_trials", g["n_trials"][()], [np.sum(idx == k) for k in range(K)])
            mu = np.array([X[idx == k].mean(0) for k in range(K)])
            eu = ((mu[:, None, :] - mu[None, :, :]) ** 2).sum(2) / N
            note("euclidean", g["rdm_euclidean"][()], eu)
            with np.errstate(all="ignore"):
                corr = 1 - np.corrcoef(mu)
            np.fill_diagonal(corr, 0.0)
            note("correlation", g["rdm_correlation"][()], corr)
            d = np.zeros((K, K)); deltas = []
            for fo in range(F):
                tr = folds != fo
                A = np.array([X[(idx == k) & tr].mean(0) for k in range(K)])
                B = np.array([X[(idx == k) & ~tr].mean(0) for k in range(K)])
                # noise precision per fold from the training trials only (kernels/crossnobis.hpp)
                cov, delta = ledoit_wolf(X[tr] - A[idx[tr]]); deltas.append(delta)
                Pt = tr.sum()
                lam_inv = np.linalg.inv(cov * Pt / (Pt - K))
                M = A @ lam_inv @ B.T
                dg = np.diag(M)
                d += dg[:, None] + dg[None, :] - M - M.T
            d /= F * N
            np.fill_diagonal(d, 0.0)
            note("crossnobis", g["rdm_crossnobis"][()], d)
            note("shrinkage", g.attrs["shrinkage"], np.mean(deltas))
            names = [s(x) for x in g["model_names"][()]]
            if names != [m for m, _ in models]: bad.append("model names %s vs %s" % (names, [m for m, _ in models]))
            else:
                note("models", g["models"][()], np.array([md for _, md in models]).reshape(len(models), K, K), "abs")
                iu = np.triu_indices(K, 1)
                rdms = {"euclidean": eu, "correlation": corr, "crossnobis": d}
                rn = [s(x) for x in g["rdm_names"][()]]
                want = np.zeros((len(rn), len(models), 3))
                for r, nm in enumerate(rn):
                    for mi, (_, md) in enumerate(models):
                        x, y = rdms[nm][iu], md[iu]
                        want[r, mi] = [stats.spearmanr(x, y).correlation, tau_a(x, y), x @ y / np.sqrt((x @ x) * (y @ y))]
                note("comparison", g["comparison"][()], want, "abs")
                pv = g["comparison_p"][()]; Bp = g.attrs["permutations"]
                if not (np.all(pv >= 1 / (Bp + 1) - 1e-15) and np.all(pv <= 1)): bad.append("p range")
            mg = g["manifold"]
            shots = mg["shots"][()]
            R2 = np.zeros(K); D = np.zeros(K); Ds = np.zeros(K); eig = []
            for k in range(K):
                Xk = X[idx == k]
                C = np.cov(Xk.T, ddof=1).reshape(N, N)
                lam, U = np.linalg.eigh(C); lam = np.clip(lam, 0, None)
                eig.append((lam, U, Xk.mean(0)))
                R2[k] = lam.sum(); D[k] = R2[k] ** 2 / (lam ** 2).sum()
                CA = np.cov(Xk[0::2].T, ddof=1).reshape(N, N); CB = np.cov(Xk[1::2].T, ddof=1).reshape(N, N)
                Ds[k] = R2[k] ** 2 / np.trace(CA @ CB)
            note("radius2", mg["radius2"][()], R2); note("dimension", mg["dimension"][()], D)
            note("dimension_split", mg["dimension_split"][()], Ds)
            Q = {n: np.full((K, K), np.nan) for n in ["signal", "bias", "csa", "csb", "ss"]}
            pred = np.full((K, K, len(shots)), np.nan); preds = pred.copy()
            for a_ in range(K):
                la, Ua, xa = eig[a_]
                for b_ in range(K):
                    if a_ == b_: continue
                    lb, Ub, xb = eig[b_]
                    dx = (xa - xb) / np.sqrt(R2[a_]); sig = dx @ dx; u = dx / np.sqrt(sig)
                    Q["signal"][a_, b_] = sig; Q["bias"][a_, b_] = R2[b_] / R2[a_] - 1
                    Q["csa"][a_, b_] = (la * (Ua.T @ u) ** 2).sum() / la.sum()
                    Q["csb"][a_, b_] = (lb * (Ub.T @ u) ** 2).sum() / la.sum()
                    Q["ss"][a_, b_] = (la[:, None] * lb[None, :] * (Ua.T @ Ub) ** 2).sum() / la.sum() ** 2
                    for si, m in enumerate(shots):
                        for out, dims in [(pred, D), (preds, Ds)]:
                            mean = 0.5 * sig + 0.5 * Q["bias"][a_, b_] / m
                            n2 = (1 / (dims[a_] * m) + 1 / (2 * dims[a_] * m * m) + (R2[b_] / R2[a_]) / (2 * dims[b_] * m * m)
                                  + Q["csa"][a_, b_] * sig + Q["csb"][a_, b_] * sig / m + Q["ss"][a_, b_] / m)
                            out[a_, b_, si] = H(mean / np.sqrt(n2))
            for n in Q: note(n, mg[n][()], Q[n])
            note("predicted_error", mg["predicted_error"][()], pred, "abs")
            note("predicted_error_split_half", mg["predicted_error_split_half"][()], preds, "abs")
            emp = mg["empirical_error"][()]
            off = ~np.eye(K, dtype=bool)
            if not (np.all(np.isnan(emp[~off])) and np.all((emp[off] >= 0) & (emp[off] <= 1))): bad.append("empirical range")
for k in sorted(err): print(k, "%.3e" % err[k])
for x in bad: print("BAD", x)
)PY";

std::map<std::string, double> run_reference(const std::filesystem::path& results,
                                            const std::string& region, const std::string& sets,
                                            const std::string& windows, const std::string& models,
                                            std::string& bad) {
    const auto out =
        t::run_python(reference_script, {results.string(), region, sets, windows, models});
    std::map<std::string, double> errors;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("BAD", 0) == 0) {
            bad += line + "\n";
            continue;
        }
        std::istringstream l(line);
        std::string name;
        double e = 0;
        if (l >> name >> e) errors[name] = e;
    }
    return errors;
}

std::string it_file(int session) {
    return (t::it_sessions_dir() / ("zhang-desimone-it-" + std::to_string(session) + ".nwb"))
        .string();
}

// The IT job on two sessions with only [geometry] (plus its binning); fewer permutations and
// episodes than the job file, which exercise the same code.
t::CommandResult run_it(const std::filesystem::path& out, const std::string& permutations = "100",
                        const std::string& episodes = "10") {
    std::vector<std::string> args{t::run::it_job(),
                                  "--output",
                                  out.string(),
                                  "--quiet",
                                  "--data.sessions",
                                  it_file(1001) + "," + it_file(1002),
                                  "--pca.enabled",
                                  "false",
                                  "--cvpca.enabled",
                                  "false",
                                  "--fa.enabled",
                                  "false",
                                  "--decode.enabled",
                                  "false",
                                  "--pseudo.enabled",
                                  "false",
                                  "--geometry.permutations",
                                  permutations,
                                  "--geometry.episodes",
                                  episodes};
    return t::run::neuropop_run(0, args);
}

// Sessions of regions A (encodes the stimulus) and B (does not), 6 stimuli x 2 control levels
// = 12 conditions of trials / 12 trials each.
void generate(const t::TempDir& dir, int sessions, int trials, int seed) {
    auto r = t::run_command(t::shell_quote(t::binary().string()) + " generate --out " +
                            t::shell_quote((dir / "data").string()) + " --sessions " +
                            std::to_string(sessions) +
                            " --regions A,B --encoding-regions A --units 40 --conditions 6"
                            " --control-levels 2 --quiet --trials " +
                            std::to_string(trials) + " --seed " + std::to_string(seed));
    REQUIRE(r.exit_code == 0);
}

void write_job(const t::TempDir& dir, int permutations, const std::string& extra = "") {
    std::ofstream(dir / "job.ini") << t::generated_job_head
                                   << "[geometry]\nenabled = true\nconditions = stimulus*control\n"
                                      "windows = baseline:-0.2:0, response:0:0.6\n"
                                      "models = stimulus, control\nepisodes = 5\npermutations = "
                                   << permutations << "\n"
                                   << extra;
}

} // namespace

TEST_CASE("geometry on real IT sessions equals a numpy reference", "[e2e][geometry]") {
    t::TempDir tmp("geometry-it");
    const auto out = tmp / "it.h5";
    const auto r = run_it(out);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::string bad;
    const auto errors =
        run_reference(out, "IT", "stimulus_ID,stimulus_ID*stimulus_position",
                      "baseline:-0.4:0,response:0.1:0.5", "stimulus_ID,stimulus_position", bad);
    INFO(bad);
    CHECK(bad.empty());
    for (const auto& [name, e] : errors)
        INFO(name << " " << e);
    // Every quantity must have been compared (a missing one means a missing dataset).
    for (const char* name :
         {"n_trials", "euclidean", "correlation", "crossnobis", "shrinkage", "models", "comparison",
          "radius2", "dimension", "dimension_split", "signal", "bias", "csa", "csb", "ss",
          "predicted_error", "predicted_error_split_half"}) {
        INFO(name);
        REQUIRE(errors.count(name) == 1);
    }
    // Condition means and their distances are a few sums of integer counts: only summation
    // order differs from numpy, ~1e-15 relative; 1e-12 (the brief's bound) leaves margin.
    CHECK(errors.at("euclidean") < 1e-12);
    CHECK(errors.at("correlation") < 1e-12);
    CHECK(errors.at("n_trials") == 0.0);
    CHECK(errors.at("models") == 0.0);
    // Crossnobis goes through a Cholesky solve (numpy: an explicit inverse), the manifold
    // quantities through eigendecompositions of covariances with condition numbers below 1e3
    // here: both agree to ~1e-14 (measured); 1e-10 relative is the bound checked.
    for (const char* name :
         {"crossnobis", "shrinkage", "comparison", "radius2", "dimension", "dimension_split",
          "signal", "bias", "csa", "csb", "ss", "predicted_error", "predicted_error_split_half"}) {
        INFO(name << " " << errors.at(name));
        CHECK(errors.at(name) < 1e-10);
    }
}

TEST_CASE("geometry results are self-describing and record excluded models", "[e2e][geometry]") {
    t::TempDir tmp("geometry-schema");
    const auto out = tmp / "it.h5";
    const auto r = run_it(out, "0", "0");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto report = t::run_python(R"(import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
bad = []
s = lambda x: x.decode() if isinstance(x, bytes) else str(x)
for k in ["zhang-desimone-it-1001", "zhang-desimone-it-1002"]:
    for st, K, M in [("stimulus_ID", 7, 0), ("stimulus_ID_x_stimulus_position", 21, 2)]:
        for w in ["baseline", "response"]:
            g = f["/sessions/%s/IT/geometry/%s/%s" % (k, st, w)]
            for a in ["description", "columns", "window", "window_start", "window_stop", "n_units",
                      "n_trials", "folds", "shrinkage", "permutations", "episodes"]:
                if a not in g.attrs: bad.append(g.name + " attribute " + a)
            for d, shape in [("condition_labels", (K,)), ("n_trials", (K,)), ("rdm_euclidean", (K, K)),
                             ("rdm_correlation", (K, K)), ("rdm_crossnobis", (K, K)), ("rdm_names", (3,)),
                             ("model_names", (M,)), ("method_names", (3,)), ("models", (M, K, K)),
                             ("comparison", (3, M, 3)), ("comparison_p", (3, M, 3)),
                             ("manifold/shots", (4,)), ("manifold/radius2", (K,)),
                             ("manifold/dimension", (K,)), ("manifold/dimension_split", (K,)),
                             ("manifold/signal", (K, K)), ("manifold/bias", (K, K)), ("manifold/csa", (K, K)),
                             ("manifold/csb", (K, K)), ("manifold/ss", (K, K)),
                             ("manifold/predicted_error", (K, K, 4)), ("manifold/empirical_error", (K, K, 4))]:
                if d not in g: bad.append("missing " + g.name + "/" + d); continue
                if g[d].shape != shape: bad.append("%s/%s shape %s" % (g.name, d, g[d].shape))
            if "divided by the number of units" not in s(g["rdm_euclidean"].attrs["description"]): bad.append("euclidean description")
            if "divided by the number of units" not in s(g["rdm_crossnobis"].attrs["description"]): bad.append("crossnobis description")
            if [d.label for d in g["comparison"].dims] != ["rdm", "model", "method"]: bad.append("comparison labels")
            if [d.label for d in g["manifold/predicted_error"].dims] != ["condition", "condition", "shot"]: bad.append("error labels")
            if not np.all(np.isnan(g["comparison_p"][()])): bad.append("p without permutations")
            if not np.all(np.isnan(g["manifold/empirical_error"][()])): bad.append("empirical without episodes")
            ex = [s(x) for x in g.attrs["models_excluded"]]
            if st == "stimulus_ID" and not (len(ex) == 2 and ex[0].startswith("stimulus_ID:") and ex[1].startswith("stimulus_position:")):
                bad.append("exclusions %s" % ex)
            if st != "stimulus_ID" and ex != ["none"]: bad.append("exclusions %s" % ex)
def check(name, obj):
    if isinstance(obj, h5py.Dataset) and "/geometry/" in obj.name:
        for a in ["units", "description"]:
            if a not in obj.attrs: bad.append(obj.name + " no " + a)
f.visititems(check)
print("\n".join(bad))
)",
                                      {out.string()});
    INFO(report);
    CHECK(report.find_first_not_of(" \n") == std::string::npos);
}

TEST_CASE("geometry on generated data finds the stimulus only where it is encoded, identically "
          "on 1, 2 and 3 ranks",
          "[e2e][geometry][ground-truth]") {
    // Region A's latent depends on the stimulus, B's does not (generator ground truth). With 12
    // conditions the stimulus model's crossnobis correlation in A's response window is reached
    // by a label permutation only when it keeps the 6 stimulus pairs together: a fraction
    // 6! 2^6 / 12! = 1e-4, so p is the smallest possible value (1 + 0) / (1 + 200) unless the
    // encoding is lost. B's p is a draw from (nearly) uniform: fixed seeds, so deterministic; at
    // 200 permutations p > 0.05 holds for a uniform p with probability 0.95.
    t::TempDir dir("geometry-generated");
    generate(dir, 1, 360, 3);
    write_job(dir, 200);
    std::filesystem::path outputs[3];
    for (int np : {1, 2, 3}) {
        outputs[np - 1] = dir / ("results-" + std::to_string(np) + ".h5");
        auto r = t::run::neuropop_run(
            np, {(dir / "job.ini").string(), "--quiet", "--output", outputs[np - 1].string()});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    const auto out = t::run_python(R"(import sys, h5py
f = h5py.File(sys.argv[1], "r")
(s,) = list(f["sessions"])
for region in ["A", "B"]:
    g = f["sessions/%s/%s/geometry/stimulus_x_control/response" % (s, region)]
    names = [n.decode() if isinstance(n, bytes) else n for n in g["model_names"][()]]
    rdms = [n.decode() if isinstance(n, bytes) else n for n in g["rdm_names"][()]]
    p = g["comparison_p"][rdms.index("crossnobis"), names.index("stimulus"), 0]
    r = g["comparison"][rdms.index("crossnobis"), names.index("stimulus"), 0]
    print(region, p, r)
)",
                                   {outputs[0].string()});
    INFO(out);
    std::istringstream in(out);
    std::string region;
    double p_a = 0, r_a = 0, p_b = 0, r_b = 0;
    in >> region >> p_a >> r_a >> region >> p_b >> r_b;
    CHECK(p_a == Approx(1.0 / 201.0).epsilon(1e-12)); // the smallest p of 200 permutations
    CHECK(r_a > 0.3); // spearman with a binary model is bounded well below 1
    CHECK(p_b > 0.05);
    // Ranks change only where items run: the results below /sessions are byte-identical.
    for (int np : {2, 3}) {
        std::string report;
        const int rc = t::run::h5diff(outputs[0], outputs[np - 1], "/sessions", report);
        INFO(np << " ranks: " << report);
        CHECK(rc == 0);
    }
    CHECK(t::run::count_datasets(outputs[0], "/sessions") > 40);
}

TEST_CASE("geometry permutation p values are calibrated under the null", "[e2e][geometry]") {
    // Null cases from the generator's ground truth: region B (no stimulus information) in both
    // windows, and region A before stimulus onset (baseline rates only), in 10 sessions: 30
    // independent p values of the crossnobis-vs-stimulus spearman comparison (independent units
    // and spikes per session and region). Calibrated p values are uniform on the permutation
    // grid, so #{p < 0.05} ~ Binomial(30, 0.05): P(>= 6) = 0.003 is the bound used; and their
    // mean is 0.5 with sd 0.29 / sqrt(30) = 0.053: within 0.5 +- 0.2 (3.8 sd). The encoding
    // window (A, response) must be significant in every session.
    t::TempDir dir("geometry-calibration");
    generate(dir, 10, 240, 11);
    write_job(dir, 200);
    auto r = t::run::neuropop_run(0, {(dir / "job.ini").string(), "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto out = t::run_python(R"(import sys, h5py
f = h5py.File(sys.argv[1], "r")
null, enc = [], []
for s in f["sessions"]:
    for region, w in [("B", "baseline"), ("B", "response"), ("A", "baseline"), ("A", "response")]:
        g = f["sessions/%s/%s/geometry/stimulus_x_control/%s" % (s, region, w)]
        names = [n.decode() if isinstance(n, bytes) else n for n in g["model_names"][()]]
        rdms = [n.decode() if isinstance(n, bytes) else n for n in g["rdm_names"][()]]
        p = g["comparison_p"][rdms.index("crossnobis"), names.index("stimulus"), 0]
        (enc if (region, w) == ("A", "response") else null).append(p)
print(len(null), sum(p < 0.05 for p in null), sum(null) / len(null), len(enc), max(enc))
)",
                                   {(dir / "results.h5").string()});
    INFO(out);
    std::istringstream in(out);
    double n_null = 0, below = 0, mean = 0, n_enc = 0, max_enc = 0;
    in >> n_null >> below >> mean >> n_enc >> max_enc;
    CHECK(n_null == 30);
    CHECK(below <= 5);
    CHECK(mean > 0.3);
    CHECK(mean < 0.7);
    CHECK(n_enc == 10);
    CHECK(max_enc < 0.05);
}

TEST_CASE("bad geometry input stops the job before any work, one line each", "[e2e][geometry]") {
    t::TempDir dir("geometry-bad");
    generate(dir, 1, 144, 5); // 12 conditions of 12 trials
    write_job(dir, 0);
    std::ofstream(dir / "wrong_size.csv") << "# three conditions, not twelve\nm, 1, 2, 3\n";
    std::ofstream(dir / "not_a_number.csv") << "m, 1, x, 3\n";
    struct Case {
        std::vector<std::string> flags;
        std::string expected; // a fragment of the one problem line
    };
    const std::vector<Case> cases{
        {{"--geometry.conditions", "stimulus*colour"},
         "no column 'colour' for geometry.conditions"},
        {{"--geometry.models", "stimulus_ID"}, "no column 'stimulus_ID' for geometry.models"},
        // control does not fit the set 'stimulus' (it varies within each stimulus).
        {{"--geometry.conditions", "stimulus", "--geometry.models", "control"},
         "geometry.models: column 'control' gives no usable model RDM"},
        {{"--geometry.model_file", (dir / "wrong_size.csv").string()},
         "wrong_size.csv: models of 3 values are RDMs of 3 conditions, but the condition sets "
         "have 12"},
        {{"--geometry.model_file", (dir / "not_a_number.csv").string()},
         "not_a_number.csv: line 1: value 2 ('x') of model 'm' is not a finite number"},
        {{"--geometry.shots", "1,12"}, "fewer than 13 aligned trials"},
        {{"--geometry.folds", "13", "--geometry.shots", "1"}, "fewer than 13 aligned trials"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> args{(dir / "job.ini").string(), "--quiet"};
        args.insert(args.end(), c.flags.begin(), c.flags.end());
        const auto r = t::run::neuropop_run(0, args);
        INFO(c.expected << "\n" << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(c.expected) != std::string::npos);
        CHECK(r.err.find("1 problem") != std::string::npos); // exactly one line of problems
        CHECK(!std::filesystem::exists(dir / "results.h5")); // nothing ran
    }
    // One condition only: the generator always writes 2 or more control levels, so the test
    // overwrites the column of its file with one value.
    t::run_python(R"(import sys, glob, h5py
(nwb,) = glob.glob(sys.argv[1] + "/data/*.nwb")
with h5py.File(nwb, "r+") as f:
    c = f["intervals/trials/control"]
    c[...] = ["ctl_0"] * c.shape[0]
)",
                  {dir.path().string()});
    const auto r = t::run::neuropop_run(
        0, {(dir / "job.ini").string(), "--quiet", "--geometry.conditions", "control"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("set 'control' has one condition ('ctl_0')") != std::string::npos);
    CHECK(r.err.find("1 problem") != std::string::npos);
    CHECK(!std::filesystem::exists(dir / "results.h5"));
}
