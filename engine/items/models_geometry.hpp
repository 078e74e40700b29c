#pragma once
// Geometry and manifold capacity of one representation of the stimuli — a population's condition
// means or a layer's activations — with the same kernels on both sides (docs/ANALYSES.md §8–9):
// participation ratio, few-shot manifold geometry (kernels/manifold.hpp) and mean-field and
// simulation capacity (kernels/manifold_capacity.hpp). A manifold is the set of stimuli of one
// class (models.manifold_column), one point per stimulus.

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "io/result_block.hpp"
#include "jobs/job_spec.hpp"

namespace neuropop::engine::models_geometry {

// The classes of the stimuli a population uses: classes with at least two stimuli (a
// manifold needs a spread), sorted by label; `rows[c]` indexes the stimuli (rows of the points).
struct Classes {
    std::vector<std::string> names;
    std::vector<std::vector<Eigen::Index>> rows;
    std::vector<std::string> single; // classes left out: one stimulus only
};

// Classes from each stimulus's class label. Throws std::runtime_error (with `item` in the
// message) when fewer than two classes have two stimuli.
Classes classes_of(const std::vector<std::string>& class_of_stimulus, const std::string& item);

// Participation ratio (Σλ)²/Σλ² of the points' covariance, from their centred Gram matrix G:
// the non-zero eigenvalues are shared, so it is tr(G)²/‖G‖²_F — no eigen-decomposition.
double participation_ratio(const Eigen::MatrixXd& centred_gram);

// An isometric embedding of points known only through their centred Gram matrix G (n × n):
// rows Y with Y Yᵀ = G (eigenvectors scaled by √λ, eigenvalues below 1e-12 λ_max dropped; each
// eigenvector's largest-magnitude entry made positive so equal Grams give equal embeddings).
// Every quantity invariant to rotations and translations of the points is unchanged.
Eigen::MatrixXd embedding(const Eigen::MatrixXd& centred_gram);

// RNG streams (CounterRng(seed, item key, stream)): the same for the population and for every
// layer (common random numbers: differences between layers are not differences of draws).
inline constexpr std::uint64_t stream_episodes = 3;
inline constexpr std::uint64_t stream_capacity = 4;
inline constexpr std::uint64_t stream_simulation = 5;

// Adds `<group>/geometry` (when `geometry`) and `<group>/capacity` (when `capacity`) for the
// points (stimuli × dimensions, rows as in `classes`), plus `<group>/participation_ratio`.
// `what` says what the points are (for the descriptions).
void add(io::ResultBlock& block, const std::string& group, const Eigen::MatrixXd& points,
         double participation, const Classes& classes, const jobs::ModelsSection& spec,
         bool geometry, bool capacity, std::uint64_t seed, std::uint64_t key,
         const std::string& what);

} // namespace neuropop::engine::models_geometry
