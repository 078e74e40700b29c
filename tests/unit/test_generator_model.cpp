// The synthetic session model against its own closed forms and ground truth: exact label
// balance and trial timing, the basis's partition of unity, spike counts and PSTHs against the
// model's rates within Poisson bounds, determinism across seeds, sessions and thread counts.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include <tbb/global_control.h>

#include "kernels/generator_model.hpp"
#include "kernels/rng.hpp"

using neuropop::kernels::BlockRng;
using neuropop::kernels::CounterRng;
using neuropop::kernels::GeneratorConfig;
using neuropop::kernels::SessionModel;
using neuropop::kernels::SpikeTrains;

namespace {

GeneratorConfig small_config() {
    GeneratorConfig c;
    c.seed = 20240501;
    c.regions = {"VISp", "CA1"};
    c.units_per_region = 12;
    c.trials = 40;
    return c;
}

bool same(const SpikeTrains& a, const SpikeTrains& b) {
    return a.offsets == b.offsets && a.times == b.times;
}

std::size_t count_of(const std::vector<std::uint32_t>& v, std::uint32_t value) {
    return static_cast<std::size_t>(std::count(v.begin(), v.end(), value));
}

} // namespace

TEST_CASE("generator config: defaults are valid and every problem is named", "[generator]") {
    GeneratorConfig c;
    CHECK(c.validate().empty());
    c.regions = {"VISp", "VISp"};
    c.units_per_region = 0;
    c.pre_stimulus = 0.0005; // half a model bin
    c.latent_dims = {3, 4, 5};
    std::string p = c.validate();
    CHECK(p.find("listed twice") != std::string::npos);
    CHECK(p.find("units per region") != std::string::npos);
    CHECK(p.find("whole number of bins") != std::string::npos);
    CHECK(p.find("one per region") != std::string::npos);
    CHECK_THROWS_AS(SessionModel(c, 0), std::invalid_argument);

    GeneratorConfig d;
    d.regions = {"A", "B", "C"};
    CHECK(d.encodes(0));
    CHECK(d.encodes(1));
    CHECK_FALSE(d.encodes(2)); // default: every region but the last
    d.encoding_regions = std::vector<std::string>{"C"};
    CHECK_FALSE(d.encodes(0));
    CHECK(d.encodes(2));
    d.sessions = 12;
    d.subjects = 5;
    CHECK(d.subject_of(7) == 2); // round-robin
    CHECK(d.subject_id(2) == "m02");
    CHECK(d.session_label(7) == "007");
}

TEST_CASE("generator labels are balanced to within one and the trial clock is exact",
          "[generator]") {
    GeneratorConfig c = small_config();
    c.trials = 103;
    c.conditions = 4;
    c.control_levels = 3;
    SessionModel m(c, 2);
    const auto& tr = m.trials();
    REQUIRE(tr.size() == 103);
    // 103 = 4 * 25 + 3: each condition 25 or 26 times; 103 = 3 * 34 + 1: each level 34 or 35.
    std::size_t total = 0;
    for (std::uint32_t k = 0; k < 4; ++k) {
        std::size_t n = count_of(tr.condition, k);
        CHECK((n == 25 || n == 26));
        total += n;
    }
    CHECK(total == 103);
    total = 0;
    for (std::uint32_t k = 0; k < 3; ++k) {
        std::size_t n = count_of(tr.control, k);
        CHECK((n == 34 || n == 35));
        total += n;
    }
    CHECK(total == 103);
    // Shuffled: the order is not the slot order 0,1,2,3,0,... (probability 1/103!-ish otherwise).
    bool cyclic = true;
    for (std::size_t i = 0; i < tr.size(); ++i)
        cyclic = cyclic && tr.condition[i] == i % 4;
    CHECK_FALSE(cyclic);
    // Closed form of the clock: start_i = gap + i (duration + gap), in double.
    for (std::size_t i = 0; i < tr.size(); ++i) {
        double start = 0.5 + static_cast<double>(i) * 1.5;
        CHECK(tr.start[i] == Approx(start).margin(1e-12));
        CHECK(tr.stop[i] - tr.start[i] == Approx(1.0).margin(1e-12));
        CHECK(tr.stim_on[i] - tr.start[i] == Approx(0.2).margin(1e-12));
    }
    CHECK(tr.session_end == Approx(tr.stop.back() + 0.5).margin(1e-12));
}

TEST_CASE("generator temporal basis tiles the response window", "[generator]") {
    GeneratorConfig c = small_config();
    c.temporal_basis = 5;
    auto b = neuropop::kernels::make_temporal_basis(c);
    REQUIRE(b.trial_bins == 1000);
    REQUIRE(b.pre_bins == 200);
    REQUIRE(b.segments.size() == 6);
    CHECK(b.half_width == Approx(0.8 / 6).epsilon(1e-12));
    // Segments are contiguous from stimulus onset to the end of the trial.
    CHECK(b.segments.front().first_bin == b.pre_bins);
    CHECK(b.segments.back().end_bin == b.trial_bins);
    for (std::size_t k = 1; k < b.segments.size(); ++k)
        CHECK(b.segments[k].first_bin == b.segments[k - 1].end_bin);
    for (std::size_t bin = 0; bin < b.pre_bins; ++bin)
        for (std::size_t j = 0; j < b.functions; ++j)
            REQUIRE(b.at(bin, j) == 0.0);
    for (const auto& s : b.segments) {
        CHECK(s.end_bin > s.first_bin);
        for (std::size_t bin = s.first_bin; bin < s.end_bin; ++bin) {
            double sum = 0.0;
            for (std::size_t j = 0; j < b.functions; ++j) {
                double v = b.at(bin, j);
                REQUIRE(v >= 0.0);
                if (j < s.lo || j >= s.hi) REQUIRE(v == 0.0); // only the active pair is non-zero
                sum += v;
            }
            // Between two centres the raised cosines sum to 1 exactly in real arithmetic; 1e-12
            // allows the rounding of cos. At the edges the single bump stays below 1.
            if (s.edge)
                REQUIRE(sum <= 1.0 + 1e-12);
            else
                REQUIRE(sum == Approx(1.0).margin(1e-12));
        }
    }
}

TEST_CASE("BlockRng returns CounterRng's sequence", "[generator]") {
    BlockRng block(9, 8, 7);
    CounterRng counter(9, 8, 7);
    for (int i = 0; i < 37; ++i)
        REQUIRE(block.next() == counter.next());
}

TEST_CASE("generator draws are deterministic for a seed and differ across seeds and sessions",
          "[generator]") {
    GeneratorConfig c = small_config();
    SpikeTrains a = SessionModel(c, 0).simulate();
    SpikeTrains b = SessionModel(c, 0).simulate();
    CHECK(same(a, b));
    CHECK(SessionModel(c, 1).simulate().times != a.times);
    GeneratorConfig other = c;
    other.seed = c.seed + 1;
    CHECK(SessionModel(other, 0).simulate().times != a.times);
    // Each unit's spikes are its own stream: simulate() is the concatenation of simulate_unit.
    SessionModel m(c, 0);
    for (std::size_t u = 0; u < m.units(); ++u) {
        auto one = m.simulate_unit(u);
        auto part = a.unit(u);
        REQUIRE(std::equal(one.begin(), one.end(), part.begin(), part.end()));
    }
}

TEST_CASE("generator output does not depend on the thread count", "[generator]") {
    GeneratorConfig c = small_config();
    c.units_per_region = 40;
    SessionModel m(c, 3);
    SpikeTrains one, two;
    {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
        one = m.simulate();
    }
    {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 2);
        two = m.simulate();
    }
    CHECK(same(one, two));
}

TEST_CASE("generator region geometry is shared across sessions, units are not", "[generator]") {
    GeneratorConfig c = small_config();
    c.encoding_regions = c.regions;
    SessionModel s0(c, 0), s1(c, 1);
    for (std::size_t r = 0; r < 2; ++r) {
        const auto& a = s0.regions()[r];
        const auto& b = s1.regions()[r];
        for (std::size_t k = 0; k < c.conditions; ++k)
            CHECK(a.coefficients[k] == b.coefficients[k]);
        CHECK(a.loadings != b.loadings);
        CHECK(a.baseline_hz != b.baseline_hz);
    }
    // Keyed by name, not by position in --regions.
    GeneratorConfig swapped = c;
    swapped.regions = {"CA1", "VISp"};
    SessionModel t(swapped, 0);
    CHECK(t.regions()[1].name == "VISp");
    CHECK(t.regions()[1].coefficients[2] == s0.regions()[0].coefficients[2]);
}

TEST_CASE("generator parameters follow their stated distributions", "[generator]") {
    GeneratorConfig c = small_config();
    c.regions = {"VISp"};
    c.units_per_region = 4000;
    c.trials = 200;
    c.latent_dims = {4};
    SessionModel m(c, 0);
    const auto& reg = m.regions()[0];
    const double n = 4000.0;
    // ln(baseline) ~ N(ln 5, 0.6^2): the sample mean has sd 0.6/sqrt(n); the sample variance has
    // sd sigma^2 sqrt(2/(n-1)). 5 sd bounds: a false failure has probability ~ 1e-6.
    double mean = 0.0, var = 0.0;
    for (double b : reg.baseline_hz)
        mean += std::log(b) / n;
    for (double b : reg.baseline_hz)
        var += (std::log(b) - mean) * (std::log(b) - mean) / (n - 1);
    CHECK(std::abs(mean - std::log(5.0)) < 5 * 0.6 / std::sqrt(n));
    CHECK(std::abs(var - 0.36) < 5 * 0.36 * std::sqrt(2 / (n - 1)));
    // Loadings ~ N(0, 0.8^2 / 4), 16000 entries.
    double s2 = 0.0;
    for (Eigen::Index i = 0; i < reg.loadings.size(); ++i)
        s2 += reg.loadings.data()[i] * reg.loadings.data()[i];
    const double n_load = static_cast<double>(reg.loadings.size());
    CHECK(std::abs(s2 / n_load - 0.16) < 5 * 0.16 * std::sqrt(2 / n_load));
    // Trial noise ~ N(0, 0.3^2), 200 trials x 4 x 4 entries.
    double z2 = 0.0, count = 0.0;
    for (const auto& z : reg.trial_noise)
        for (Eigen::Index i = 0; i < z.size(); ++i, ++count)
            z2 += z.data()[i] * z.data()[i];
    CHECK(std::abs(z2 / count - 0.09) < 5 * 0.09 * std::sqrt(2 / count));
}

TEST_CASE("generator: only encoding regions depend on the condition", "[generator]") {
    GeneratorConfig c = small_config();
    c.latent_noise = 0.0; // the rate is then a function of (unit, condition, bin) only
    SessionModel m(c, 0);
    REQUIRE(m.regions()[0].encodes);
    REQUIRE_FALSE(m.regions()[1].encodes);
    const auto& tr = m.trials();
    std::vector<std::size_t> first_of(c.conditions, tr.size());
    for (std::size_t i = 0; i < tr.size(); ++i)
        if (first_of[tr.condition[i]] == tr.size()) first_of[tr.condition[i]] = i;
    for (std::size_t k = 0; k < c.conditions; ++k)
        REQUIRE(first_of[k] < tr.size());
    double encoding_diff = 0.0;
    for (std::size_t u = 0; u < m.units(); ++u) {
        bool encodes = m.regions()[m.region_of(u)].encodes;
        for (std::size_t bin = 0; bin < 1000; bin += 7) {
            double r0 = m.rate(u, first_of[0], bin);
            for (std::size_t k = 1; k < c.conditions; ++k) {
                double rk = m.rate(u, first_of[k], bin);
                if (encodes)
                    encoding_diff = std::max(encoding_diff, std::abs(std::log(rk / r0)));
                else
                    REQUIRE(rk == r0); // same coefficients, same arithmetic: bitwise equal
            }
            if (bin < 200) REQUIRE(r0 == m.baseline(u)); // before stimulus onset
        }
    }
    // Encoding units differ across conditions; with modulation 0.8 the largest log-rate
    // difference over 12 units is order 1, far above 0.1.
    CHECK(encoding_diff > 0.1);
    // The control label changes nothing: the model never reads it (rates are equal for two
    // trials of one condition with different control labels, given zero noise).
    for (std::size_t i = 1; i < tr.size(); ++i)
        if (tr.condition[i] == tr.condition[0] && tr.control[i] != tr.control[0]) {
            for (std::size_t bin = 0; bin < 1000; bin += 13)
                REQUIRE(m.rate(0, i, bin) == m.rate(0, 0, bin));
            break;
        }
}

TEST_CASE("generator expected count has the closed form baseline x duration without modulation",
          "[generator]") {
    GeneratorConfig c = small_config();
    c.modulation = 0.0;
    SessionModel m(c, 0);
    // expected_count sums 40 trials x 800 bins of baseline * bin plus the time outside the
    // response windows: 32 000 rounded additions, relative error up to ~32 000 * 2^-53 = 4e-12;
    // 1e-10 leaves room and still catches any missing bin (1/32 000 = 3e-5).
    for (std::size_t u = 0; u < m.units(); ++u)
        CHECK(m.expected_count(u) == Approx(m.baseline(u) * m.trials().session_end).epsilon(1e-10));
}

TEST_CASE("generator spike counts match the model's expected counts within Poisson bounds",
          "[generator]") {
    GeneratorConfig c = small_config();
    c.units_per_region = 30;
    c.trials = 100;
    SessionModel m(c, 1);
    SpikeTrains st = m.simulate();
    REQUIRE(st.units() == 60);
    double observed_total = 0.0, expected_total = 0.0;
    for (std::size_t u = 0; u < st.units(); ++u) {
        auto t = st.unit(u);
        REQUIRE(std::is_sorted(t.begin(), t.end()));
        REQUIRE((t.empty() || (t.front() >= 0.0 && t.back() < m.trials().session_end)));
        double expected = m.expected_count(u);
        double observed = static_cast<double>(t.size());
        // Given the drawn trial noise the count is Poisson(expected): |z| < 5 for each of 60
        // units fails by chance with probability 60 * 5.7e-7 = 3e-5.
        CHECK(std::abs(observed - expected) < 5.0 * std::sqrt(expected));
        observed_total += observed;
        expected_total += expected;
    }
    CHECK(std::abs(observed_total - expected_total) < 5.0 * std::sqrt(expected_total));
}

TEST_CASE("generator PSTH per condition matches the model's rates", "[generator]") {
    GeneratorConfig c = small_config();
    c.regions = {"VISp"}; // encodes the stimulus
    c.units_per_region = 40;
    c.trials = 120;
    c.rate_scale = 3.0; // more spikes per bin, tighter comparison
    SessionModel m(c, 0);
    SpikeTrains st = m.simulate();
    const auto& tr = m.trials();
    const std::size_t coarse = 20, per = 1000 / coarse; // 20 ms bins over the 1 s trial
    const std::size_t k_cond = c.conditions;
    std::vector<double> observed(k_cond * per, 0.0), expected(k_cond * per, 0.0);
    for (std::size_t u = 0; u < m.units(); ++u) {
        auto t = st.unit(u);
        for (std::size_t i = 0; i < tr.size(); ++i) {
            std::size_t row = tr.condition[i] * per;
            auto lo = std::lower_bound(t.begin(), t.end(), tr.start[i]);
            auto hi = std::lower_bound(t.begin(), t.end(), tr.stop[i]);
            for (auto it = lo; it != hi; ++it) {
                auto k = static_cast<std::size_t>((*it - tr.start[i]) / (c.bin * coarse));
                observed[row + std::min(k, per - 1)] += 1.0;
            }
            for (std::size_t b = 0; b < 1000; ++b)
                expected[row + b / coarse] += m.rate(u, i, b) * c.bin;
        }
    }
    // Each cell is a sum of independent Poisson counts: Poisson(expected). |z| < 5 per cell
    // (200 cells: chance failure 1e-4); Pearson's chi^2 over all cells within df + 5 sqrt(2 df)
    // (normal approximation, df = 200).
    double chi2 = 0.0;
    for (std::size_t i = 0; i < observed.size(); ++i) {
        REQUIRE(expected[i] > 50.0); // the normal approximation needs well-filled cells
        double z = (observed[i] - expected[i]) / std::sqrt(expected[i]);
        CHECK(std::abs(z) < 5.0);
        chi2 += z * z;
    }
    const double df = static_cast<double>(observed.size());
    CHECK(chi2 < df + 5.0 * std::sqrt(2.0 * df));
    // Pooled over cells (~160 000 spikes, sd ~400 = 0.25%): catches a uniform bias of the
    // spike clock that no single cell resolves; 5 sd as above.
    double obs_total = std::accumulate(observed.begin(), observed.end(), 0.0);
    double exp_total = std::accumulate(expected.begin(), expected.end(), 0.0);
    CHECK(std::abs(obs_total - exp_total) < 5.0 * std::sqrt(exp_total));
    // And the response is really modulated (guards against a model that ignores its weights):
    // averaged over units, exp(m) at a bump centre has mean exp(var(m)/2) = exp(0.8^2 1.09 / 2)
    // ~ 1.4 times the pre-stimulus bin (log-normal mean), so the peak exceeds it by > 1.2.
    double spread = 0.0;
    for (std::size_t k = 0; k < k_cond; ++k)
        spread = std::max(spread,
                          *std::max_element(expected.begin() + static_cast<long>(k * per),
                                            expected.begin() + static_cast<long>((k + 1) * per)) /
                              expected[k * per]);
    CHECK(spread > 1.2);
}
