#pragma once
// Internal to engine/items/item_pseudo*.cpp: how pseudo-population items hand
// their results to one another. A resample item's block is the pooled analysis's own block (as a
// session item would write it, under /sessions/pseudo-<group>/<region>/...) plus /pooling; a
// null item keeps only the statistics of each null resample under /null/<b>/<relative path>.

#include <string>
#include <vector>

#include "engine/items/prepare.hpp"
#include "jobs/pseudo_labels.hpp"

namespace neuropop::engine::detail {

// Datasets whose null distribution and p-value the pseudo null gives (matched by name).
inline const std::vector<std::string>& pseudo_statistics() {
    static const std::vector<std::string> names{
        "accuracy", "balanced_accuracy", "r2", "comparison", "participation_ratio",
        "cka",      "debiased_cka",      "rsa"};
    return names;
}

jobs::PseudoTarget pseudo_target(const jobs::JobSpec& spec, const std::string& name);
// Session key and results group the pooled analysis writes under inside an intermediate block.
std::string pseudo_inner_key(const jobs::WorkItem& item);
std::string pseudo_inner_group(const jobs::WorkItem& item);

// Copies the statistics of null resample b (datasets below `inner_group` named in
// pseudo_statistics()) to /null/<b>/<path relative to inner_group> in `out`.
void keep_null_statistics(const io::ResultBlock& null, const std::string& inner_group,
                          std::uint64_t b, io::ResultBlock& out);

// The null values of the statistic at `relative` (path below the inner group, starting with
// '/') from null items' blocks, concatenated in null-resample order; `count` gets how many.
std::vector<double> null_statistic(const std::vector<io::ResultBlock>& nulls,
                                   const std::string& relative, std::size_t& count);

// /pooling: which sessions and units went in, how many trials per condition were drawn.
void add_pooling_record(io::ResultBlock& out, const std::vector<std::string>& session_keys,
                        const std::vector<const Population*>& sources, std::size_t per_condition,
                        const std::vector<std::string>& conditions);

// Pooled models comparisons: below `out_models` (/pseudo/<region>/models), the group profile/
// with each measure's [resample, layer] table, its mean and percentile interval over
// resamples, and the best layer (engine/items/pseudo_models_profile.cpp). `resamples` hold the
// comparison under `inner_models` (<inner group>/models).
void add_pooled_layer_profile(const std::vector<io::ResultBlock>& resamples,
                              const std::string& inner_models, const std::string& out_models,
                              const jobs::ModelsSection& m, io::ResultBlock& out);

} // namespace neuropop::engine::detail
