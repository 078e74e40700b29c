// Communication channels of the synthetic model (kernels/generator_channels.hpp): the
// --channel-rank syntax and its problems, the drawn map's rank and singular values, that only
// the target's trial noise changes (by exactly M Z_source), and that the communication-subspace
// kernels (kernels/reduced_rank.hpp) recover the channel rank from the simulated spikes.

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include <Eigen/SVD>

#include "kernels/generator_channels.hpp"
#include "kernels/generator_model.hpp"
#include "kernels/reduced_rank.hpp"

namespace k = neuropop::kernels;
using Eigen::MatrixXd;

namespace {

bool has(const std::vector<std::string>& lines, const std::string& part) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(part) != std::string::npos; });
}

// Spike counts of every unit of `region` in [stim_on, stim_on + window) of each trial: rows
// trials, columns units (the communication-subspace items sum the same window's bins).
MatrixXd window_counts(const k::SessionModel& m, const k::SpikeTrains& spikes, std::size_t region,
                       double window) {
    const auto& reg = m.regions().at(region);
    const auto& tr = m.trials();
    MatrixXd out =
        MatrixXd::Zero(static_cast<Eigen::Index>(tr.size()), static_cast<Eigen::Index>(reg.units));
    for (std::size_t u = 0; u < reg.units; ++u) {
        const auto times = spikes.unit(reg.first_unit + u);
        for (std::size_t i = 0; i < tr.size(); ++i) {
            const auto lo = std::lower_bound(times.begin(), times.end(), tr.stim_on[i]);
            const auto hi = std::lower_bound(lo, times.end(), tr.stim_on[i] + window);
            out(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(u)) =
                static_cast<double>(hi - lo);
        }
    }
    return out;
}

// Two regions with a rank-3 channel VISp > CA1 (gain 1.5) and target latent dimension 6 (> 3,
// so the within-area dimension exceeds the channel's). One raised-cosine bump over the 0.5 s
// response window, so each trial's fluctuation is one latent vector per region; baselines high
// enough (median 60 Hz, about 15 spikes per trial in the window) that Poisson noise does not
// drown the latents, and a small modulation (0.5) with a large latent noise (1.0) so the
// fluctuations are large but rate = baseline exp(...) stays close to linear in them; short
// pre-stimulus and inter-trial periods keep the simulation cheap. Tuned with `neuropop generate`
// + `neuropop run` on seeds 1-20: the optimal dimension was 3 in 19 of 20 (4 once, the exp
// link's second-order leak), the within-area dimension 4-7, an independent region 0 in 20.
k::GeneratorConfig channel_config(std::uint64_t seed, bool channel) {
    k::GeneratorConfig c;
    c.seed = seed;
    c.regions = {"VISp", "CA1"};
    c.encoding_regions = std::vector<std::string>{"VISp"};
    c.units_per_region = 50;
    c.trials = 600;
    c.conditions = 4;
    c.latent_dims = {3, 6};
    c.temporal_basis = 1;
    c.trial_duration = 0.55;
    c.pre_stimulus = 0.05;
    c.inter_trial = 0.05;
    c.bin = 0.001;
    c.baseline_median = 60.0;
    c.baseline_log_sd = 0.3;
    c.modulation = 0.5;
    c.latent_noise = 1.0;
    if (channel) c.channels = {{"VISp", "CA1", 3, 1.5}};
    return c;
}

} // namespace

TEST_CASE("channel specs parse, format back and name every problem", "[generator][channels]") {
    std::string why;
    auto specs = k::parse_channel_specs("VISp>CA1:3, CA1>LGd:1:0.5", why);
    REQUIRE(why.empty());
    REQUIRE(specs.size() == 2);
    CHECK(specs[0].source == "VISp");
    CHECK(specs[0].target == "CA1");
    CHECK(specs[0].rank == 3);
    CHECK(specs[0].gain == 1.0);
    CHECK(specs[1].gain == 0.5);
    CHECK(k::format_channel_specs(specs) == "VISp>CA1:3,CA1>LGd:1:0.5");
    CHECK(k::parse_channel_specs("", why).empty());
    CHECK(why.empty());

    for (const char* bad : {"VISp-CA1:3", "VISp>CA1", "VISp>CA1:x", ">CA1:2", "VISp>CA1:2:g"}) {
        INFO(bad);
        why.clear();
        CHECK(k::parse_channel_specs(bad, why).empty());
        CHECK(why.find("expected SOURCE>TARGET:RANK") != std::string::npos);
    }

    const std::vector<std::string> regions{"VISp", "CA1", "LGd"};
    const std::vector<std::size_t> dims{3, 2, 4};
    const auto problems = k::channel_problems({{"VISp", "CA2", 1, 1.0},
                                               {"VISp", "VISp", 1, 1.0},
                                               {"VISp", "CA1", 3, 1.0},
                                               {"VISp", "LGd", 0, 1.0},
                                               {"LGd", "VISp", 2, 0.0},
                                               {"LGd", "VISp", 2, 1.0}},
                                              regions, dims);
    INFO([&] {
        std::string s;
        for (const auto& p : problems)
            s += p + "\n";
        return s;
    }());
    CHECK(has(problems, "channel VISp>CA2: 'CA2' is not a region"));
    CHECK(has(problems, "channel VISp>VISp: source and target are the same"));
    CHECK(has(problems, "channel VISp>CA1: rank must be in [1, 2]"));
    CHECK(has(problems, "channel VISp>LGd: rank must be in [1, 3]"));
    CHECK(has(problems, "channel LGd>VISp: gain must be in (0, 10]"));
    CHECK(has(problems, "channel LGd>VISp: listed twice"));
    CHECK(problems.size() == 6);

    // GeneratorConfig::validate reports them too.
    auto c = channel_config(1, true);
    c.channels.push_back({"CA1", "VISp", 4, 1.0});
    CHECK(c.validate().find("channel CA1>VISp: rank must be in [1, 3]") != std::string::npos);
}

TEST_CASE("a channel adds M Z_source to the target's trial noise only, M of rank r",
          "[generator][channels]") {
    const auto plain = channel_config(7, false);
    const auto linked = channel_config(7, true);
    const k::SessionModel a(plain, 0), b(linked, 0);
    CHECK(a.channels().empty());
    REQUIRE(b.channels().size() == 1);
    const auto& ch = b.channels()[0];
    CHECK(ch.source == 0);
    CHECK(ch.target == 1);
    REQUIRE(ch.map.rows() == 6);
    REQUIRE(ch.map.cols() == 3);
    // Rank 3 with every singular value equal to the gain: orthonormal U, V to rounding.
    const Eigen::VectorXd s = Eigen::JacobiSVD<MatrixXd>(ch.map).singularValues();
    for (Eigen::Index i = 0; i < s.size(); ++i)
        CHECK(s(i) == Approx(1.5).margin(1e-12));
    // Everything but the target's trial noise is the channel-free model's, bit for bit.
    CHECK(a.trials().condition == b.trials().condition);
    for (std::size_t r = 0; r < 2; ++r) {
        CHECK(a.regions()[r].loadings == b.regions()[r].loadings);
        CHECK(a.regions()[r].baseline_hz == b.regions()[r].baseline_hz);
    }
    for (std::size_t i = 0; i < a.trials().size(); ++i) {
        CHECK(a.regions()[0].trial_noise[i] == b.regions()[0].trial_noise[i]);
        const MatrixXd expected =
            a.regions()[1].trial_noise[i] + ch.map * a.regions()[0].trial_noise[i];
        CHECK((b.regions()[1].trial_noise[i] - expected).cwiseAbs().maxCoeff() <= 1e-15);
    }
    // The same seed draws the same map in another run, another session a different one.
    const k::SessionModel again(linked, 0), other(linked, 1);
    CHECK(again.channels()[0].map == ch.map);
    CHECK((other.channels()[0].map - ch.map).cwiseAbs().maxCoeff() > 0.01);
}

TEST_CASE("RRR on generated spikes recovers the channel rank; within-area is higher; no channel "
          "gives 0",
          "[generator][channels][reduced_rank]") {
    // Residual window counts (condition means subtracted), 10-fold CV, ranks up to 10: the
    // one-SEM optimal dimension of VISp -> CA1 must equal the true channel rank 3 in at least 9
    // of 10 seeds; the within-area control (25 CA1 units predicting the other 25) must find more
    // dimensions than the channel in at least 9 of 10 (CA1's own latent is 6-dimensional); with
    // no channel the optimal dimension must be 0 and the peak performance <= 0 in every seed.
    int rank_hits = 0, within_higher = 0;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
        for (bool channel : {true, false}) {
            const k::SessionModel m(channel_config(seed, channel), 0);
            const auto spikes = m.simulate();
            std::vector<int> cond(m.trials().condition.begin(), m.trials().condition.end());
            const MatrixXd x = k::subtract_condition_means(window_counts(m, spikes, 0, 0.5), cond);
            const MatrixXd y = k::subtract_condition_means(window_counts(m, spikes, 1, 0.5), cond);
            k::CounterRng rng(seed, 17);
            const auto folds = k::rrr_folds(static_cast<std::size_t>(x.rows()), 10, rng);
            const auto curve = k::cross_validate_rrr(x, y, folds, 10);
            INFO("seed " << seed << (channel ? " channel" : " independent") << ": optimal "
                         << curve.selected << ", peak " << curve.peak_performance);
            if (!channel) {
                CHECK(curve.selected == 0);
                CHECK(curve.peak_performance <= 0.0);
                continue;
            }
            rank_hits += curve.selected == 3 ? 1 : 0;
            k::CounterRng split_rng(seed, 18);
            const auto split = k::split_units(50, 25, split_rng);
            MatrixXd xw(y.rows(), 25), yw(y.rows(), 25);
            for (int j = 0; j < 25; ++j) {
                xw.col(j) = y.col(split.predictor[static_cast<std::size_t>(j)]);
                yw.col(j) = y.col(split.target[static_cast<std::size_t>(j)]);
            }
            const auto within = k::cross_validate_rrr(xw, yw, folds, 10);
            UNSCOPED_INFO("seed " << seed << ": between " << curve.selected << ", within "
                                  << within.selected);
            within_higher += within.selected > curve.selected ? 1 : 0;
        }
    }
    CHECK(rank_hits >= 9);
    CHECK(within_higher >= 9);
}
