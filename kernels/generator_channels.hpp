#pragma once
// Communication channels between regions of the synthetic model (`neuropop generate
// --channel-rank`), the ground truth of the communication-subspace analysis (docs/ANALYSES.md §7).
//
// A channel source > target of rank r adds, in every trial i, M Z_source,i to the target's trial
// latent noise Z_target,i (kernels/generator_model.hpp), where Z_source,i is the source's own
// (private) trial noise, d_s x B, and M = gain U Vᵀ is a d_t x d_s map of rank r: U (d_t x r) and
// V (d_s x r) have orthonormal columns drawn at random (QR of Gaussian matrices), so all r
// singular values equal `gain`. The target's single-trial fluctuations then depend on the
// source's through exactly r directions of the source latent space: with loadings L_s, L_t the
// cross-covariance of the two regions' (linearised) residual counts is L_t M Cov(Z_s) L_sᵀ, of
// rank r. The within-area dimension of the target is its own latent dimension d_t (its noise
// Z_t is full rank d_t), so --latent-dim with d_t > r makes the within-area dimension higher than
// the channel rank. Channels read only private noise, so their order does not matter and chains
// (A > B, B > C) do not compound.
//
// Kept in its own file so the rest of the generator is untouched: without channels no draw is
// made and the generated files are bitwise those of a generator without this module.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

namespace neuropop::kernels {

struct RegionModel;

// One --channel-rank entry: "SOURCE>TARGET:RANK" or "SOURCE>TARGET:RANK:GAIN".
struct ChannelSpec {
    std::string source, target;
    std::size_t rank = 0;
    double gain = 1.0; // every non-zero singular value of M
};

// Parses a comma-separated list of entries; on error returns an empty list and sets `why`.
std::vector<ChannelSpec> parse_channel_specs(const std::string& text, std::string& why);
// The list in the syntax parse_channel_specs reads (gain left out when 1).
std::string format_channel_specs(const std::vector<ChannelSpec>& specs);

// Problems of `specs` against the regions and their latent dimensions (one per region), each
// one line: unknown region, source = target, a pair listed twice, rank outside
// [1, min(d_source, d_target)], gain not finite and > 0.
std::vector<std::string> channel_problems(const std::vector<ChannelSpec>& specs,
                                          const std::vector<std::string>& regions,
                                          const std::vector<std::size_t>& latent_dims);

// A drawn channel: region indices and the d_t x d_s map M.
struct Channel {
    std::size_t source = 0, target = 0, rank = 0;
    double gain = 1.0;
    Eigen::MatrixXd map;
};

// Draws channel k's map from CounterRng(seed, session, channel_stream(k)); `dims` are the
// latent dimensions by region index, `regions` the names.
std::vector<Channel> draw_channels(const std::vector<ChannelSpec>& specs,
                                   const std::vector<std::string>& regions,
                                   const std::vector<std::size_t>& dims, std::uint64_t seed,
                                   std::size_t session);

// Adds every channel's M Z_source,i to its target's trial noise, from the private noise of the
// sources as drawn before any channel is applied.
void apply_channels(const std::vector<Channel>& channels, std::vector<RegionModel>& regions);

// The generator's stream for channel k (key (seed, session)): kind 9 in the high 32 bits, so it
// never meets the streams listed in kernels/generator_model.cpp.
std::uint64_t channel_stream(std::size_t k);

} // namespace neuropop::kernels
