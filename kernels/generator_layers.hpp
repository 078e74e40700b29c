#pragma once
// Network layers with known relations to the generator's latent (`neuropop generate
// --model-file`, docs/MODELS.md): one activations matrix per layer, one row per stimulus value
// stim_0 ... stim_{K-1}, built from the latent coefficients X_c (d x B,
// kernels/generator_model.hpp) of each region that encodes the stimulus, which are the same in
// every session:
//   latent_<region>    vec(X_c) (d B features, column-major): the region's latent itself
//   rotated_<region>   2.5 vec(X_c) Qᵀ, Q a random F x dB matrix with orthonormal columns
//                      (F = max(64, dB)): an isometry and a scaling, so its CKA with
//                      latent_<region> is exactly 1 and its CKA with anything equals the latent's
//   independent        K x 200 standard normals drawn apart from the latent: debiased CKA with
//                      any population ≈ 0
// Each encoding region's best layer is its own latent (or rotation); another region's latent is
// independent of it (latents are keyed by region name). Draws: CounterRng keyed by the seed and
// an FNV-1a hash of "model_layers/<layer>", so the layers do not depend on the sessions.

#include <string>
#include <vector>

#include <Eigen/Core>

#include "kernels/generator_model.hpp"

namespace neuropop::kernels {

struct GeneratedLayers {
    std::vector<std::string> stimuli;         // stim_0 ... stim_{K-1}
    std::vector<std::string> names;           // network order
    std::vector<Eigen::MatrixXd> activations; // K x features each
};

// config must validate and have at least one encoding region.
GeneratedLayers generator_layers(const GeneratorConfig& config);

} // namespace neuropop::kernels
