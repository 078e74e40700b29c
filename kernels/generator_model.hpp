#pragma once
// Synthetic population model with known ground truth, behind `neuropop generate`.
//
// Per region, a latent state x(t) in R^d follows condition-specific trajectories through the
// response window of each trial; every unit loads on it and fires as an inhomogeneous Poisson
// process whose rate is piecewise constant over model bins of width `bin`:
//
//   rate_u(trial i, bin b) = baseline_u * exp( sum_j a_{u,j,i} * phi_j(b) )
//   a_{u,j,i}             = l_u . ( X_{c(i)}[:, j] + Z_i[:, j] )
//
// phi_j are raised-cosine bumps tiling the response window (stimulus onset to trial stop), with
// phi_j + phi_{j+1} = 1 between neighbouring centres; l_u in R^d is the unit's loading (ground
// truth), X_c the d x B latent coefficients of condition c, Z_i ~ N(0, latent_noise^2) a trial's
// latent noise (shared by the region's units, so trial-to-trial covariance has rank d).
// In regions that encode the stimulus X_c = (S + E_c)/sqrt(2); in the others X_c = S for every c:
// their rates follow the trial clock but carry no information about any label. The control
// label is used nowhere. Outside the response window (pre-stimulus, between trials) the rate is
// the baseline. Baselines are log-normal: baseline_u = rate_scale * median * exp(log_sd * N(0,1)).
//
// Determinism: every draw comes from a CounterRng stream keyed by (seed, session index) or, for
// the latent trajectories, by (seed, region name), so a region's geometry is the same in every
// session and animal while its units differ; each unit's spikes come from its own stream, so the
// result does not depend on the thread count. The streams are listed in generator_model.cpp.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "kernels/binning.hpp"
#include "kernels/generator_channels.hpp"
#include "kernels/rng.hpp"

namespace neuropop::kernels {

struct GeneratorConfig {
    std::uint64_t seed = 1;
    std::size_t sessions = 1;
    std::size_t subjects = 1; // sessions are assigned to subjects round-robin
    std::vector<std::string> regions{"VISp", "CA1"};
    // Regions whose latent depends on the stimulus. nullopt: every region but the last (all of
    // them when there is only one); an empty list: none.
    std::optional<std::vector<std::string>> encoding_regions;
    std::size_t units_per_region = 50;
    std::size_t trials = 200;
    std::size_t conditions = 4;              // stimulus values stim_0 ... stim_{K-1}
    std::size_t control_levels = 2;          // control values ctl_0 ..., encoded nowhere
    std::vector<std::size_t> latent_dims{3}; // one value for every region, or one per region
    std::size_t temporal_basis = 4;          // raised-cosine bumps B in the response window
    double trial_duration = 1.0;             // s, start_time to stop_time; whole model bins
    double pre_stimulus = 0.2;               // s, start_time to stim_on_time; whole model bins
    double inter_trial = 0.5;                // s between trials, also before the first trial
                                             // and after the last
    double bin = 0.001;                      // s, model bin (rate constant within it)
    double baseline_median = 5.0;            // Hz, median of the log-normal baselines
    double baseline_log_sd = 0.6;            // sd of ln(baseline)
    double rate_scale = 1.0;                 // multiplies every rate
    // sd over units and conditions of the noise-free log-rate modulation at a bump centre:
    // loadings are N(0, modulation^2 / d), latent coefficients N(0, 1).
    double modulation = 0.8;
    double latent_noise = 0.3; // sd of the trial latent noise Z, relative to the coefficients
    // Communication channels between regions (kernels/generator_channels.hpp); empty: none.
    std::vector<ChannelSpec> channels;

    // Empty when valid, else every problem, separated by "; ".
    std::string validate() const;
    std::size_t latent_dim(std::size_t region) const;
    bool encodes(std::size_t region) const;
    std::size_t trial_bins() const; // round(trial_duration / bin)
    std::size_t pre_bins() const;   // round(pre_stimulus / bin)
    std::size_t subject_of(std::size_t session) const { return session % subjects; }
    std::string subject_id(std::size_t subject) const;    // "m00", "m01", ...
    std::string session_label(std::size_t session) const; // "000", "001", ...
};

// Labels and times of one session's trials, in chronological order.
struct TrialSchedule {
    std::vector<double> start, stop, stim_on; // s
    std::vector<std::uint32_t> condition;     // 0..conditions-1, balanced to within 1
    std::vector<std::uint32_t> control;       // 0..control_levels-1, balanced to within 1
    double session_end = 0.0;                 // spikes lie in [0, session_end)
    std::size_t size() const { return start.size(); }
};

// The raised-cosine basis evaluated at the centres of one trial's model bins (bin 0 starts at
// start_time). The response window is cut at the bump centres into B+1 segments; inside a
// segment only the functions [lo, hi) are non-zero and they sum to at most 1, which bounds the
// rate for thinning.
struct TemporalBasis {
    struct Segment {
        std::size_t first_bin = 0, end_bin = 0; // trial-relative bins [first_bin, end_bin)
        std::size_t lo = 0, hi = 0;             // active functions [lo, hi)
        bool edge = false;                      // first or last segment: sum of phi may be < 1
    };
    std::size_t trial_bins = 0, pre_bins = 0, functions = 0;
    double bin = 0.0, half_width = 0.0; // s
    std::vector<double> centres;        // s after stimulus onset
    std::vector<double> values;         // [trial_bins x functions] row-major, 0 before onset
    std::vector<Segment> segments;
    double at(std::size_t b, std::size_t j) const { return values[b * functions + j]; }
};

TemporalBasis make_temporal_basis(const GeneratorConfig& config);

// Ground truth of one region in one session.
struct RegionModel {
    std::string name;
    bool encodes = false;
    std::size_t latent_dim = 0;
    std::size_t first_unit = 0, units = 0;     // unit rows [first_unit, first_unit + units)
    std::vector<double> baseline_hz;           // per unit, rate_scale applied
    Eigen::MatrixXd loadings;                  // units x d
    std::vector<Eigen::MatrixXd> coefficients; // per condition, d x B (X_c above)
    std::vector<Eigen::MatrixXd> trial_noise;  // per trial, d x B (Z_i above, sd applied)
};

class SessionModel {
public:
    // Draws every parameter of session `session` (0-based); config must validate.
    SessionModel(const GeneratorConfig& config, std::size_t session);

    const GeneratorConfig& config() const { return config_; }
    std::size_t session() const { return session_; }
    std::size_t subject() const { return config_.subject_of(session_); }
    const TrialSchedule& trials() const { return trials_; }
    const TemporalBasis& basis() const { return basis_; }
    const std::vector<RegionModel>& regions() const { return regions_; }
    const std::vector<Channel>& channels() const { return channels_; }
    std::size_t units() const { return units_; }
    std::size_t region_of(std::size_t unit) const;
    double baseline(std::size_t unit) const;

    // a_{u,j,i} for j = 0..B-1 into `out` (size B).
    void weights(std::size_t unit, std::size_t trial, std::span<double> out) const;
    // Rate (Hz) of a unit in a trial-relative model bin of a trial, given the trial's noise.
    double rate(std::size_t unit, std::size_t trial, std::size_t bin) const;
    // Expected spike count of a unit over [0, session_end), given the drawn trial noise.
    double expected_count(std::size_t unit) const;

    // One unit's spike times, sorted, from the unit's own stream.
    std::vector<double> simulate_unit(std::size_t unit) const;
    // Every unit (TBB over units); identical whatever the thread count.
    SpikeTrains simulate() const;

private:
    GeneratorConfig config_;
    std::size_t session_ = 0;
    std::size_t units_ = 0;
    TrialSchedule trials_;
    TemporalBasis basis_;
    std::vector<RegionModel> regions_;
    std::vector<Channel> channels_;
};

// The values CounterRng(seed, item, stream).next() returns, in the same order, but computing each
// Philox block once for its four outputs instead of once per output (the spike loop's hot path).
class BlockRng {
public:
    BlockRng(std::uint64_t seed, std::uint64_t item, std::uint64_t stream)
        : key_{{seed, item}}, stream_(stream) {}
    std::uint64_t next() {
        if (pos_ == 4) {
            r123::Philox4x64::ctr_type ctr{{block_++, stream_, 0, 0}};
            out_ = r123::Philox4x64()(ctr, key_);
            pos_ = 0;
        }
        return out_[pos_++];
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
    r123::Philox4x64::key_type key_;
    std::uint64_t stream_;
    std::uint64_t block_ = 0;
    r123::Philox4x64::ctr_type out_{};
    unsigned pos_ = 4;
};

// Stable 32-bit FNV-1a hash of a region name: keys the region's latent trajectories. Not the
// 64-bit kernels::fnv1a64 (kernels/hash.hpp) on purpose: it is a different function by design,
// and every generated dataset's ground-truth latents (and hence its spikes) are drawn under this
// key, so switching it would change the data `neuropop generate` writes for a given seed.
std::uint32_t region_key(const std::string& name);

} // namespace neuropop::kernels
