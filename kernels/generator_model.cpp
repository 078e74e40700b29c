#include "kernels/generator_model.hpp"
#include "kernels/gaussian.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <numbers>
#include <set>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace neuropop::kernels {

namespace {

// CounterRng streams. Key (seed, session index) unless noted; streams never overlap because the
// kind sits in the high 32 bits and region/unit indices stay below 2^32 (validate()).
constexpr std::uint64_t stream_labels = 1;
std::uint64_t stream_units(std::size_t region) { // baselines, then loadings, unit by unit
    return (std::uint64_t{2} << 32) | region;
}
std::uint64_t stream_noise(std::size_t region) { // trial latent noise, trial by trial
    return (std::uint64_t{3} << 32) | region;
}
std::uint64_t stream_spikes(std::size_t unit) { // one unit's spikes (BlockRng)
    return (std::uint64_t{4} << 32) | unit;
}
// Latent coefficients: key (seed, region_item(name)), stream 0 — shared by every session.
std::uint64_t region_item(const std::string& name) {
    return (std::uint64_t{1} << 63) | region_key(name);
}

// Spikes of one unit by time rescaling and thinning. The unit walks through pieces of
// piecewise-constant bound intensity (baseline outside the response window; baseline *
// exp(max weight) in each response segment); one unit-rate exponential clock runs through all
// pieces, a piece of intensity lambda and length L consuming lambda * L of it, so candidates are
// a Poisson process of the bound intensity and come out in time order. A candidate in a
// response segment is kept with probability exp(m(bin) - bound) <= 1.
//
// One 64-bit draw per candidate: its high 32 bits give the exponential gap that places the
// candidate (resolution 2^-32 in unit time, far below any spike-time resolution), its low 32
// bits the acceptance uniform.
class SpikeWalker {
public:
    // `capacity`: the expected number of candidates, and more (see spikes_of); the buffer is
    // left uninitialised (no zero-fill) and grows only if a unit draws more.
    SpikeWalker(BlockRng& rng, std::size_t capacity)
        : rng_(rng), out_(new double[std::max<std::size_t>(capacity, 64)]),
          capacity_(std::max<std::size_t>(capacity, 64)) {
        advance();
    }
    std::unique_ptr<double[]> release() { return std::move(out_); }
    std::size_t size() const { return n_; }

    // Every candidate is a spike: rate over [t0, t1).
    void homogeneous(double rate, double t0, double t1) {
        double cap = rate * (t1 - t0);
        if (!(cap > 0.0)) return;
        double inv = 1.0 / rate;
        while (left_ < cap) {
            room();
            out_[n_++] = t0 + left_ * inv;
            advance();
        }
        left_ -= cap;
    }

    // Response segment of a trial: bound intensity base * exp_bound per second, where
    // exp_bound = exp(bound) and bound >= every log-modulation in the segment.
    void thinned(double base, double bound, double exp_bound, std::span<const double> weights,
                 const TemporalBasis& basis, const TemporalBasis::Segment& seg,
                 double trial_start) {
        std::size_t nb = seg.end_bin - seg.first_bin;
        double per_bin = base * exp_bound * basis.bin;
        double cap = per_bin * static_cast<double>(nb);
        if (!(cap > 0.0)) return;
        double inv = 1.0 / per_bin;
        const double first = static_cast<double>(seg.first_bin);
        // At most two functions are active: evaluate both always (the second with weight 0 when
        // only one is), so the loop has no data-dependent branch besides acceptance.
        const std::size_t j0 = seg.lo, j1 = seg.hi - 1;
        const double w0 = weights[j0], w1 = j1 != j0 ? weights[j1] : 0.0;
        while (left_ < cap) {
            double x = first + left_ * inv;
            auto b = std::min(static_cast<std::size_t>(x), seg.end_bin - 1);
            const double* phi = &basis.values[b * basis.functions];
            double m = w0 * phi[j0] + w1 * phi[j1];
            room();
            out_[n_] = trial_start + x * basis.bin;
            n_ += accept(m - bound) ? 1 : 0; // written always, kept on acceptance
            advance();
        }
        left_ -= cap;
    }

private:
    void room() {
        if (n_ < capacity_) return;
        std::unique_ptr<double[]> grown(new double[2 * capacity_]);
        std::copy(out_.get(), out_.get() + n_, grown.get());
        out_ = std::move(grown);
        capacity_ *= 2;
    }
    // Gaps are computed four at a time (one Philox block): the four logs are independent, so
    // they overlap in the pipeline instead of each waiting behind the previous acceptance test.
    void advance() {
        if (k_ == gaps_.size()) {
            for (std::size_t i = 0; i < gaps_.size(); ++i) {
                std::uint64_t w = rng_.next();
                gaps_[i] = -std::log(static_cast<double>((w >> 32) + 1) * 0x1.0p-32);
                low_[i] = static_cast<std::uint32_t>(w);
            }
            k_ = 0;
        }
        left_ += gaps_[k_];
        bits_ = low_[k_++];
    }
    // u < exp(x) for x <= 0, squeezed by 1 + x <= exp(x) <= 1 / (1 - x) so that exp is only
    // evaluated for the candidates that fall between the two bounds.
    bool accept(double x) const {
        double u = static_cast<double>(bits_) * 0x1.0p-32;
        if (u < 1.0 + x) return true;
        if (u * (1.0 - x) > 1.0) return false;
        return u < std::exp(x);
    }

    BlockRng& rng_;
    std::unique_ptr<double[]> out_;
    std::size_t capacity_;
    std::size_t n_ = 0;      // spikes written to out_
    double left_ = 0.0;      // unit time from the current position to the next candidate
    std::uint32_t bits_ = 0; // acceptance bits of the draw that placed the next candidate
    std::array<double, 4> gaps_{};
    std::array<std::uint32_t, 4> low_{};
    std::size_t k_ = 4;
};

std::size_t whole_bins(double span, double bin) {
    return static_cast<std::size_t>(std::llround(span / bin));
}

bool is_whole_bins(double span, double bin) {
    double n = span / bin;
    return std::isfinite(n) && std::abs(n - std::round(n)) <= 1e-9 * std::max(1.0, std::abs(n));
}

std::string padded(std::size_t value, std::size_t count, std::size_t min_width) {
    std::string digits = std::to_string(value);
    std::size_t width = std::max(min_width, std::to_string(count > 0 ? count - 1 : 0).size());
    return std::string(width > digits.size() ? width - digits.size() : 0, '0') + digits;
}

TrialSchedule make_trials(const GeneratorConfig& cfg, std::size_t session) {
    TrialSchedule tr;
    const std::size_t n = cfg.trials, k = cfg.conditions, l = cfg.control_levels;
    // Slot s carries condition s % K (counts differ by at most 1) and control floor(s L / T)
    // (counts differ by at most 1, and each control block cycles through the conditions, so the
    // two labels are close to crossed); shuffling the slots keeps both counts exact.
    std::vector<std::size_t> slots(n);
    for (std::size_t s = 0; s < n; ++s)
        slots[s] = s;
    CounterRng rng(cfg.seed, session, stream_labels);
    shuffle(slots.begin(), slots.end(), rng);
    const double bin = cfg.bin;
    const double duration = static_cast<double>(cfg.trial_bins()) * bin;
    const double pre = static_cast<double>(cfg.pre_bins()) * bin;
    const double period = duration + cfg.inter_trial;
    for (std::size_t i = 0; i < n; ++i) {
        double start = cfg.inter_trial + static_cast<double>(i) * period;
        tr.start.push_back(start);
        tr.stop.push_back(start + duration);
        tr.stim_on.push_back(start + pre);
        tr.condition.push_back(static_cast<std::uint32_t>(slots[i] % k));
        tr.control.push_back(static_cast<std::uint32_t>(slots[i] * l / n));
    }
    tr.session_end = tr.stop.back() + cfg.inter_trial;
    return tr;
}

Eigen::MatrixXd normal_matrix(CounterRng& rng, std::size_t rows, std::size_t cols, double sd) {
    Eigen::MatrixXd m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    for (Eigen::Index c = 0; c < m.cols(); ++c)
        for (Eigen::Index r = 0; r < m.rows(); ++r)
            m(r, c) = sd * standard_normal(rng);
    return m;
}

} // namespace

std::uint32_t region_key(const std::string& name) {
    std::uint32_t h = 2166136261u;
    for (char c : name) {
        h ^= static_cast<unsigned char>(c); // the byte's value: char may be signed
        h *= 16777619u;
    }
    return h;
}

// ---- GeneratorConfig ---------------------------------------------------------------------------

std::size_t GeneratorConfig::trial_bins() const {
    return whole_bins(trial_duration, bin);
}
std::size_t GeneratorConfig::pre_bins() const {
    return whole_bins(pre_stimulus, bin);
}

std::size_t GeneratorConfig::latent_dim(std::size_t region) const {
    return latent_dims.size() == 1 ? latent_dims.front() : latent_dims.at(region);
}

bool GeneratorConfig::encodes(std::size_t region) const {
    if (!encoding_regions) return regions.size() == 1 || region + 1 < regions.size();
    return std::find(encoding_regions->begin(), encoding_regions->end(), regions.at(region)) !=
           encoding_regions->end();
}

std::string GeneratorConfig::subject_id(std::size_t subject) const {
    std::string id = "m"; // appended, not "m" + ...: GCC 12 bug 105329 warns on that form
    id += padded(subject, subjects, 2);
    return id;
}

std::string GeneratorConfig::session_label(std::size_t session) const {
    return padded(session, sessions, 3);
}

std::string GeneratorConfig::validate() const {
    std::vector<std::string> problems;
    auto need = [&](bool ok, const std::string& what) {
        if (!ok) problems.push_back(what);
    };
    constexpr std::size_t index_limit = std::size_t{1} << 32; // stream layout, see top of file
    need(sessions >= 1 && sessions < index_limit, "sessions must be in [1, 2^32)");
    need(subjects >= 1 && subjects <= sessions,
         "subjects must be at least 1 and at most the number of sessions");
    need(!regions.empty(), "at least one region is required");
    std::set<std::string> seen;
    for (const auto& r : regions) {
        need(!r.empty(), "region names must not be empty");
        need(r.find(',') == std::string::npos, "region name '" + r + "' must not contain ','");
        need(seen.insert(r).second, "region '" + r + "' is listed twice");
    }
    if (encoding_regions)
        for (const auto& r : *encoding_regions)
            need(seen.count(r) > 0, "encoding region '" + r + "' is not one of the regions");
    need(units_per_region >= 1, "units per region must be at least 1");
    need(units_per_region * std::max<std::size_t>(1, regions.size()) < index_limit,
         "too many units per session (limit 2^32)");
    need(trials >= 1 && trials < index_limit, "trials must be in [1, 2^32)");
    need(conditions >= 2 && conditions < index_limit, "conditions must be at least 2");
    need(control_levels >= 2 && control_levels < index_limit, "control levels must be at least 2");
    need(latent_dims.size() == 1 || latent_dims.size() == regions.size(),
         "latent dimensions: give one value or one per region (" + std::to_string(regions.size()) +
             ")");
    for (std::size_t d : latent_dims)
        need(d >= 1 && d <= 1000, "latent dimensions must be in [1, 1000]");
    need(temporal_basis >= 1 && temporal_basis <= 1000, "temporal basis must be in [1, 1000]");
    const bool bin_ok = std::isfinite(bin) && bin > 0.0;
    const bool duration_ok = std::isfinite(trial_duration) && trial_duration > 0.0;
    const bool pre_ok =
        std::isfinite(pre_stimulus) && pre_stimulus >= 0.0 && pre_stimulus < trial_duration;
    need(bin_ok, "bin must be > 0");
    need(duration_ok, "trial duration must be > 0");
    need(pre_ok, "pre-stimulus time must be in [0, trial duration)");
    need(std::isfinite(inter_trial) && inter_trial >= 0.0, "inter-trial time must be >= 0");
    if (bin_ok && duration_ok && pre_ok) {
        need(is_whole_bins(trial_duration, bin) && trial_bins() <= 100'000'000,
             "trial duration must be a whole number of model bins (at most 1e8)");
        need(is_whole_bins(pre_stimulus, bin), "pre-stimulus time must be a whole number of bins");
        need(trial_bins() >= pre_bins() + temporal_basis + 1,
             "the response window (trial duration - pre-stimulus) needs at least temporal "
             "basis + 1 model bins");
    }
    need(std::isfinite(baseline_median) && baseline_median > 0.0, "baseline median must be > 0");
    // Caps keep rates physiological and the thinning bound (exp of the largest weight) finite.
    need(std::isfinite(baseline_log_sd) && baseline_log_sd >= 0.0 && baseline_log_sd <= 3.0,
         "baseline log sd must be in [0, 3]");
    need(std::isfinite(rate_scale) && rate_scale > 0.0, "rate scale must be > 0");
    need(std::isfinite(modulation) && modulation >= 0.0 && modulation <= 3.0,
         "modulation must be in [0, 3]");
    need(std::isfinite(latent_noise) && latent_noise >= 0.0 && latent_noise <= 3.0,
         "latent noise must be in [0, 3]");
    if (!channels.empty() && (latent_dims.size() == 1 || latent_dims.size() == regions.size())) {
        std::vector<std::size_t> dims;
        for (std::size_t r = 0; r < regions.size(); ++r)
            dims.push_back(latent_dim(r));
        for (auto& p : channel_problems(channels, regions, dims))
            problems.push_back(std::move(p));
    }
    std::string out;
    for (const auto& p : problems)
        out += (out.empty() ? "" : "; ") + p;
    return out;
}

// ---- TemporalBasis -----------------------------------------------------------------------------

TemporalBasis make_temporal_basis(const GeneratorConfig& cfg) {
    TemporalBasis tb;
    tb.trial_bins = cfg.trial_bins();
    tb.pre_bins = cfg.pre_bins();
    tb.functions = cfg.temporal_basis;
    tb.bin = cfg.bin;
    const std::size_t nb = tb.functions;
    const double response = static_cast<double>(tb.trial_bins - tb.pre_bins) * tb.bin;
    tb.half_width = response / static_cast<double>(nb + 1);
    for (std::size_t j = 0; j < nb; ++j)
        tb.centres.push_back(static_cast<double>(j + 1) * tb.half_width);
    tb.values.assign(tb.trial_bins * nb, 0.0);
    tb.segments.resize(nb + 1);
    for (std::size_t k = 0; k <= nb; ++k) {
        auto& s = tb.segments[k];
        s.lo = k == 0 ? 0 : k - 1;
        s.hi = std::min(k + 1, nb);
        s.edge = k == 0 || k == nb;
        s.first_bin = s.end_bin = tb.pre_bins;
    }
    // Bin b belongs to the segment holding its centre tau: floor(tau / half_width), clamped.
    std::size_t current = 0;
    tb.segments[0].first_bin = tb.pre_bins;
    for (std::size_t b = tb.pre_bins; b < tb.trial_bins; ++b) {
        double tau = (static_cast<double>(b - tb.pre_bins) + 0.5) * tb.bin;
        auto k = std::min(nb, static_cast<std::size_t>(tau / tb.half_width));
        k = std::max(k, current); // monotone even under rounding
        while (current < k) {
            tb.segments[current].end_bin = b;
            tb.segments[++current].first_bin = b;
        }
        const auto& s = tb.segments[k];
        for (std::size_t j = s.lo; j < s.hi; ++j) {
            double d = std::abs(tau - tb.centres[j]) / tb.half_width;
            tb.values[b * nb + j] = d >= 1.0 ? 0.0 : 0.5 * (1.0 + std::cos(std::numbers::pi * d));
        }
    }
    tb.segments[current].end_bin = tb.trial_bins;
    for (std::size_t k = current + 1; k <= nb; ++k)
        tb.segments[k].first_bin = tb.segments[k].end_bin = tb.trial_bins;
    return tb;
}

// ---- SessionModel ------------------------------------------------------------------------------

SessionModel::SessionModel(const GeneratorConfig& config, std::size_t session)
    : config_(config), session_(session) {
    if (auto problems = config_.validate(); !problems.empty())
        throw std::invalid_argument("generator configuration: " + problems);
    trials_ = make_trials(config_, session_);
    basis_ = make_temporal_basis(config_);
    const std::size_t nb = config_.temporal_basis, k = config_.conditions;
    const double mu = std::log(config_.baseline_median);
    for (std::size_t r = 0; r < config_.regions.size(); ++r) {
        RegionModel reg;
        reg.name = config_.regions[r];
        reg.encodes = config_.encodes(r);
        reg.latent_dim = config_.latent_dim(r);
        reg.first_unit = units_;
        reg.units = config_.units_per_region;
        units_ += reg.units;
        const std::size_t d = reg.latent_dim;

        CounterRng unit_rng(config_.seed, session_, stream_units(r));
        reg.loadings.resize(static_cast<Eigen::Index>(reg.units), static_cast<Eigen::Index>(d));
        const double loading_sd = config_.modulation / std::sqrt(static_cast<double>(d));
        for (std::size_t u = 0; u < reg.units; ++u) {
            double z = standard_normal(unit_rng);
            reg.baseline_hz.push_back(config_.rate_scale *
                                      std::exp(mu + config_.baseline_log_sd * z));
            for (std::size_t c = 0; c < d; ++c)
                reg.loadings(static_cast<Eigen::Index>(u), static_cast<Eigen::Index>(c)) =
                    loading_sd * standard_normal(unit_rng);
        }

        CounterRng latent_rng(config_.seed, region_item(reg.name), 0);
        Eigen::MatrixXd shared = normal_matrix(latent_rng, d, nb, 1.0);
        for (std::size_t c = 0; c < k; ++c) {
            Eigen::MatrixXd specific = normal_matrix(latent_rng, d, nb, 1.0);
            reg.coefficients.push_back(
                reg.encodes ? Eigen::MatrixXd((shared + specific) * (1.0 / std::numbers::sqrt2))
                            : shared);
        }

        CounterRng noise_rng(config_.seed, session_, stream_noise(r));
        for (std::size_t i = 0; i < trials_.size(); ++i)
            reg.trial_noise.push_back(normal_matrix(noise_rng, d, nb, config_.latent_noise));
        regions_.push_back(std::move(reg));
    }
    if (!config_.channels.empty()) {
        std::vector<std::size_t> dims;
        for (const auto& reg : regions_)
            dims.push_back(reg.latent_dim);
        channels_ = draw_channels(config_.channels, config_.regions, dims, config_.seed, session_);
        apply_channels(channels_, regions_);
    }
}

std::size_t SessionModel::region_of(std::size_t unit) const {
    if (unit >= units_) throw std::out_of_range("unit row beyond the session's units");
    return unit / config_.units_per_region;
}

double SessionModel::baseline(std::size_t unit) const {
    const auto& reg = regions_[region_of(unit)];
    return reg.baseline_hz[unit - reg.first_unit];
}

void SessionModel::weights(std::size_t unit, std::size_t trial, std::span<double> out) const {
    const auto& reg = regions_[region_of(unit)];
    auto row = reg.loadings.row(static_cast<Eigen::Index>(unit - reg.first_unit));
    const auto& x = reg.coefficients[trials_.condition.at(trial)];
    const auto& z = reg.trial_noise[trial];
    for (std::size_t j = 0; j < basis_.functions; ++j) {
        auto col = static_cast<Eigen::Index>(j);
        out[j] = row.dot(x.col(col) + z.col(col));
    }
}

double SessionModel::rate(std::size_t unit, std::size_t trial, std::size_t bin) const {
    double base = baseline(unit);
    if (bin < basis_.pre_bins) return base;
    std::vector<double> a(basis_.functions);
    weights(unit, trial, a);
    double m = 0.0;
    for (std::size_t j = 0; j < basis_.functions; ++j)
        m += a[j] * basis_.at(bin, j);
    return base * std::exp(m);
}

double SessionModel::expected_count(std::size_t unit) const {
    const double base = baseline(unit);
    const std::size_t response_bins = basis_.trial_bins - basis_.pre_bins;
    double outside =
        trials_.session_end - static_cast<double>(trials_.size() * response_bins) * basis_.bin;
    double total = base * outside;
    std::vector<double> a(basis_.functions);
    for (std::size_t i = 0; i < trials_.size(); ++i) {
        weights(unit, i, a);
        for (std::size_t b = basis_.pre_bins; b < basis_.trial_bins; ++b) {
            double m = 0.0;
            for (std::size_t j = 0; j < basis_.functions; ++j)
                m += a[j] * basis_.at(b, j);
            total += base * std::exp(m) * basis_.bin;
        }
    }
    return total;
}

namespace {

// One unit's spikes, sorted, in an uninitialised buffer sized once from the thinning bound
// (simulate_unit copies it into a vector; simulate concatenates them).
struct UnitSpikes {
    std::unique_ptr<double[]> times;
    std::size_t size = 0;
};

UnitSpikes spikes_of(const SessionModel& model, std::size_t unit) {
    const GeneratorConfig& config = model.config();
    const TrialSchedule& trials = model.trials();
    const TemporalBasis& basis = model.basis();
    const auto& reg = model.regions()[model.region_of(unit)];
    const std::size_t nb = basis.functions, n_trials = trials.size();
    const double base = model.baseline(unit);
    auto row = reg.loadings.row(static_cast<Eigen::Index>(unit - reg.first_unit));
    // l_u . X_c per condition, once; the trial noise term is added per trial.
    std::vector<double> mean_weights(config.conditions * nb);
    for (std::size_t c = 0; c < config.conditions; ++c)
        for (std::size_t j = 0; j < nb; ++j)
            mean_weights[c * nb + j] =
                row.dot(reg.coefficients[c].col(static_cast<Eigen::Index>(j)));

    // Every trial's weights a and exp(a) first, and from them the expected number of
    // candidates (the bound intensity integrated over the session): the output buffer is sized
    // from it once, with room for 6 standard deviations of the Poisson count, instead of
    // growing (and being copied) from a guess at the baseline rate.
    std::vector<double> a(n_trials * nb), ea(n_trials * nb);
    std::vector<double> bounds(n_trials * basis.segments.size()),
        exp_bounds(n_trials * basis.segments.size());
    double candidates = 0.0, cursor = 0.0;
    for (std::size_t i = 0; i < n_trials; ++i) {
        candidates += base * (trials.stim_on[i] - cursor);
        const auto& z = reg.trial_noise[i];
        const double* w = &mean_weights[trials.condition[i] * nb];
        double* ai = &a[i * nb];
        double* eai = &ea[i * nb];
        for (std::size_t j = 0; j < nb; ++j) {
            ai[j] = w[j] + row.dot(z.col(static_cast<Eigen::Index>(j)));
            eai[j] = std::exp(ai[j]);
        }
        for (std::size_t k = 0; k < basis.segments.size(); ++k) {
            const auto& seg = basis.segments[k];
            // Inside a segment the active phi are >= 0 and sum to 1 (to at most 1 in the edge
            // segments, the rest being weight 0), so m <= max(active a [, 0]).
            double bound = seg.edge ? 0.0 : -HUGE_VAL, exp_bound = seg.edge ? 1.0 : 0.0;
            for (std::size_t j = seg.lo; j < seg.hi; ++j)
                if (ai[j] > bound) {
                    bound = ai[j];
                    exp_bound = eai[j];
                }
            bounds[i * basis.segments.size() + k] = bound;
            exp_bounds[i * basis.segments.size() + k] = exp_bound;
            candidates +=
                base * exp_bound * basis.bin * static_cast<double>(seg.end_bin - seg.first_bin);
        }
        cursor = trials.stop[i];
    }
    candidates += base * (trials.session_end - cursor);
    const double room = candidates + 6.0 * std::sqrt(candidates) + 64.0;

    BlockRng rng(config.seed, model.session(), stream_spikes(unit));
    SpikeWalker walker(rng, std::isfinite(room) ? static_cast<std::size_t>(room) : 64);
    cursor = 0.0;
    for (std::size_t i = 0; i < n_trials; ++i) {
        walker.homogeneous(base, cursor, trials.stim_on[i]);
        const std::span<const double> ai(&a[i * nb], nb);
        for (std::size_t k = 0; k < basis.segments.size(); ++k)
            walker.thinned(base, bounds[i * basis.segments.size() + k],
                           exp_bounds[i * basis.segments.size() + k], ai, basis, basis.segments[k],
                           trials.start[i]);
        cursor = trials.stop[i];
    }
    walker.homogeneous(base, cursor, trials.session_end);
    UnitSpikes out{walker.release(), walker.size()};
    // Candidates come out in time order within a piece; this only guards a one-ulp overlap
    // where the last candidate of a piece rounds past the start of the next.
    double* first = out.times.get();
    if (!std::is_sorted(first, first + out.size)) std::sort(first, first + out.size);
    return out;
}

} // namespace

std::vector<double> SessionModel::simulate_unit(std::size_t unit) const {
    const UnitSpikes s = spikes_of(*this, unit);
    return std::vector<double>(s.times.get(), s.times.get() + s.size);
}

SpikeTrains SessionModel::simulate() const {
    std::vector<UnitSpikes> per_unit(units_);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, units_),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                          for (std::size_t u = range.begin(); u != range.end(); ++u)
                              per_unit[u] = spikes_of(*this, u);
                      });
    SpikeTrains st;
    std::size_t total = 0;
    for (const auto& v : per_unit)
        total += v.size;
    st.times.reserve(total);
    st.offsets.reserve(units_ + 1);
    for (auto& v : per_unit) {
        st.times.insert(st.times.end(), v.times.get(), v.times.get() + v.size);
        st.offsets.push_back(st.times.size());
        v.times.reset();
    }
    return st;
}

} // namespace neuropop::kernels
