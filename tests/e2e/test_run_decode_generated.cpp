// Decoding through the engine on generated sessions (neuropop generate), where the truth is
// known: region A encodes the stimulus, region B does not, and the control label is encoded
// nowhere (kernels/generator_model.hpp). Also: results independent of ranks and of how the
// permutations are split into items, the cross-session summary against scipy, and the
// false-positive rate of the permutation test over many null sessions.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "tests/e2e/run_helpers.hpp"

namespace t = neuropop::test;

namespace {

void generate(const t::TempDir& dir, const std::string& flags) {
    auto r = t::run_command(t::shell_quote(t::binary().string()) + " generate --out " +
                            t::shell_quote((dir / "data").string()) + " --quiet " + flags);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
}

// Trials 0.2 s before onset to 0.8 s after (the generator's pre-stimulus period and response
// window); only decoding runs.
void write_job(const t::TempDir& dir, const std::string& decode) {
    std::ofstream(dir / "job.ini") << "[data]\nsessions = data\n"
                                      "[align]\nevent = stim_on_time\nstart = -0.2\nstop = 0.8\n"
                                      "bin_width = 0.05\n"
                                      "[output]\npath = results.h5\n"
                                      "[pca]\nenabled = false\n[cvpca]\nenabled = false\n"
                                      "[fa]\nenabled = false\n"
                                      "[decode]\nenabled = true\ndecoder = lda\n"
                                   << decode;
}

t::CommandResult run(const t::TempDir& dir, int np, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{(dir / "job.ini").string(), "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    return t::run::neuropop_run(np, args);
}

const char* windows = "windows = baseline:-0.2:0, early:0:0.4, late:0.4:0.8\n";

} // namespace

TEST_CASE("decode on generated sessions: the stimulus decodes in the encoding region only, the "
          "control nowhere",
          "[e2e][decode][ground-truth]") {
    t::TempDir dir("decode-generated");
    generate(dir, "--sessions 2 --regions A,B --encoding-regions A --units 20 --trials 60 "
                  "--seed 3");
    // B = 100 permutations: the smallest p is 1/101 < 0.01.
    write_job(dir, std::string("targets = stimulus, control\npermutations = 100\n") + windows);
    auto r = run(dir, 0);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // One line per session, region, target and window: accuracy, p-value, chance.
    const auto out = t::run_python(R"(import sys, h5py
def s(x): return x.decode() if isinstance(x, bytes) else str(x)
with h5py.File(sys.argv[1], "r") as f:
    for key in sorted(f["sessions"]):
        for region in ("A", "B"):
            for target in ("stimulus", "control"):
                g = f["sessions"][key][region]["decode"][target]
                for w, a, p in zip(g["time_names"][()], g["accuracy"][()], g["p_value"][()]):
                    print("session", key, region, target, s(w), a, p, g["chance"][()])
    for region in ("A", "B"):
        for target in ("stimulus", "control"):
            g = f["summary"][region]["decode"][target]
            for w, m, q, sig in zip(g["time_names"][()], g["mean_accuracy"][()],
                                    g["q_value"][()], g["significant"][()]):
                print("summary", "-", region, target, s(w), m, q, sig)
)",
                                   {(dir / "results.h5").string()});
    INFO(out);
    std::istringstream in(out);
    std::string kind, key, region, target, window;
    double a = 0, p = 0, c = 0;
    int session_lines = 0, summary_lines = 0;
    while (in >> kind >> key >> region >> target >> window >> a >> p >> c) {
        const bool response = window != "baseline";
        const bool encoded = region == "A" && target == "stimulus" && response;
        if (kind == "session") {
            ++session_lines;
            if (encoded) {
                // "Well above chance": at least twice chance (0.25 for 4 stimuli), and the
                // permutation test at its floor region (p < 0.01 needs B >= 100).
                CHECK(a >= 2 * c);
                CHECK(p < 0.01);
            } else {
                // No information: a p below 0.01 has probability <= 0.01 per test under the
                // null; the seed is fixed, so this is deterministic.
                CHECK(p > 0.01);
            }
        } else {
            ++summary_lines;
            // Summary: significant (BH q <= 0.05) exactly where the stimulus is encoded.
            CHECK(static_cast<int>(c) == (encoded ? 1 : 0));
            if (target == "control") {
                // At chance (2 levels: 0.5): a mean over 2 sessions of 60 trials has sd about
                // sqrt(0.25 / 120) = 0.046 by the binomial; 0.1 is more than 2 sd.
                CHECK(std::abs(a - 0.5) <= 0.1);
            }
        }
    }
    CHECK(session_lines == 2 * 2 * 2 * 3);
    CHECK(summary_lines == 2 * 2 * 3);
}

TEST_CASE("decode summary: Fisher's combined p and BH q equal scipy's on the sessions' p-values",
          "[e2e][decode][summary]") {
    t::TempDir dir("decode-summary");
    generate(dir, "--sessions 3 --regions A,B --encoding-regions A --units 12 --trials 48 "
                  "--seed 11");
    write_job(dir, std::string("targets = stimulus\npermutations = 30\n") + windows);
    auto r = run(dir, 0);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // The reference reads the per-session groups (not the summary's copies), combines with
    // scipy.stats.combine_pvalues and adjusts by hand (statsmodels is not installed): BH
    // q_(i) = min_{j >= i} p_(j) m / j, capped at 1, over every region and time point.
    const auto out = t::run_python(R"(import sys, h5py, numpy as np
from scipy.stats import combine_pvalues
f = h5py.File(sys.argv[1], "r")
keys = sorted(f["sessions"])
regions = sorted(f["summary"])
fisher, worst = {}, 0.0
for region in regions:
    p = np.array([f["sessions"][k][region]["decode/stimulus/p_value"][()] for k in keys])
    acc = np.array([f["sessions"][k][region]["decode/stimulus/accuracy"][()] for k in keys])
    g = f["summary"][region]["decode/stimulus"]
    assert [x.decode() for x in g["sessions"][()]] == keys
    assert np.array_equal(g["p_value"][()], p) and np.array_equal(g["accuracy"][()], acc)
    worst = max(worst, np.abs(g["mean_accuracy"][()] - acc.mean(axis=0)).max())
    fisher[region] = np.array([combine_pvalues(p[:, t], method="fisher")[1]
                               for t in range(p.shape[1])])
    worst = max(worst, np.abs(g["fisher_p"][()] - fisher[region]).max())
allp = np.concatenate([fisher[r] for r in regions])
m = len(allp)
order = np.argsort(allp, kind="stable")
q = np.empty(m)
running = 1.0
for rank in range(m, 0, -1):
    i = order[rank - 1]
    running = min(running, allp[i] * m / rank)
    q[i] = running
start = 0
for region in regions:
    g = f["summary"][region]["decode/stimulus"]
    T = len(fisher[region])
    worst = max(worst, np.abs(g["q_value"][()] - q[start:start + T]).max())
    assert np.array_equal(g["significant"][()], (q[start:start + T] <= 0.05).astype(int))
    start += T
print(len(regions), m, worst)
)",
                                   {(dir / "results.h5").string()});
    INFO(out);
    const auto v = t::parse_doubles(out);
    REQUIRE(v.size() == 3);
    CHECK(v[0] == 2);     // regions A and B
    CHECK(v[1] == 2 * 3); // BH over 2 regions x 3 windows
    // Both sides evaluate the same closed forms in double precision (chi^2 survival with even
    // degrees of freedom, products and minima), so they agree to rounding.
    CHECK(v[2] <= 1e-12);
}

TEST_CASE("decode results do not depend on ranks or on how permutations are split into items",
          "[e2e][decode][determinism]") {
    t::TempDir dir("decode-ranks");
    generate(dir, "--sessions 2 --regions A,B --encoding-regions A --units 12 --trials 40 "
                  "--seed 5");
    write_job(dir, std::string("targets = stimulus\npermutations = 24\npermutations_per_item = "
                               "24\n") +
                       windows);
    struct Run {
        int np;
        std::string per_item, output;
    };
    const std::vector<Run> runs{
        {0, "24", "r1.h5"}, {2, "24", "r2.h5"}, {3, "24", "r3.h5"}, {0, "5", "split.h5"}};
    for (const auto& run_ : runs) {
        auto r = run(dir, run_.np,
                     {"--output", (dir / run_.output).string(), "--decode.permutations_per_item",
                      run_.per_item});
        INFO(run_.output << ": " << r.err);
        REQUIRE(r.exit_code == 0);
    }
    // The null actually ran (an empty /sessions would compare equal too).
    REQUIRE(t::run::count_datasets(dir / "r1.h5", "/sessions") >= 2 * 2 * 10);
    for (const auto& run_ : runs) {
        if (run_.output == "r1.h5") continue;
        for (const char* group : {"/sessions", "/summary"}) {
            std::string report;
            const int rc = t::run::h5diff(dir / "r1.h5", dir / run_.output, group, report);
            INFO(run_.output << " " << group << "\n" << report);
            CHECK(rc == 0);
        }
    }
}

TEST_CASE("decode false-positive rate over null sessions is within its binomial bounds",
          "[e2e][decode][null]") {
    // 10 sessions x 14 regions that encode nothing: 140 tests. They are independent given the
    // labels (each region has its own units, latent noise and folds; the labels carry no
    // information anywhere), so the count of p <= 0.05 is binomial. B = 19 permutations, so
    // p <= 0.05 means the real accuracy beat all 19 nulls; under H0 (exchangeable with its
    // nulls) that has probability <= 1/20, less with ties. Fewer, wider sessions because the
    // generator's cost is mostly per file.
    t::TempDir dir("decode-null");
    std::string regions;
    for (int i = 0; i < 14; ++i)
        regions += (i ? ",R" : "R") + std::to_string(10 + i);
    generate(dir, "--sessions 10 --regions " + regions +
                      " --encoding-regions none --units 6 --trials 40 --seed 21");
    write_job(dir, "targets = stimulus\npermutations = 19\nwindows = response:0:0.8\n"
                   "generalization = false\n");
    auto r = run(dir, 0);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // The bounds: the 0.5% and 99.5% quantiles of Binomial(140, 0.05), from scipy.
    const auto out = t::run_python(R"(import sys, h5py, numpy as np
from scipy.stats import binom
f = h5py.File(sys.argv[1], "r")
p = np.array([f["sessions"][k][r]["decode/stimulus/p_value"][0]
              for k in f["sessions"] for r in f["sessions"][k]])
print(len(p), int((p <= 0.05).sum()), binom.ppf(0.005, len(p), 0.05), binom.ppf(0.995, len(p), 0.05))
)",
                                   {(dir / "results.h5").string()});
    INFO(out);
    const auto v = t::parse_doubles(out);
    REQUIRE(v.size() == 4);
    CHECK(v[0] == 140);
    CHECK(v[1] >= v[2]);
    CHECK(v[1] <= v[3]);
}
