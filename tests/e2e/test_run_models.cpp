// [models] through the binary (docs/ANALYSES.md §8, docs/MODELS.md): the generator's model file
// with known ground truth, a numpy reference on the same data, 1/2/3 ranks byte-identical, bad
// model files, and a small PyTorch network trained in the test.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/e2e/models_reference.hpp"
#include "tests/e2e/run_helpers.hpp"
#include "tests/support/support.hpp"

namespace t = neuropop::test;

namespace {

// Regions A and B encode the stimulus (independent latents: keyed by region name), C does not.
// 48 stimuli x 5 trials; the model file holds independent, latent_A, latent_B, rotated_A,
// rotated_B (kernels/generator_layers.hpp).
void generate(const t::TempDir& dir, int sessions, int subjects, int seed,
              const std::string& extra = "") {
    auto r = t::run_command(
        t::shell_quote(t::binary().string()) + " generate --out " +
        t::shell_quote((dir / "data").string()) + " --sessions " + std::to_string(sessions) +
        " --subjects " + std::to_string(subjects) +
        " --regions A,B,C --encoding-regions A,B --units 40 --conditions 48 --trials 240"
        " --quiet --seed " +
        std::to_string(seed) + " --model-file " + t::shell_quote((dir / "model.h5").string()) +
        " " + extra);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
}

void write_job(const t::TempDir& dir, const std::string& extra = "") {
    std::ofstream(dir / "job.ini") << t::generated_job_head
                                   << "[models]\nenabled = true\nfile = model.h5\n"
                                      "column = stimulus\nwindow = response:0:0.6\n"
                                      "permutations = 50\nbootstrap = 200\nlayers_per_item = 2\n"
                                   << extra;
}

// The numpy reference of every models dataset computed without randomness, from the binned
// counts the results file holds and the model file: plain and debiased CKA (written here from
// the formulas of docs/ANALYSES.md §8, not from the engine's U-centring), and RSA of the
// correlation brain RDM against the Euclidean layer RDM (or, with a third argument
// "correlation", the correlation layer RDM 1 - corrcoef) with Spearman (scipy), Kendall tau-a
// (pair counting) and cosine. Prints the largest absolute difference from the results.
const std::string reference_script = std::string(R"(import sys, h5py, numpy as np
from scipy.stats import spearmanr
res, model = sys.argv[1], sys.argv[2]
layer_rdm = sys.argv[3] if len(sys.argv) > 3 else "euclidean"
f, m = h5py.File(res, "r"), h5py.File(model, "r")
)") + neuropop::test::models_numpy_reference +
                                     R"(def tau_a(a, b):
    n = len(a); s = 0.0
    for i in range(n):
        s += (np.sign(a[i] - a[i + 1:]) * np.sign(b[i] - b[i + 1:])).sum()
    return s / (n * (n - 1) / 2)
def cosine(a, b):
    return a @ b / np.sqrt((a @ a) * (b @ b))
worst, count = 0.0, 0
for s in f["sessions"]:
    for r in f["sessions/" + s]:
        g = f["binned/%s/%s" % (s, r)]
        counts, edges = g["counts"][()].astype(float), g["bin_edges"][()]
        first = int(np.argmin(abs(edges - 0.0))); last = int(np.argmin(abs(edges - 0.6)))
        sums = counts[:, :, first:last].sum(axis=2)
        stim = [dec(x) for x in g["trials/stimulus"][()]]
        used = [i for i, l in enumerate(labels) if sum(1 for x in stim if x == l) >= 2]
        means = np.array([sums[[t for t, x in enumerate(stim) if x == labels[i]]].mean(axis=0)
                          for i in used])
        mg = f["sessions/%s/%s/models" % (s, r)]
        assert [dec(x) for x in mg["stimuli"][()]] == [labels[i] for i in used]
        brain = 1 - np.corrcoef(means)
        worst = max(worst, abs(mg["brain_rdm"][()] - brain).max())
        kb = gram(means)
        for n in order:
            lg = mg["layers/" + n]
            a = acts[n][used]
            kl = gram(a)
            d = ((a[:, None, :] - a[None, :, :]) ** 2).sum(axis=2) / a.shape[1]
            if layer_rdm == "correlation":
                d = 1 - np.corrcoef(a)
            ours = [lg["cka"][()], lg["debiased_cka"][()]] + list(lg["rsa"][()])
            ref = [cka_biased(kb, kl), cka_debiased(kb, kl),
                   spearmanr(upper(brain), upper(d))[0], tau_a(upper(brain), upper(d)),
                   cosine(upper(brain), upper(d))]
            worst = max(worst, max(abs(x - y) for x, y in zip(ours, ref)))
            count += 1
print(worst, count)
)";

std::string summary_text(const std::filesystem::path& results) {
    return t::run_python(R"(import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
dec = lambda v: v.decode() if isinstance(v, bytes) else v
for r in ["A", "B", "C"]:
    g = f["summary/%s/models" % r]
    layers = [dec(x) for x in g["layers"][()]]
    prof = g["profile_debiased_cka"][()]
    print(r, dec(g.attrs["best_layer"]), prof[layers.index("independent")],
          prof[layers.index("latent_A")], prof[layers.index("rotated_A")],
          prof[layers.index("latent_B")], prof[layers.index("rotated_B")],
          g["best_score_ci_sessions"][0], g["best_score_ci_sessions"][1])
)",
                         {results.string()});
}

} // namespace

TEST_CASE("models on generated data: known best layers, a numpy reference, 1/2/3 ranks",
          "[e2e][models][ground-truth]") {
    t::TempDir dir("models-generated");
    generate(dir, 2, 2, 5);
    write_job(dir);
    std::filesystem::path outputs[3];
    for (int np : {1, 2, 3}) {
        outputs[np - 1] = dir / ("results-" + std::to_string(np) + ".h5");
        auto r = t::run::neuropop_run(
            np, {(dir / "job.ini").string(), "--quiet", "--output", outputs[np - 1].string()});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    // Reference: 2 sessions x 3 regions x 5 layers. Tolerance 1e-9: both sides compute the same
    // formulas in double precision on integer-valued sums; what differs is summation order (the
    // engine's blocked Gram and its U-centring vs numpy's matrix products), worth ~1e-14 on
    // these O(1) quantities; the rank statistics see no near-ties among 1 128 continuous
    // distances.
    const auto ref = t::parse_doubles(
        t::run_python(reference_script, {outputs[0].string(), (dir / "model.h5").string()}));
    REQUIRE(ref.size() == 2);
    CHECK(ref[1] == 30);
    CHECK(ref[0] < 1e-9);

    // Ground truth (kernels/generator_layers.hpp): rotated_X is an isometry and scaling of
    // latent_X, so its CKA with any population equals latent_X's (to rounding); each encoding
    // region is closest to its own latent; the independent layer's debiased CKA is near 0.
    const auto text = summary_text(outputs[0]);
    INFO(text);
    std::istringstream in(text);
    for (const std::string region : {"A", "B", "C"}) {
        std::string name, best;
        double indep = 0, la = 0, ra = 0, lb = 0, rb = 0, lo = 0, hi = 0;
        in >> name >> best >> indep >> la >> ra >> lb >> rb >> lo >> hi;
        CHECK(name == region);
        CHECK(la == Approx(ra).margin(1e-9));
        CHECK(lb == Approx(rb).margin(1e-9));
        if (region == "A") {
            CHECK((best == "latent_A" || best == "rotated_A"));
            CHECK(la > lb + 0.2);
        } else if (region == "B") {
            CHECK((best == "latent_B" || best == "rotated_B"));
            CHECK(lb > la + 0.2);
        }
        CHECK(lo <= hi);
        // Independent of every population: the debiased estimator's mean is 0; with 48
        // stimuli it stayed within 0.07 of 0 in every region at seeds 5, 6 and 7 (while plain
        // CKA of the same layer was 0.2 to 0.5): 0.15 leaves room.
        CHECK(std::abs(indep) < 0.15);
    }
    for (int np : {2, 3})
        for (const char* group : {"/sessions", "/summary"}) {
            std::string report;
            const int rc = t::run::h5diff(outputs[0], outputs[np - 1], group, report);
            INFO(np << " ranks, " << group << ": " << report);
            CHECK(rc == 0);
        }

    // The correlation layer RDM (model_layers' per-block symmetric rank-k updates and pooled
    // block means) against numpy's 1 - corrcoef of the activations; same tolerance and reasons.
    const auto corr = dir / "results-correlation.h5";
    auto r = t::run::neuropop_run(1, {(dir / "job.ini").string(), "--quiet", "--output",
                                      corr.string(), "--models.layer_rdm", "correlation"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto corr_ref = t::parse_doubles(t::run_python(
        reference_script, {corr.string(), (dir / "model.h5").string(), "correlation"}));
    REQUIRE(corr_ref.size() == 2);
    CHECK(corr_ref[1] == 30);
    CHECK(corr_ref[0] < 1e-9);
}

TEST_CASE("plain CKA of independent data is biased towards 1, debiased CKA is not, through the "
          "binary",
          "[e2e][models]") {
    // docs/ANALYSES.md §8: n = 50 stimuli, independent representations. The brain side is
    // region C (encodes nothing) with 200 units of one baseline rate and no shared latent noise
    // (--latent-noise 0 --baseline-log-sd 0), so its 50 stimulus means are independent noise
    // over 200 units, as in the Gaussian example; the layer is 200 standard normals per
    // stimulus. Measured here (seed 3): plain 0.78, debiased 0.03 (the Gaussian case: 0.80 and
    // 0). Bounds: plain in [0.7, 0.9], |debiased| < 0.1.
    t::TempDir dir("models-bias");
    auto r = t::run_command(t::shell_quote(t::binary().string()) + " generate --out " +
                            t::shell_quote((dir / "data").string()) +
                            " --sessions 1 --regions A,C --encoding-regions A --units 200"
                            " --conditions 50 --trials 200 --latent-noise 0 --baseline-log-sd 0"
                            " --quiet --seed 3 --model-file " +
                            t::shell_quote((dir / "model.h5").string()));
    REQUIRE(r.exit_code == 0);
    write_job(dir, "layers = independent\nmeasures = cka, debiased_cka\n");
    r = t::run::neuropop_run(0, {(dir / "job.ini").string(), "--quiet", "--data.regions", "C"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto v = t::parse_doubles(t::run_python(R"(import sys, h5py
f = h5py.File(sys.argv[1], "r")
(s,) = list(f["sessions"])
g = f["sessions/%s/C/models/layers/independent" % s]
print(g["cka"][()], g["debiased_cka"][()])
)",
                                                  {(dir / "results.h5").string()}));
    REQUIRE(v.size() == 2);
    INFO("plain " << v[0] << " debiased " << v[1]);
    CHECK(v[0] > 0.7);
    CHECK(v[0] < 0.9);
    CHECK(std::abs(v[1]) < 0.1);
}

TEST_CASE("bad model files stop the job before any work, one line each", "[e2e][models]") {
    t::TempDir dir("models-bad");
    generate(dir, 1, 1, 7);
    write_job(dir);
    struct Case {
        const char* edit; // python editing a copy of model.h5 named bad.h5 (h5py as h5)
        const char* expected;
    };
    const std::vector<Case> cases{
        {"labels = ['stim_%d' % i for i in range(48)]; labels[3] = 'x_9'; del f['stimuli']; "
         "f['stimuli'] = np.array(labels, dtype=h5.string_dtype())",
         "/stimuli: 1 label(s) match no value of trials column 'stimulus' in any session: x_9"},
        {"f['layers/independent/activations'][3, 5] = np.nan",
         "/layers/independent/activations: NaN at stimulus 3, feature 5"},
        {"f['layers/latent_A/activations'][0, 0] = np.inf",
         "/layers/latent_A/activations: infinite value at stimulus 0, feature 0"},
        {"del f['layers/independent/activations']; f['layers/independent/activations'] = "
         "np.ones((48, 1))",
         "/layers/independent/activations: 1 feature(s); a layer needs at least 2"},
        {"del f['layers/independent/activations']; f['layers/independent/activations'] = "
         "np.ones((47, 8))",
         "/layers/independent/activations: 47 rows but /stimuli has 48 labels"},
        {"f['layers'].attrs['order'] = np.array(['independent', 'nope'], "
         "dtype=h5.string_dtype())",
         "/layers: attribute order names 'nope', which is not a layer"},
    };
    // Every broken copy written by one Python process (each start costs seconds on a busy
    // machine), then one job per copy.
    std::string script = "import sys, shutil, h5py as h5, numpy as np\n";
    for (std::size_t i = 0; i < cases.size(); ++i)
        script += "shutil.copy(sys.argv[1] + '/model.h5', sys.argv[1] + '/bad" + std::to_string(i) +
                  ".h5')\nf = h5.File(sys.argv[1] + '/bad" + std::to_string(i) + ".h5', 'r+')\n" +
                  cases[i].edit + "\nf.close()\n";
    t::run_python(script, {dir.path().string()});
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto bad = dir / ("bad" + std::to_string(i) + ".h5");
        const auto r = t::run::neuropop_run(
            0, {(dir / "job.ini").string(), "--quiet", "--models.file", bad.string()});
        INFO(cases[i].expected << "\n" << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find(cases[i].expected) != std::string::npos);
        CHECK(r.err.find(bad.filename().string()) != std::string::npos); // the file is named
        CHECK(r.err.find("1 problem") != std::string::npos);
        CHECK(!std::filesystem::exists(dir / "results.h5"));
    }
    const auto r = t::run::neuropop_run(
        0, {(dir / "job.ini").string(), "--quiet", "--models.file", (dir / "missing.h5").string()});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("missing.h5: : no such file (models.file)") != std::string::npos);
}

TEST_CASE("a small PyTorch network trained on the generator's patterns, compared end to end",
          "[e2e][models][torch]") {
    // A fixed-seed MLP (12 -> 64 -> 32 -> 48) trained for 100 Adam steps on batches of 4 noisy
    // copies of each pattern (about a second of training) to classify the 48 stimuli's latent
    // patterns of region A (latent_A of the generator's model file, the patterns region A's rates
    // are built from). Its hidden layers' activations to the clean patterns are exported through
    // the documented layout (docs/MODELS.md) with forward hooks, and the job compares them with
    // every population. Checks: the export is read, the hidden layers of a network trained on A's
    // patterns are closer to region A than to region C (which encodes nothing) by debiased CKA,
    // and the engine's debiased CKA of each layer equals a numpy computation on the exported
    // arrays. python3-torch (Debian 1.13) is installed by scripts/deps.sh; without it the test
    // fails, so a missing network cannot pass as a compared one.
    t::TempDir dir("models-torch");
    generate(dir, 1, 1, 9);
    // One Python process imports torch (about 10 s on a loaded 2-core machine) and trains.
    const auto out = t::run_python(R"(import sys, h5py, numpy as np
try:
    import torch
except ImportError:
    print("no-torch")
    sys.exit(0)
torch.manual_seed(0)
torch.set_num_threads(1)
src, dst = sys.argv[1], sys.argv[2]
with h5py.File(src, "r") as f:
    stimuli = [s.decode() if isinstance(s, bytes) else s for s in f["stimuli"][()]]
    x = torch.tensor(f["layers/latent_A/activations"][()], dtype=torch.float32)
k, d = x.shape
net = torch.nn.Sequential(torch.nn.Linear(d, 64), torch.nn.ReLU(), torch.nn.Linear(64, 32),
                          torch.nn.ReLU(), torch.nn.Linear(32, k))
opt = torch.optim.Adam(net.parameters(), lr=2e-2)
g = torch.Generator().manual_seed(1)
for step in range(100):
    xb = x.repeat(4, 1) + 0.5 * torch.randn(4 * k, d, generator=g)
    yb = torch.arange(k).repeat(4)
    opt.zero_grad()
    loss = torch.nn.functional.cross_entropy(net(xb), yb)
    loss.backward()
    opt.step()
acts = {}
hooks = [net[i].register_forward_hook(lambda m, i, o, n=name: acts.__setitem__(n, o.detach()))
         for i, name in [(1, "hidden1"), (3, "hidden2"), (4, "logits")]]
with torch.no_grad():
    acc = (net(x).argmax(1) == torch.arange(k)).float().mean().item()
with h5py.File(dst, "w") as f:
    f["stimuli"] = np.array(stimuli, dtype=h5py.string_dtype())
    layers = f.create_group("layers")
    layers.attrs["order"] = np.array(["hidden1", "hidden2", "logits"], dtype=h5py.string_dtype())
    for name, a in acts.items():
        layers.create_dataset(name + "/activations", data=a.flatten(1).numpy().astype(np.float32))
print(acc, float(loss))
)",
                                   {(dir / "model.h5").string(), (dir / "torch.h5").string()});
    INFO(out);
    if (out.find("no-torch") != std::string::npos)
        FAIL("python3-torch is not installed (scripts/deps.sh installs it: apt-get install "
             "python3-torch)");
    const auto trained = t::parse_doubles(out);
    REQUIRE(trained.size() == 2);
    CHECK(trained[0] == 1.0); // the net separates the 48 clean patterns after training
    write_job(dir, "measures = cka, debiased_cka, rsa\n");
    auto r = t::run::neuropop_run(
        0, {(dir / "job.ini").string(), "--quiet", "--models.file", (dir / "torch.h5").string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // The debiased CKA recomputed from the exported arrays (numpy, float64; a second torch
    // import would cost ~10 s on a loaded machine) on the condition means.
    const auto v = t::parse_doubles(
        t::run_python(R"(import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r"); m = h5py.File(sys.argv[2], "r")
dec = lambda v: v.decode() if isinstance(v, bytes) else v
(s,) = list(f["sessions"])
def hsic1(k, l):
    n = k.shape[0]; k = k.copy(); l = l.copy(); np.fill_diagonal(k, 0); np.fill_diagonal(l, 0)
    return (np.trace(k @ l) + k.sum() * l.sum() / ((n - 1) * (n - 2))
            - 2.0 / (n - 2) * k.sum(0) @ l.sum(0)) / (n * (n - 3))
def gram(x):
    x = x - x.mean(0); return x @ x.T
worst, out = 0.0, []
for r in ["A", "C"]:
    g = f["binned/%s/%s" % (s, r)]
    counts, edges = g["counts"][()].astype(float), g["bin_edges"][()]
    a, b = int(np.argmin(abs(edges))), int(np.argmin(abs(edges - 0.6)))
    sums = counts[:, :, a:b].sum(axis=2)
    stim = [dec(x) for x in g["trials/stimulus"][()]]
    labels = [dec(x) for x in f["sessions/%s/%s/models/stimuli" % (s, r)][()]]
    means = np.array([sums[[t for t, x in enumerate(stim) if x == l]].mean(0) for l in labels])
    all_labels = [dec(x) for x in m["stimuli"][()]]
    idx = [all_labels.index(l) for l in labels]
    kb = gram(means)
    for layer in ["hidden1", "hidden2"]:
        kl = gram(m["layers/%s/activations" % layer][()].astype(float)[idx])
        ref = hsic1(kb, kl) / np.sqrt(hsic1(kb, kb) * hsic1(kl, kl))
        ours = f["sessions/%s/%s/models/layers/%s/debiased_cka" % (s, r, layer)][()]
        worst = max(worst, abs(ref - ours)); out.append(ours)
print(worst, *out)
)",
                      {(dir / "results.h5").string(), (dir / "torch.h5").string()}));
    INFO("worst |engine - numpy|, A hidden1, A hidden2, C hidden1, C hidden2");
    REQUIRE(v.size() == 5);
    INFO(v[0] << " " << v[1] << " " << v[2] << " " << v[3] << " " << v[4]);
    // Same formulas in float64 on float32 activations: only summation order differs.
    CHECK(v[0] < 1e-9);
    CHECK(v[1] > v[3] + 0.2);
    CHECK(v[2] > v[4] + 0.2);
}

namespace {

// The numpy reference of the geometry and capacity datasets (models_reference.hpp's
// geometry_numpy_reference) from the binned counts and the model file, on the brain's condition
// means and on each layer's activations of every session, capacity for the first session only.
// Prints the worst relative difference of the deterministic quantities, then per population and
// layer: engine and numpy capacity, engine and numpy fraction at N_c - 1, at N_c, and the
// engine's simulation capacity.
const std::string geometry_reference = std::string(R"(import sys, h5py, numpy as np
from scipy.optimize import nnls, linprog
from scipy.stats import norm
res, model, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
f, m = h5py.File(res, "r"), h5py.File(model, "r")
dec = lambda v: v.decode() if isinstance(v, bytes) else v
labels = [dec(x) for x in m["stimuli"][()]]
rng = np.random.default_rng(7)
)") + neuropop::test::geometry_numpy_reference +
                                       R"(for si, s in enumerate(sorted(f["sessions"])):
    for r in f["sessions/" + s]:
        gb = f["binned/%s/%s" % (s, r)]
        counts, edges = gb["counts"][()].astype(float), gb["bin_edges"][()]
        a, b = int(np.argmin(abs(edges))), int(np.argmin(abs(edges - 0.6)))
        sums = counts[:, :, a:b].sum(axis=2)
        stim = [dec(x) for x in gb["trials/stimulus"][()]]
        cat = [str(int(x)) for x in gb["trials/category"][()]]
        mg = f["sessions/%s/%s/models" % (s, r)]
        used = [dec(x) for x in mg["stimuli"][()]]
        means = np.array([sums[[t for t, x in enumerate(stim) if x == l]].mean(0) for l in used])
        cats = [cat[stim.index(l)] for l in used]
        check(lambda p: mg[p][()], means, cats, si == 0)
        idx = [labels.index(l) for l in used]
        for layer in mg["layers"]:
            lg = mg["layers/" + layer]
            check(lambda p: lg[p][()], m["layers/%s/activations" % layer][()].astype(float)[idx], cats,
                  si == 0)
print(worst)
for row in rows: print(*row)
)";

} // namespace

namespace {

// 2 sessions (2 animals) x regions A (encodes the stimulus) and C, 16 units, 24 stimuli x 4
// trials in 6 classes of 4; the model file's latent_A, rotated_A and independent layers.
void geometry_data(const t::TempDir& dir) {
    auto r = t::run_command(t::shell_quote(t::binary().string()) + " generate --out " +
                            t::shell_quote((dir / "data").string()) +
                            " --sessions 2 --subjects 2 --regions A,C --encoding-regions A"
                            " --units 16 --conditions 24 --trials 96 --quiet --seed 11"
                            " --model-file " +
                            t::shell_quote((dir / "model.h5").string()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    t::add_category((dir / "data").string());
    write_job(dir, "layers = latent_A, rotated_A, independent\n"
                   "measures = debiased_cka, geometry, capacity\nmanifold_column = category\n"
                   "shots = 1, 2, 5\nepisodes = 50\n");
}

} // namespace

TEST_CASE("geometry and manifold capacity of layers and populations: ground truth, 1/2/3 ranks",
          "[e2e][models][geometry]") {
    t::TempDir dir("models-geometry");
    geometry_data(dir);
    std::filesystem::path outputs[3];
    for (int np : {1, 2, 3}) {
        outputs[np - 1] = dir / ("results-" + std::to_string(np) + ".h5");
        // Fewer draws than the defaults keep three runs fast on a busy machine.
        auto r = t::run::neuropop_run(np, {(dir / "job.ini").string(), "--quiet", "--output",
                                           outputs[np - 1].string(), "--models.capacity_samples",
                                           "100", "--models.dichotomies", "50"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    for (int np : {2, 3})
        for (const char* group : {"/sessions", "/summary"}) {
            std::string report;
            const int rc = t::run::h5diff(outputs[0], outputs[np - 1], group, report);
            INFO(np << " ranks, " << group << ": " << report);
            CHECK(rc == 0);
        }

    // Ground truth: rotated_A is a rotation and scaling of latent_A, so every geometry and
    // capacity value is the same (equal Grams up to scale give the same embedding up to scale,
    // and every layer uses the same draws), to rounding; m = 5 is not below the classes' 4
    // stimuli and is left out. Also: the summary's profiles, and the mean-field capacity against
    // the simulation capacity.
    const auto gt = t::run_python(R"(import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
dec = lambda v: v.decode() if isinstance(v, bytes) else v
worst, ratio = 0.0, []
for s in f["sessions"]:
    for r in f["sessions/" + s]:
        m = f["sessions/%s/%s/models" % (s, r)]
        g = m["layers"]
        for path in ["participation_ratio", "geometry/signal", "geometry/bias", "geometry/dimension",
                     "geometry/predicted_error", "geometry/empirical_error", "capacity/capacity",
                     "capacity/radius", "capacity/dimension", "capacity/simulation_capacity"]:
            a, b = np.asarray(g["latent_A/" + path][()]), np.asarray(g["rotated_A/" + path][()])
            worst = max(worst, np.nanmax(abs(a - b) / np.maximum(1.0, abs(a))))
        shots = list(g["latent_A/geometry/shots"][()])
        for c in [m["capacity"]] + [g[l]["capacity"] for l in g]:
            ratio.append(c["capacity"][()] / c["simulation_capacity"][()])
sm = f["summary/A/models"]
print(worst, len(shots), len(sm["profile_capacity"][()]), sm["population_mean_capacity"][()],
      int(dec(sm.attrs["best_layer"]) in ("latent_A", "rotated_A")), min(ratio), max(ratio))
)",
                                  {outputs[0].string()});
    INFO(gt);
    const auto g = t::parse_doubles(gt);
    REQUIRE(g.size() == 7);
    CHECK(g[0] < 1e-6);
    CHECK(g[1] == 2);
    CHECK(g[2] == 3);
    CHECK(g[3] > 0);
    CHECK(g[4] == 1); // the comparison measures still choose region A's own latent
    // Mean-field vs simulation capacity: with P = 6 classes the simulated alpha = 6 / N_c moves
    // in steps of ~8 % (N_c = 12 ... 14 here) and finite P biases it; measured ratios 1.0-1.17
    // at seed 11: within 25 %.
    CHECK(g[5] > 0.75);
    CHECK(g[6] < 1.25);
}

TEST_CASE("geometry and manifold capacity of layers and populations against numpy",
          "[e2e][models][geometry]") {
    t::TempDir dir("models-geometry-ref");
    geometry_data(dir);
    // Without the centre decorrelation (its port is the kernel's unit test's business) and with
    // 1000 samples per manifold on both sides.
    const auto out = dir / "results.h5";
    auto r = t::run::neuropop_run(0, {(dir / "job.ini").string(), "--quiet",
                                      "--models.centre_decorrelation", "false",
                                      "--models.capacity_samples", "1000"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto text =
        t::run_python(geometry_reference, {out.string(), (dir / "model.h5").string(), "1000"});
    INFO(text);
    const auto v = t::parse_doubles(text);
    // The first session's 2 regions x (population + 3 layers) rows of 7 numbers after the worst.
    REQUIRE(v.size() == 1 + 8 * 7);
    // Participation ratios and few-shot quantities: the same formulas in double precision, only
    // summation orders differ (and the layers' isometric embedding): 1e-8 relative.
    CHECK(v[0] < 1e-8);
    for (std::size_t i = 0; i < 8; ++i) {
        const double* row = &v[1 + 7 * i];
        INFO("row " << i << ": capacity " << row[0] << " vs " << row[1] << "; fraction at N_c - 1 "
                    << row[2] << " vs " << row[3] << ", at N_c " << row[4] << " vs " << row[5]);
        // Independent draws of 1000 samples per manifold, 6 manifolds: differences up to 4.5 %
        // were seen over 16 groups (relative standard error of a difference ~2 %): 8 %.
        CHECK(row[0] == Approx(row[1]).epsilon(0.08));
        // Separable fractions of 100 dichotomies each: the standard deviation of a difference
        // of two independent estimates is at most 0.071; 0.25 is 3.5 of them.
        CHECK(std::abs(row[2] - row[3]) <= 0.25);
        CHECK(std::abs(row[4] - row[5]) <= 0.25);
        // The engine's bisection rule: below half at N_c - 1, at least half at N_c.
        CHECK(row[2] < 0.5);
        CHECK(row[4] >= 0.5);
    }
}

TEST_CASE("generate --model-file leaves the NWB files unchanged", "[e2e][models][generate]") {
    // The files carry their wall-clock creation date (/file_create_date), so two runs differ
    // there and nowhere else; h5diff without tolerance over everything but that path.
    t::TempDir dir("models-generate-same");
    const auto gen = [&](const std::string& out, const std::string& extra) {
        auto r = t::run_command(t::shell_quote(t::binary().string()) + " generate --out " +
                                t::shell_quote((dir / out).string()) +
                                " --sessions 2 --units 10 --trials 40 --quiet --seed 4" + extra);
        REQUIRE(r.exit_code == 0);
    };
    gen("plain", "");
    gen("with", " --model-file " + t::shell_quote((dir / "m.h5").string()));
    REQUIRE(std::filesystem::exists(dir / "m.h5"));
    int files = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir / "plain")) {
        const auto r = t::run_command(
            "h5diff --exclude-path /file_create_date " + t::shell_quote(e.path().string()) + " " +
            t::shell_quote((dir / "with" / e.path().filename()).string()));
        INFO(e.path() << "\n" << r.out << r.err);
        CHECK(r.exit_code == 0);
        ++files;
    }
    CHECK(files == 2);
}
