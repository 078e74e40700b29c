// Raised-cosine bases and GLM design blocks (kernels/raised_cosine.hpp) against a numpy
// transcription of GLMspiketools' makeBasis_PostSpike and a direct numpy convolution.

#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "kernels/raised_cosine.hpp"
#include "kernels/rng.hpp"
#include "tests/support/support.hpp"
#include "tests/unit/reference_data.hpp"

namespace k = neuropop::kernels;
namespace test = neuropop::test;
using Eigen::MatrixXd;

namespace {

// makeBasis_PostSpike.m (no absref), line by line; iht0 handled as its truncate / zero-pad
// branch with iht0 = dt:dt:history.
const std::string post_spike_reference = test::python_matrix_io() + R"PY(
import sys
out = sys.argv[1]
ncols, p1, p2, b, dt, history = int(sys.argv[2]), *map(float, sys.argv[3:8])
nlin = lambda x: np.log(x + 1e-20)
invnl = lambda x: np.exp(x) - 1e-20
yrnge = nlin(np.array([p1, p2]) + b)
db = np.diff(yrnge)[0] / (ncols - 1)
ctrs = yrnge[0] + np.arange(ncols) * db
mxt = invnl(yrnge[1] + 2 * db) - b
iht = dt * np.arange(1, int(np.floor(mxt / dt + 1e-9)) + 1)
nt = len(iht)
ff = lambda x, c, dc: (np.cos(np.maximum(-np.pi, np.minimum(np.pi, (x - c) * np.pi / dc / 2))) + 1) / 2
ihbasis = ff(np.tile(nlin(iht + b)[:, None], (1, ncols)), np.tile(ctrs, (nt, 1)), db)
if history > 0:
    niht = int(round(history / dt))
    if nt > niht:
        ihbasis = ihbasis[:niht]
    elif nt < niht:
        ihbasis = np.vstack([ihbasis, np.zeros((niht - nt, ncols))])
write_matrix(out, ihbasis)
)PY";

} // namespace

TEST_CASE("Post-spike basis equals a numpy transcription of makeBasis_PostSpike",
          "[raised_cosine][reference]") {
    test::TempDir dir("raised-cosine");
    struct Case {
        k::PostSpikeBasisSpec spec;
    };
    // GLMspiketools' own example (5 vectors, peaks [.1 2], b = .5, dt = .01), a short-history
    // coupling basis at 1 ms, and the latter truncated and zero-padded through `history`.
    std::vector<k::PostSpikeBasisSpec> specs(4);
    specs[0] = {5, 0.1, 2.0, 0.5, 0.01, 0.0};
    specs[1] = {4, 0.0, 0.05, 0.01, 0.001, 0.0};
    specs[2] = {4, 0.0, 0.05, 0.01, 0.001, 0.04};
    specs[3] = {6, 0.002, 0.08, 0.02, 0.002, 0.3};
    for (std::size_t c = 0; c < specs.size(); ++c) {
        INFO("case " << c);
        const auto& s = specs[c];
        const MatrixXd ours = k::post_spike_basis(s);
        const std::string file = (dir / ("basis" + std::to_string(c))).string();
        auto fmt = [](double v) {
            char buf[40];
            std::snprintf(buf, sizeof buf, "%.17g", v);
            return std::string(buf);
        };
        test::run_python(post_spike_reference,
                         {file, std::to_string(s.n_basis), fmt(s.first_peak), fmt(s.last_peak),
                          fmt(s.b), fmt(s.dt), fmt(s.history)});
        const MatrixXd ref = test::read_matrix(file);
        REQUIRE(ours.rows() == ref.rows());
        REQUIRE(ours.cols() == ref.cols());
        // Same formula; t = (i + 1) dt here vs dt · (i + 1) in numpy and libm vs numpy's log
        // and cos: a few ulps. 1e-13 absolute on values in [0, 1].
        CHECK((ours - ref).cwiseAbs().maxCoeff() <= 1e-13);
    }
    // Bumps Δ apart with half-width 2Δ: four overlap, summing to 2 between the second and the
    // second-to-last centre on the stretched axis log(t + b) (here 6 bumps: centres 1 … 4).
    const auto& s5 = specs[3];
    const MatrixXd basis = k::post_spike_basis(s5);
    const double y0 = std::log(s5.first_peak + s5.b), y1 = std::log(s5.last_peak + s5.b);
    const double step = (y1 - y0) / 5.0;
    int inside = 0;
    for (Eigen::Index i = 0; i < basis.rows(); ++i) {
        const double y = std::log(static_cast<double>(i + 1) * s5.dt + s5.b);
        if (y >= y0 + step && y <= y1 - step) {
            CHECK(basis.row(i).sum() == Approx(2.0).epsilon(1e-12));
            ++inside;
        }
    }
    CHECK(inside > 5);
    CHECK_THROWS_AS(k::post_spike_basis({1, 0.0, 0.05, 0.01, 0.001, 0.0}), std::invalid_argument);
    CHECK_THROWS_AS(k::post_spike_basis({4, 0.05, 0.05, 0.01, 0.001, 0.0}), std::invalid_argument);
}

TEST_CASE("Trial basis, stimulus design and history design", "[raised_cosine]") {
    SECTION("the trial basis tiles the trial: every bin sums to 1") {
        const MatrixXd basis = k::trial_basis(50, 6);
        CHECK(basis.rows() == 50);
        CHECK((basis.rowwise().sum().array() - 1.0).abs().maxCoeff() <= 1e-14);
        CHECK(basis(0, 0) == 1.0);
        CHECK(basis(49, 5) == 1.0);
        CHECK(k::trial_basis(10, 1).isOnes());
    }
    SECTION("stimulus design places the trial basis in the trial's condition") {
        const MatrixXd tb = k::trial_basis(5, 2);
        const std::vector<int> conditions{1, 0, 1};
        const MatrixXd d = k::stimulus_design(conditions, 2, tb);
        CHECK(d.rows() == 15);
        CHECK(d.cols() == 4);
        CHECK(d.block(0, 2, 5, 2) == tb);
        CHECK(d.block(0, 0, 5, 2).isZero());
        CHECK(d.block(5, 0, 5, 2) == tb);
        CHECK(d.block(10, 2, 5, 2) == tb);
        CHECK_THROWS_AS(k::stimulus_design(std::vector<int>{2}, 2, tb), std::invalid_argument);
    }
    SECTION("history design equals a numpy causal convolution within trials") {
        k::CounterRng rng(4, 4);
        MatrixXd counts(3 * 40, 3);
        for (Eigen::Index i = 0; i < counts.size(); ++i)
            counts.data()[i] = static_cast<double>(rng.below(3));
        const MatrixXd basis = k::post_spike_basis({4, 0.0, 0.05, 0.01, 0.005, 0.06});
        const MatrixXd ours = k::history_design(counts, basis, 40);
        test::TempDir dir("history-design");
        test::write_matrix(dir / "counts", counts);
        test::write_matrix(dir / "basis", basis);
        const std::string script = test::python_matrix_io() + R"PY(
import sys
d = sys.argv[1]
C = read_matrix(d + '/counts'); B = read_matrix(d + '/basis')
T, L, nb = 40, B.shape[0], B.shape[1]
out = np.zeros((C.shape[0], C.shape[1] * nb))
for tr in range(C.shape[0] // T):
    for u in range(C.shape[1]):
        for j in range(nb):
            full = np.convolve(C[tr*T:(tr+1)*T, u], np.concatenate([[0.0], B[:, j]]))
            out[tr*T:(tr+1)*T, u*nb + j] = full[:T]
write_matrix(d + '/design', out)
)PY";
        test::run_python(script, {dir.path().string()});
        const MatrixXd ref = test::read_matrix(dir / "design");
        REQUIRE(ref.rows() == ours.rows());
        REQUIRE(ref.cols() == ours.cols());
        // Sums of ≤ 12 products of small integers and basis values in another order: 1e-13.
        CHECK((ours - ref).cwiseAbs().maxCoeff() <= 1e-13);
        // Nothing leaks across a trial boundary: the first bin of each trial is all zero.
        for (int t = 0; t < 3; ++t)
            CHECK(ours.row(t * 40).isZero());
        CHECK_THROWS_AS(k::history_design(counts, basis, 7), std::invalid_argument);
    }
}
