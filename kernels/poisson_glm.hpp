#pragma once
// Poisson GLM with an L2 penalty fitted by Newton's method, and the coupled population GLM of
// Pillow et al. 2008 (Nature 454:995; conventions of J. Pillow's GLMspiketools). The design
// blocks (raised-cosine bases) are kernels/raised_cosine.hpp; docs/analyses/interactions.md
// states the method.
//
// One unit: counts y_i in bins, log rate η_i = x_iᵀw + b. Objective (penalty on the SUMMED
// log-likelihood, the log y! constant dropped):
//
//     f(w, b) = Σ_i [exp(η_i) − y_i η_i] + (λ/2) ‖w‖²,   intercept b not penalised.
//
// scikit-learn's PoissonRegressor(alpha) minimises the MEAN deviance instead,
// (1/2n) Σ dev_i + (α/2)‖w‖² = (1/n) Σ [exp(η_i) − y_i η_i] + (α/2)‖w‖² + const, so
// λ = n α gives the same minimiser.
//
// Newton / IRLS: gradient g = [Xᵀ(μ − y) + λw; Σ(μ − y)], Hessian H = [XᵀMX + λI, XᵀM1; ·, Σμ]
// with M = diag(μ), μ = exp(η); step Δ = −H⁻¹g by Cholesky (a complete orthogonal
// decomposition if H is singular, e.g. λ = 0 with collinear columns), halved until f decreases
// (a full step whose predicted decrease is below f's rounding error, 16ε Σ|terms of f|, is taken
// unless f grows beyond that error). Stops after a step whose predicted decrease −gᵀΔ / 2 (half
// the squared Newton decrement, ≈ f − f* before the step) is ≤ tolerance · Σ|terms of f|; the
// step itself is taken, so the parameter error left is quadratically smaller (rounding level).
// Also stops, not converged, when no halving decreases f. Started at w = 0, b = log(mean y)
// unless a start is given. Cost per iteration O(n d²); typically 5–8 iterations from the start.
//
// Coupled GLM (fit_coupled_glm): rows = trials × bins (trial-major), columns = units. For each
// unit, η = stimulus block (one-hot condition × trial raised-cosine basis) + Σ_units coupling
// block (each unit's past counts through the post-spike basis; the unit's own block is its
// spike-history filter) + b. Three nested models per unit: stimulus only; uncoupled (stimulus
// + own history, Pillow's "uncoupled"); coupled (all units). λ per unit and model from `l2`
// by cross-validated log-likelihood (folds over whole trials; λ tried largest first, each fit
// warm-started from the previous λ's), then refitted on all trials with the chosen λ (the
// penalty is on the summed likelihood, so the final fit on k/(k − 1) times more data is
// relatively less penalised). Log-likelihood gains in bits per spike: (LL_a − LL_b) / (N ln 2)
// with LL the cross-validated log-likelihood (summed over the test folds, with log y!) at each
// model's chosen λ and N the unit's spike count. The chosen λ is selected on the same folds it
// is scored on (no nested CV), which favours both models alike.
// Units run in parallel (TBB), each writing its own slots: bitwise identical for any thread
// count.

#include <span>
#include <vector>

#include <Eigen/Core>

namespace neuropop::kernels {

struct NewtonOptions {
    double tolerance = 1e-15; // on the predicted decrease relative to Σ|terms of f|
    int max_iterations = 100;
};

struct PoissonGlmFit {
    Eigen::VectorXd weights; // d
    double intercept = 0;
    double objective = 0; // f at the solution
    int iterations = 0;
    bool converged = false;
};

// design: n × d (may have d = 0), counts: n non-negative values, not all 0; l2 ≥ 0. `start`
// (optional) warm-starts the iterations. Throws std::invalid_argument otherwise.
PoissonGlmFit fit_poisson_glm(const Eigen::Ref<const Eigen::MatrixXd>& design,
                              const Eigen::Ref<const Eigen::VectorXd>& counts, double l2,
                              const NewtonOptions& options = {},
                              const PoissonGlmFit* start = nullptr);

// The same objective on pooled rows: row g of `design` stands for exposure_g ≥ 0 bins that share
// that design row and whose counts sum to counts_g, so
//     Σ_g [e_g exp(η_g) − Y_g η_g] + (λ/2)‖w‖² = Σ_i [exp(η_i) − y_i η_i] + (λ/2)‖w‖²
// term for term (y ≥ 0, so the Σ|terms| of the stopping rule is the same too): the same
// minimiser and stopping rule as fit_poisson_glm on the unpooled rows, equal to rounding. Cost
// per iteration O(G d²) for G pooled rows instead of O(n d²).
PoissonGlmFit fit_poisson_glm_pooled(const Eigen::Ref<const Eigen::MatrixXd>& design,
                                     const Eigen::Ref<const Eigen::VectorXd>& exposure,
                                     const Eigen::Ref<const Eigen::VectorXd>& counts, double l2,
                                     const NewtonOptions& options = {},
                                     const PoissonGlmFit* start = nullptr);

// The stimulus design (kernels/raised_cosine.hpp stimulus_design) has one distinct row per
// (condition, bin), shared by all trials of a condition: its pooled form. design: row
// c · bins + b = the row of a condition-c trial at bin b; exposure: the number of included
// trials of each condition (repeated over its bins); pool(y) sums a unit's counts (rows =
// trials × bins, trial-major) over the included trials into those rows. Then
// fit_poisson_glm_pooled(design, exposure, pool(y), λ) fits stimulus_design on the included
// trials' rows in O(n) for the pooling plus O(C·bins · (C·B)²) per Newton iteration.
struct PooledStimulus {
    Eigen::MatrixXd design;   // (conditions · bins) × (conditions · trial basis)
    Eigen::VectorXd exposure; // conditions · bins
    int bins = 0;
    int n_conditions = 0;
    Eigen::MatrixXd trial_basis; // bins × B
    std::vector<int> conditions; // per trial
    std::vector<char> include;   // per trial
    Eigen::VectorXd pool(const Eigen::Ref<const Eigen::VectorXd>& counts) const;
};

// fit_poisson_glm_pooled(pooled.design, pooled.exposure, counts, …) using the design's
// block structure (one condition's bins × B block per row): the same iterations with
// O(C · bins · B²) per Hessian instead of O(C · bins · (C · B)²); equal to rounding.
PoissonGlmFit fit_stimulus_glm(const PooledStimulus& pooled,
                               const Eigen::Ref<const Eigen::VectorXd>& counts, double l2,
                               const NewtonOptions& options = {},
                               const PoissonGlmFit* start = nullptr);

// include: one flag per trial (empty: every trial). Throws std::invalid_argument for a label
// outside [0, n_conditions).
PooledStimulus pool_stimulus(std::span<const int> conditions, int n_conditions,
                             const Eigen::Ref<const Eigen::MatrixXd>& trial_basis,
                             std::span<const char> include = {});

// Σ_i [y_i η_i − exp(η_i) − log y_i!] in nats.
double poisson_log_likelihood(const Eigen::Ref<const Eigen::MatrixXd>& design,
                              const Eigen::Ref<const Eigen::VectorXd>& counts,
                              const PoissonGlmFit& fit);

struct CoupledGlmSpec {
    int n_conditions = 1;
    Eigen::MatrixXd trial_basis;   // bins per trial × stimulus basis (raised_cosine.hpp)
    Eigen::MatrixXd history_basis; // lags × coupling basis (post_spike_basis)
    // λ candidates on the summed scale; tried in descending order.
    std::vector<double> l2 = {1000, 316.2, 100, 31.62, 10, 3.162, 1};
    NewtonOptions newton;
    // The units whose models are fitted (distinct column indices of counts), in the order of
    // the results' rows; empty: every unit. Every unit's history is a covariate of the coupled
    // model either way (e.g. a target region's units fitted from both regions' history).
    std::vector<int> targets;
};

// Rows are the fitted units (CoupledGlmSpec::targets, by default every unit: targets = units).
struct CoupledGlmResult {
    int units = 0, targets = 0, n_basis = 0, lags = 0;
    // Row target row · units + source unit (source == target: the spike-history filter).
    Eigen::MatrixXd coupling_weights; // targets · units × n_basis
    Eigen::MatrixXd coupling_filters; // targets · units × lags: weights × basisᵀ, lag i = i + 1
    Eigen::MatrixXd integrated;       // targets × units: Σ over lags of the filter
    Eigen::MatrixXd stimulus_weights; // targets × (n_conditions · stimulus basis)
    Eigen::VectorXd intercepts;       // targets (coupled model)
    Eigen::VectorXd spikes;           // targets: spike count
    // Per fitted unit, for the models stimulus (0), uncoupled (1), coupled (2):
    Eigen::MatrixXd cv_log_likelihood;      // targets × 3, nats, at the chosen λ
    Eigen::MatrixXd chosen_l2;              // targets × 3
    std::vector<Eigen::MatrixXd> cv_curves; // per model: targets × λ grid (descending), nats
    Eigen::VectorXd gain_vs_stimulus;       // targets: coupled over stimulus-only, bits / spike
    Eigen::VectorXd gain_vs_uncoupled;      // targets: coupled over uncoupled, bits / spike
};

// counts: rows = trials × bins per trial (trial-major), columns = units (non-negative integer
// counts); conditions: one label in [0, n_conditions) per trial; trial_folds: fold id in
// [0, k) per trial (e.g. kernels/folds.hpp shuffled_folds over trials), k ≥ 2. Every fitted
// unit must spike in every training fold. Cost per Newton iteration of the coupled model
// O(n (C·B_s + U·B_h)²); about 3–6 iterations per λ with warm starts.
CoupledGlmResult fit_coupled_glm(const Eigen::Ref<const Eigen::MatrixXd>& counts,
                                 std::span<const int> conditions, std::span<const int> trial_folds,
                                 const CoupledGlmSpec& spec);

} // namespace neuropop::kernels
