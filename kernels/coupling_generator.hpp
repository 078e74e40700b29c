#pragma once
// Coupled units for `neuropop generate --coupling W`: the spikes of every unit in the coupled
// regions are redrawn from a discrete-time Poisson GLM (Pillow et al. 2008, Nature 454:995; the
// model kernels/poisson_glm.hpp fits), so the coupling analysis (docs/ANALYSES.md §7) has a
// known answer:
//
//   count_u(k) ~ Poisson(μ_u(k)),  μ_u(k) = min(cap, r_u(k) Δ · exp(Σ_s Σ_{l≥1} F_{u,s}(l)
//   count_s(k − l)))
//
// in bins k of width Δ = `bin` on the session clock (bin 0 starts at time 0). r_u(k) is the
// latent-variable model's rate (kernels/generator_model.hpp, trial noise included) averaged over
// the bin: the stimulus drive. F_{u,s} = basis · v_{u,s} with the post-spike basis of
// coupling_history_basis(): own history (s = u) v = refractory weights fixed below; between
// units, each ordered pair (u, s ≠ u) is coupled with probability `density`, with integrated
// weight Σ_l F_{u,s}(l) = ±W (0.5 + U(0, 1)) (sign ± with probability ½) and filter shape the
// sum of the first two basis functions scaled to integrate to 1; uncoupled pairs have F = 0.
// History runs across trial boundaries (the session is one continuous recording); the fit
// truncates it at a trial's first bin, which only touches the first `history` of each window.
// Each bin's spikes are placed uniformly at random inside the bin. μ is capped at `cap` spikes
// per bin (an excitatory loop could otherwise run away); the number of capped bins is reported
// with the truth.
//
// Determinism: one CounterRng stream per (seed, session, region) draws the couplings, then the
// counts bin by bin, unit by unit, then the spike positions: no dependence on threads.

#include <cstddef>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "kernels/binning.hpp"
#include "kernels/generator_model.hpp"
#include "kernels/raised_cosine.hpp"

namespace neuropop::kernels {

struct CouplingConfig {
    double weight = 0.0;              // W above; 0: no coupled units (the generator's default)
    double density = 0.2;             // probability that an ordered pair of units is coupled
    double bin = 0.01;                // Δ, seconds
    double history = 0.1;             // seconds of history the filters span
    std::size_t basis = 4;            // post-spike basis functions (≥ 2)
    double cap = 20.0;                // μ cap, spikes per bin
    std::vector<std::string> regions; // coupled regions; empty: every region
    // One network of all coupled regions' units (ordered pairs in different regions coupled
    // with the same density), drawn from the first coupled region's stream; false: each region
    // on its own.
    bool across = false;

    bool enabled() const { return weight > 0.0; }
    // Empty when valid for `model` (bins must tile trials and gaps), else every problem.
    std::string validate(const GeneratorConfig& model) const;
};

// The post-spike basis the generator and the coupling analysis share: n_basis log-stretched
// raised cosines (kernels/raised_cosine.hpp) with first peak at lag 0, last peak at history / 2,
// stretch offset b = bin, on lags bin, 2 bin, … truncated to round(history / bin) lags.
PostSpikeBasisSpec coupling_history_basis(std::size_t n_basis, double history, double bin);

// Own-history (refractory) weights of the first basis functions; the rest are 0.
inline constexpr double own_history_weights[] = {-1.5, -0.5, -0.2};

struct CoupledRegionTruth {
    std::size_t region = 0;                // index in GeneratorConfig::regions (the first one)
    std::vector<std::size_t> regions;      // every region of the network (several: across)
    std::vector<std::size_t> unit_indices; // model units, in the order of the matrices' axes
    std::size_t first_unit = 0, units = 0;
    Eigen::MatrixXd basis;         // lags × n_basis
    Eigen::MatrixXd basis_weights; // units² × n_basis, row target · units + source
    Eigen::MatrixXd integrated;    // units × units (target, source): Σ over lags of F
    std::size_t capped_bins = 0;   // unit-bins whose μ hit the cap
    std::size_t spikes = 0;
};

// Redraws the spikes of the coupled regions' units in `spikes` (the other units are left as they
// are) and returns each network's truth (one per coupled region, or one for all: across), in
// region order. `config` must validate.
std::vector<CoupledRegionTruth>
simulate_coupling(const SessionModel& model, const CouplingConfig& config, SpikeTrains& spikes);

} // namespace neuropop::kernels
