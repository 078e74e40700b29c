#pragma once
// Internal to engine/items: the comparison of one population's stimulus means with the layers
// of the model_layers items (engine/items/item_models.cpp), shared by the per-session models
// item and the pooled one (a pseudo-population resample, engine/items/item_pseudo_resample.cpp),
// so both compute exactly the same measures.

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "engine/items/prepare.hpp"

namespace neuropop::engine::detail {

// Layers' centred Grams and RDMs over every stimulus of the model file, as model_layers items
// wrote them; `index` is each layer's position in the job (its permutation streams).
struct ModelLayers {
    std::vector<std::string> stimuli, names;
    std::vector<std::int64_t> index, features;
    std::vector<Eigen::MatrixXd> grams, rdms;
};

// Main thread: the layers of every ModelLayers item among item.needs, joined in plan order
// (all of them for a pooled item; one block for a session's models item).
ModelLayers read_model_layers(const ItemEnv& env, const jobs::WorkItem& item);

// Compute step: `group`/models of `pop` against every layer of `layers`. `population_part`
// also writes what does not depend on the layers (stimuli, brain RDM, noise ceiling, the
// population's geometry; the block-0 item of a session). `spec` must outlive the result.
io::ResultBlock compare_with_layers(const jobs::JobSpec& spec, const ModelLayers& layers,
                                    const Population& pop, bool population_part, std::uint64_t key,
                                    const std::string& name, const std::string& group,
                                    const io::Attributes& attrs);

} // namespace neuropop::engine::detail
