#include "kernels/coupling_generator.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "kernels/rng.hpp"

namespace neuropop::kernels {

namespace {

// Stream kind 5 (kernels/generator_model.cpp uses 1–4), key (seed, session), one per region.
std::uint64_t stream_coupling(std::size_t region) {
    return (std::uint64_t{5} << 32) | region;
}

bool whole(double span, double bin) {
    const double n = span / bin;
    return std::isfinite(n) && std::abs(n - std::round(n)) <= 1e-9 * std::max(1.0, std::abs(n));
}

// Knuth's multiplication method: the expected number of uniforms is μ + 1, μ ≤ cap.
std::size_t poisson(double mu, CounterRng& rng) {
    const double limit = std::exp(-mu);
    double product = rng.uniform();
    std::size_t count = 0;
    while (product > limit) {
        product *= rng.uniform();
        ++count;
    }
    return count;
}

bool coupled(const CouplingConfig& c, const std::string& region) {
    return c.regions.empty() ||
           std::find(c.regions.begin(), c.regions.end(), region) != c.regions.end();
}

} // namespace

std::string CouplingConfig::validate(const GeneratorConfig& model) const {
    std::vector<std::string> problems;
    auto need = [&](bool ok, const std::string& what) {
        if (!ok) problems.push_back(what);
    };
    need(std::isfinite(weight) && weight >= 0.0 && weight <= 5.0, "coupling must be in [0, 5]");
    need(std::isfinite(density) && density >= 0.0 && density <= 1.0,
         "coupling density must be in [0, 1]");
    need(basis >= 2 && basis <= 20, "coupling basis must be in [2, 20]");
    need(std::isfinite(cap) && cap > 0.0 && cap <= 1000.0, "coupling cap must be in (0, 1000]");
    const bool bin_ok = std::isfinite(bin) && bin > 0.0;
    need(bin_ok, "coupling bin must be > 0");
    if (bin_ok) {
        need(std::isfinite(history) && history >= 2.0 * bin && whole(history, bin),
             "coupling history must be a whole number (≥ 2) of coupling bins");
        need(whole(bin, model.bin), "coupling bin must be a whole number of model bins");
        need(whole(model.trial_duration, bin) && whole(model.pre_stimulus, bin) &&
                 whole(model.inter_trial, bin),
             "trial duration, pre-stimulus and inter-trial times must be whole coupling bins");
    }
    std::set<std::string> names(model.regions.begin(), model.regions.end());
    for (const auto& r : regions)
        need(names.count(r) > 0, "coupled region '" + r + "' is not one of the regions");
    std::string out;
    for (const auto& p : problems)
        out += (out.empty() ? "" : "; ") + p;
    return out;
}

PostSpikeBasisSpec coupling_history_basis(std::size_t n_basis, double history, double bin) {
    PostSpikeBasisSpec spec;
    spec.n_basis = static_cast<int>(n_basis);
    spec.first_peak = 0.0;
    spec.last_peak = history / 2.0;
    spec.b = bin;
    spec.dt = bin;
    spec.history = history;
    return spec;
}

std::vector<CoupledRegionTruth>
simulate_coupling(const SessionModel& model, const CouplingConfig& config, SpikeTrains& spikes) {
    using Eigen::Index;
    const auto& cfg = model.config();
    if (const auto why = config.validate(cfg); !why.empty())
        throw std::invalid_argument("simulate_coupling: " + why);
    const auto& trials = model.trials();
    const auto& tb = model.basis();
    const double delta = config.bin;
    const auto per_bin = static_cast<std::size_t>(std::llround(delta / cfg.bin));
    const auto n_bins = static_cast<std::size_t>(std::llround(trials.session_end / delta));
    const auto trial_bins = static_cast<std::size_t>(std::llround(cfg.trial_duration / delta));
    const Eigen::MatrixXd basis =
        post_spike_basis(coupling_history_basis(config.basis, config.history, delta));
    const Index nb = basis.cols(), lags = basis.rows();
    const Eigen::VectorXd column_sums = basis.colwise().sum().transpose();

    std::vector<std::vector<double>> replaced(model.units());
    std::vector<bool> is_replaced(model.units(), false);
    // The networks simulated: each coupled region on its own, or (config.across) one network of
    // all coupled regions' units, so that couplings cross regions.
    std::vector<std::vector<std::size_t>> networks;
    for (std::size_t r = 0; r < model.regions().size(); ++r) {
        if (!coupled(config, model.regions()[r].name)) continue;
        if (networks.empty() || !config.across) networks.emplace_back();
        networks.back().push_back(r);
    }
    std::vector<CoupledRegionTruth> truths;
    for (const auto& network : networks) {
        const std::size_t r = network.front();
        CounterRng rng(cfg.seed, model.session(), stream_coupling(r));
        CoupledRegionTruth truth;
        truth.region = r;
        truth.regions = network;
        for (std::size_t n : network) {
            const auto& reg = model.regions()[n];
            for (std::size_t u = 0; u < reg.units; ++u)
                truth.unit_indices.push_back(reg.first_unit + u);
        }
        truth.first_unit = truth.unit_indices.empty() ? 0 : truth.unit_indices.front();
        truth.units = truth.unit_indices.size();
        truth.basis = basis;
        const auto& members = truth.unit_indices;
        const auto U = static_cast<Index>(truth.units);
        truth.basis_weights = Eigen::MatrixXd::Zero(U * U, nb);
        Eigen::VectorXd shape = Eigen::VectorXd::Zero(nb);
        shape(0) = 1.0;
        shape(1) = 1.0;
        shape /= column_sums(0) + column_sums(1);
        for (Index t = 0; t < U; ++t)
            for (Index s = 0; s < U; ++s) {
                if (s == t) {
                    for (Index j = 0; j < nb && j < 3; ++j)
                        truth.basis_weights(t * U + s, j) = own_history_weights[j];
                    continue;
                }
                // Three draws per pair whether coupled or not, so one pair's draw never shifts
                // another's.
                const bool on = rng.uniform() < config.density;
                const double sign = rng.uniform() < 0.5 ? -1.0 : 1.0;
                const double size = 0.5 + rng.uniform();
                if (on) truth.basis_weights.row(t * U + s) = sign * config.weight * size * shape;
            }
        const Eigen::MatrixXd filters = truth.basis_weights * basis.transpose(); // U² × lags
        truth.integrated.resize(U, U);
        for (Index t = 0; t < U; ++t)
            for (Index s = 0; s < U; ++s)
                truth.integrated(t, s) = filters.row(t * U + s).sum();

        // Log drive per unit and trial-relative coupling bin, per trial: ln(Σ rate · model bin).
        const std::size_t T = trials.size();
        std::vector<double> log_drive(truth.units * T * trial_bins);
        std::vector<double> a(tb.functions);
        for (std::size_t u = 0; u < truth.units; ++u) {
            const std::size_t unit = members[u];
            const double base = model.baseline(unit);
            for (std::size_t i = 0; i < T; ++i) {
                model.weights(unit, i, a);
                for (std::size_t k = 0; k < trial_bins; ++k) {
                    double sum = 0;
                    for (std::size_t b = k * per_bin; b < (k + 1) * per_bin; ++b) {
                        double m = 0;
                        if (b >= tb.pre_bins)
                            for (std::size_t j = 0; j < tb.functions; ++j)
                                m += a[j] * tb.at(b, j);
                        sum += base * std::exp(m) * cfg.bin;
                    }
                    log_drive[(u * T + i) * trial_bins + k] = std::log(sum);
                }
            }
        }
        std::vector<double> log_base(truth.units);
        for (std::size_t u = 0; u < truth.units; ++u)
            log_base[u] = std::log(model.baseline(members[u]) * delta);

        // Ring of future history input per unit: slot k mod (lags + 1) holds bin k's.
        const auto ring = static_cast<std::size_t>(lags) + 1;
        std::vector<double> pending(truth.units * ring, 0.0);
        std::vector<std::size_t> counts(truth.units);
        std::vector<std::vector<double>> times(truth.units);
        std::size_t trial = 0;
        std::vector<std::size_t> trial_first(T);
        for (std::size_t i = 0; i < T; ++i)
            trial_first[i] = static_cast<std::size_t>(std::llround(trials.start[i] / delta));
        for (std::size_t k = 0; k < n_bins; ++k) {
            while (trial < T && k >= trial_first[trial] + trial_bins)
                ++trial;
            const bool inside = trial < T && k >= trial_first[trial];
            const std::size_t slot = k % ring;
            for (std::size_t u = 0; u < truth.units; ++u) {
                const double drive =
                    inside ? log_drive[(u * T + trial) * trial_bins + (k - trial_first[trial])]
                           : log_base[u];
                double mu = std::exp(drive + pending[u * ring + slot]);
                pending[u * ring + slot] = 0.0;
                if (!(mu <= config.cap)) {
                    mu = config.cap;
                    ++truth.capped_bins;
                }
                counts[u] = poisson(mu, rng);
            }
            for (std::size_t s = 0; s < truth.units; ++s) {
                if (counts[s] == 0) continue;
                const auto c = static_cast<double>(counts[s]);
                for (std::size_t t = 0; t < truth.units; ++t) {
                    const Index row = static_cast<Index>(t) * U + static_cast<Index>(s);
                    for (Index l = 0; l < lags; ++l)
                        pending[t * ring + (k + 1 + static_cast<std::size_t>(l)) % ring] +=
                            c * filters(row, l);
                }
                const std::size_t first = times[s].size();
                for (std::size_t n = 0; n < counts[s]; ++n)
                    times[s].push_back((static_cast<double>(k) + rng.uniform()) * delta);
                std::sort(times[s].begin() + static_cast<std::ptrdiff_t>(first), times[s].end());
                truth.spikes += counts[s];
            }
        }
        for (std::size_t u = 0; u < truth.units; ++u) {
            replaced[members[u]] = std::move(times[u]);
            is_replaced[members[u]] = true;
        }
        truths.push_back(std::move(truth));
    }

    SpikeTrains out;
    out.offsets.reserve(model.units() + 1);
    for (std::size_t u = 0; u < model.units(); ++u) {
        if (is_replaced[u]) {
            out.times.insert(out.times.end(), replaced[u].begin(), replaced[u].end());
        } else {
            const auto span = spikes.unit(u);
            out.times.insert(out.times.end(), span.begin(), span.end());
        }
        out.offsets.push_back(out.times.size());
    }
    spikes = std::move(out);
    return truths;
}

} // namespace neuropop::kernels
