// Pooled brain <-> network comparisons (pseudo.analyses = models; docs/ANALYSES.md §5 and §8)
// through the binary: every resample's comparison against a numpy reference rebuilt from the
// trials the resample drew, the generator's ground truth on the pooled layer profile, the
// pseudo null's p-values, the summary's FDR and cross-animal datasets, and the report's pooled
// layer profile; pooled geometry and manifold capacity against numpy, 1 and 2 ranks identical.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/e2e/models_reference.hpp"
#include "tests/e2e/report_checks.hpp"
#include "tests/e2e/run_helpers.hpp"
#include "tests/support/support.hpp"

namespace t = neuropop::test;

namespace {

// Regions A and B encode the stimulus (independent latents), C does not; 4 sessions of 2
// animals, 48 stimuli x 5 trials each. The model file holds independent, latent_A, latent_B,
// rotated_A, rotated_B (kernels/generator_layers.hpp).
void generate(const t::TempDir& dir) {
    auto r = t::run_command(
        t::shell_quote(t::binary().string()) + " generate --out " +
        t::shell_quote((dir / "data").string()) +
        " --sessions 4 --subjects 2 --regions A,B,C --encoding-regions A,B --units 20"
        " --conditions 48 --trials 240 --quiet --seed 5 --model-file " +
        t::shell_quote((dir / "model.h5").string()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
}

// The job text both pooled cases share after t::generated_job_head, up to [models]'s layer
// choice: [models] on the generated model file.
const char* models_job_head = "[models]\nenabled = true\nfile = model.h5\n"
                              "column = stimulus\nwindow = response:0:0.6\n"
                              "permutations = 20\nbootstrap = 50\nlayers_per_item = 2\n";

void write_job(const t::TempDir& dir) {
    std::ofstream(dir / "job.ini") << t::generated_job_head << models_job_head
                                   << "[pseudo]\nenabled = true\nanalyses = models\n"
                                      "min_trials = 4\ntrials = 4\nresamples = 3\nnulls = 9\n"
                                      "nulls_per_item = 5\nbootstrap = 50\n";
}

// Every resample of every pooled region rebuilt from /pseudo/<r>/models/pooled_trials and the
// binned counts: the pooled condition means (spike counts summed over models.window, units of
// the sessions side by side in /pooling/sessions order), their correlation RDM, plain and
// debiased CKA (the formulas of docs/ANALYSES.md §8, written here) and Spearman RSA (scipy)
// against each layer's Euclidean RDM. Prints the largest absolute difference and the count.
const std::string reference_script = std::string(R"(import sys, h5py, numpy as np
from scipy.stats import spearmanr
f, m = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
)") + neuropop::test::models_numpy_reference +
                                     neuropop::test::pooled_means_reference +
                                     R"(worst, count = 0.0, 0
for r in f["pseudo"]:
    g = f["pseudo/%s/models" % r]
    conditions = [dec(x) for x in g["pooling/conditions"][()]]
    stimuli = [dec(x) for x in g["stimuli"][()]]
    assert stimuli == [l for l in labels if l in conditions]
    comparisons = [dec(x) for x in g["comparison"][()]]
    for k in range(g["pooled_trials"].shape[0]):
        means = pooled_means(f, g, r, k)
        brain = 1 - np.corrcoef(means)
        worst = max(worst, abs(g["brain_rdm"][k] - brain).max())
        kb = gram(means)
        used = [labels.index(st) for st in stimuli]
        for n in order:
            lg = g["layers/" + n]
            a = acts[n][used]
            d = ((a[:, None, :] - a[None, :, :]) ** 2).sum(axis=2) / a.shape[1]
            ours = [lg["cka"][k], lg["debiased_cka"][k], lg["rsa"][k][comparisons.index("spearman")]]
            ref = [cka_biased(kb, gram(a)), cka_debiased(kb, gram(a)),
                   spearmanr(upper(brain), upper(d))[0]]
            worst = max(worst, max(abs(u - v) for u, v in zip(ours, ref)))
            count += 1
print(worst, count)
)";

// Per region: the best layer, the profile means of debiased CKA of independent, latent_A,
// rotated_A, latent_B, rotated_B, the pooled p of latent_A's and latent_B's debiased CKA, and
// checks of the profile's shape printed as 0/1.
const char* profile_script = R"(import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
dec = lambda v: v.decode() if isinstance(v, bytes) else v
for r in ["A", "B", "C"]:
    g = f["pseudo/%s/models" % r]
    p = g["profile"]
    layers = [dec(x) for x in p["layers"][()]]
    mean = p["debiased_cka_mean"][()]
    table = p["debiased_cka"][()]
    ok = int(table.shape == (3, 5) and np.allclose(table.mean(axis=0), mean, rtol=0, atol=1e-12)
             and (p["debiased_cka_ci_low"][()] <= mean).all()
             and (mean <= p["debiased_cka_ci_high"][()]).all()
             and abs(p["best_layer_frequency"][()].sum() - 1) < 1e-12
             and layers[int(p["best_layer_index"][()])] == dec(p.attrs["best_layer"])
             and np.allclose(table[:, layers.index("latent_A")],
                             g["layers/latent_A/debiased_cka"][()], rtol=0, atol=0)
             and "summary/%s/pseudo/models/layers/latent_A/q_debiased_cka" % r in f
             and "summary/%s/pseudo/models/layers/latent_A/animal_debiased_cka" % r in f)
    print(r, dec(p.attrs["best_layer"]), *[mean[layers.index(n)] for n in
          ["independent", "latent_A", "rotated_A", "latent_B", "rotated_B"]],
          g["layers/latent_A/p_debiased_cka"][()], g["layers/latent_B/p_debiased_cka"][()], ok)
)";

} // namespace

TEST_CASE("pooled models comparisons: a numpy reference per resample and the generator's "
          "ground truth",
          "[e2e][models][pseudo]") {
    t::TempDir dir("pseudo-models");
    generate(dir);
    write_job(dir);
    const auto out = dir / "results.h5";
    auto r = t::run::neuropop_run(0, {(dir / "job.ini").string(), "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    // 3 regions x 3 resamples x 5 layers. Tolerance 1e-9: the same formulas in double precision
    // on integer-valued sums, differing only in summation order (~1e-14 on these O(1) values);
    // Spearman sees no near-ties among 1 128 continuous distances.
    const auto ref = t::parse_doubles(
        t::run_python(reference_script, {out.string(), (dir / "model.h5").string()}));
    REQUIRE(ref.size() == 2);
    CHECK(ref[1] == 45);
    CHECK(ref[0] < 1e-9);

    const auto text = t::run_python(profile_script, {out.string()});
    INFO(text);
    std::istringstream in(text);
    for (const std::string region : {"A", "B", "C"}) {
        std::string name, best;
        double indep = 0, la = 0, ra = 0, lb = 0, rb = 0, pa = 0, pb = 0;
        int ok = 0;
        in >> name >> best >> indep >> la >> ra >> lb >> rb >> pa >> pb >> ok;
        CHECK(name == region);
        CHECK(ok == 1);
        // rotated_X is an isometry and scaling of latent_X: the same CKA with any population.
        CHECK(la == Approx(ra).margin(1e-9));
        CHECK(lb == Approx(rb).margin(1e-9));
        if (region == "A") {
            CHECK((best == "latent_A" || best == "rotated_A"));
            CHECK(la > lb + 0.2);
            // No null (labels shuffled within sessions) reaches the encoding region's own
            // latent: the smallest p 9 nulls allow, 1 / 10.
            CHECK(pa == Approx(0.1).margin(1e-12));
        } else if (region == "B") {
            CHECK((best == "latent_B" || best == "rotated_B"));
            CHECK(lb > la + 0.2);
            CHECK(pb == Approx(0.1).margin(1e-12));
        }
        // Independent of every population: debiased CKA's mean is 0 (the per-session test's
        // bound, 0.15, for the same 48 stimuli).
        CHECK(std::abs(indep) < 0.15);
    }

    // neuropop report draws each pooled region's layer profile (report/report_models.py).
    const auto figures = dir / "figures";
    r = t::report::neuropop_report({out.string(), "--out", figures.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto expected = t::report::expected_figures(out);
    for (const std::string region : {"A", "B", "C"}) {
        CHECK(expected.count("models_" + region) == 1);
        CHECK(expected.count("pseudo_models_" + region) == 1);
    }
    t::report::check_report(figures, expected);
}

namespace {

// 4 sessions of 2 animals, regions A (encodes the stimulus) and C, 12 units, 24 stimuli x 4
// trials in 6 classes of 4 (the trials column `category`, add_category: the same class for a
// stimulus in every session, so the pooled pseudo-trials keep it); layers latent_A and
// rotated_A; geometry and capacity on the pooled populations, per-animal pooling on (its
// nulls, like the pooled ones, keep only the similarities). 1000 capacity samples per manifold
// and 100 dichotomies for the reference's tolerances, without the centre decorrelation (its
// port is the kernel's unit test's business).
void geometry_data(const t::TempDir& dir) {
    auto r = t::run_command(t::shell_quote(t::binary().string()) + " generate --out " +
                            t::shell_quote((dir / "data").string()) +
                            " --sessions 4 --subjects 2 --regions A,C --encoding-regions A"
                            " --units 12 --conditions 24 --trials 96 --quiet --seed 11"
                            " --model-file " +
                            t::shell_quote((dir / "model.h5").string()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    t::add_category((dir / "data").string());
    std::ofstream(dir / "job.ini") << t::generated_job_head << models_job_head
                                   << "layers = latent_A, rotated_A\n"
                                      "measures = debiased_cka, geometry, capacity\n"
                                      "manifold_column = category\nshots = 1, 2\n"
                                      "episodes = 50\ncapacity_samples = 1000\n"
                                      "centre_decorrelation = false\ndichotomies = 100\n"
                                      "[pseudo]\nenabled = true\nanalyses = models\n"
                                      "min_trials = 3\ntrials = 3\nresamples = 2\nnulls = 4\n"
                                      "nulls_per_item = 2\nbootstrap = 50\n";
}

// Every resample of every pooled region rebuilt from pooled_trials and the binned counts (as
// reference_script does), the classes from the sessions' `category`; the geometry reference of
// models_reference.hpp on the pooled condition means (capacity too) and on each layer's
// activations. Prints the worst relative difference of the deterministic quantities, the number
// of resamples checked, the largest relative difference between latent_A and rotated_A (a
// rotation and scaling of it) over geometry and capacity, whether the stacking holds (a mean over
// resamples is their mean; each bisection record is padded only after its end), then per
// resample the capacity row of the population.
const std::string pooled_geometry_script = std::string(R"(import sys, h5py, numpy as np
from scipy.optimize import nnls, linprog
from scipy.stats import norm
f, m, samples = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r"), int(sys.argv[3])
rng = np.random.default_rng(7)
)") + neuropop::test::models_numpy_reference +
                                           neuropop::test::geometry_numpy_reference +
                                           neuropop::test::pooled_means_reference +
                                           R"(def at(group, k):
    def get(p):
        d = group[p]; v = d[()]
        dims = [dec(x) for x in d.attrs.get("DIMENSION_LABELS", [])]
        return v[k] if dims and dims[0] == "resample" else v
    return get
count, same, stacked = 0, 0.0, 1
paths = ["participation_ratio", "geometry/dimension", "geometry/signal",
         "geometry/bias", "geometry/predicted_error", "geometry/empirical_error",
         "capacity/capacity", "capacity/radius", "capacity/dimension", "capacity/simulation_capacity"]
for r in sorted(f["pseudo"]):
    g = f["pseudo/%s/models" % r]
    sessions = [dec(x) for x in g["pooling/sessions"][()]]
    stimuli = [dec(x) for x in g["stimuli"][()]]
    b0 = f["binned/%s/%s" % (sessions[0], r)]
    stim0 = [dec(x) for x in b0["trials/stimulus"][()]]
    cat0 = [str(int(x)) for x in b0["trials/category"][()]]
    cats = [cat0[stim0.index(st)] for st in stimuli]
    used = [labels.index(st) for st in stimuli]
    for k in range(g["pooled_trials"].shape[0]):
        means = pooled_means(f, g, r, k)
        check(at(g, k), means, cats, True)
        for layer in g["layers"]:
            check(at(g["layers/" + layer], k), acts[layer][used], cats, False)
        la, ra = at(g["layers/latent_A"], k), at(g["layers/rotated_A"], k)
        for p in paths:
            a, b = np.asarray(la(p), float), np.asarray(ra(p), float)
            same = max(same, np.nanmax(abs(a - b) / np.maximum(1.0, abs(a))))
        count += 1
    for c in [g["capacity"]] + [g["layers/%s/capacity" % l] for l in g["layers"]]:
        stacked &= int(np.allclose(c["capacity_mean"][()], c["capacity"][()].mean(), rtol=1e-12, atol=0)
                       and "simulation_separable_fraction_mean" not in c)
        for dims, frac in zip(c["simulation_dimensions"][()], c["simulation_separable_fraction"][()]):
            end = int((dims > 0).sum())
            stacked &= int((dims[:end] > 0).all() and (dims[end:] == -1).all()
                           and np.isfinite(frac[:end]).all() and np.isnan(frac[end:]).all())
print(worst, count, same, stacked)
for row in rows: print(*row)
)";

} // namespace

TEST_CASE("pooled geometry and manifold capacity: a numpy reference per resample, 1/2 ranks "
          "identical, the report's models figures",
          "[e2e][models][pseudo][geometry]") {
    t::TempDir dir("pseudo-models-geometry");
    geometry_data(dir);
    std::filesystem::path outputs[2];
    for (int np : {1, 2}) {
        outputs[np - 1] = dir / ("results-" + std::to_string(np) + ".h5");
        auto r = t::run::neuropop_run(
            np, {(dir / "job.ini").string(), "--quiet", "--output", outputs[np - 1].string()});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    for (const char* group : {"/sessions", "/pseudo", "/summary"}) {
        std::string report;
        const int rc = t::run::h5diff(outputs[0], outputs[1], group, report);
        INFO("2 ranks, " << group << ": " << report);
        CHECK(rc == 0);
    }

    const auto text = t::run_python(pooled_geometry_script,
                                    {outputs[0].string(), (dir / "model.h5").string(), "1000"});
    INFO(text);
    const auto v = t::parse_doubles(text);
    // 2 regions x 2 resamples, then a capacity row of 7 numbers per resample.
    REQUIRE(v.size() == 4 + 4 * 7);
    // Participation ratios and few-shot quantities: the same formulas in double precision on
    // integer-valued sums, only summation orders differ (and the layers' isometric embedding):
    // 1e-8 relative, as for the sessions.
    CHECK(v[0] < 1e-8);
    CHECK(v[1] == 4);
    // Ground truth: rotated_A's Gram is latent_A's scaled, so its scale-free geometry (all but
    // radius2) and capacity (the same draws for every layer) equal latent_A's to rounding.
    CHECK(v[2] < 1e-6);
    CHECK(v[3] == 1);
    for (std::size_t i = 0; i < 4; ++i) {
        const double* row = &v[4 + 7 * i];
        INFO("resample row " << i << ": capacity " << row[0] << " vs " << row[1]
                             << "; fraction at N_c - 1 " << row[2] << " vs " << row[3]
                             << ", at N_c " << row[4] << " vs " << row[5]);
        // The session test's tolerances, for the same draws per manifold and classes:
        // independent 1000-sample estimates over 6 manifolds within 8 %; separable fractions
        // of 100 dichotomies within 0.25 (3.5 sd of a difference of two estimates); the
        // engine's bisection rule below half at N_c - 1 and at least half at N_c.
        CHECK(row[0] == Approx(row[1]).epsilon(0.08));
        CHECK(std::abs(row[2] - row[3]) <= 0.25);
        CHECK(std::abs(row[4] - row[5]) <= 0.25);
        CHECK(row[2] < 0.5);
        CHECK(row[4] >= 0.5);
    }

    // neuropop report on region A (half the figures, the same kinds): exactly the figures the
    // results call for, among them the per-session layer profile with its participation ratio
    // and capacity panels, and the pooled layer profile.
    const auto figures = dir / "figures";
    auto r = t::report::neuropop_report(
        {outputs[0].string(), "--out", figures.string(), "--regions", "A"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto expected = t::report::expected_figures(outputs[0], "A");
    for (const char* name : {"models_A", "pseudo_models_A"})
        CHECK(expected.count(name) == 1);
    t::report::check_report(figures, expected);
}
