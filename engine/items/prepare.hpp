#pragma once
// Internal to engine/items/item_*.cpp: each analysis reads its inputs on the main thread
// (prepare_*) and returns the compute step, a function that builds the item's ResultBlock on a
// compute thread without touching HDF5. The registry's engine half (ItemRunner, the table in
// engine/items/executor.cpp) names the prepare function of each jobs::ItemKind.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/items/executor.hpp"
#include "engine/items/population.hpp"
#include "io/result_block.hpp"
#include "kernels/rng.hpp"

namespace neuropop::engine::detail {

struct ItemEnv {
    const jobs::JobSpec& spec;
    const PlanView& plan;
    const std::filesystem::path& items_dir;
    int rank;
    // The population a bin item counted, through the rank's cache
    // (engine/items/population_cache.hpp).
    std::function<std::shared_ptr<const Population>(const jobs::WorkItem& bin)> population;
    // The results item `need` wrote below `group` (with values): by default its whole item file;
    // in `neuropop merge`, the group in the shard that ran it (engine/drivers/merge.cpp). Only
    // kinds with ItemRunner::reads_needs_by_group read their needs this way.
    std::function<io::ResultBlock(const jobs::WorkItem& need, const std::string& group)> results;
    // The item file of item `need` in the work folder (values: those `wanted` selects, all when
    // it is empty), from the image this rank kept when it wrote it, else from storage
    // (engine/items/population_cache.hpp). Unset: from storage.
    std::function<io::ResultBlock(std::uint64_t need, const io::WantedValues& wanted)> read_item;
    // The populations of a pseudo-population's sessions (its bin items, in pooling order), held
    // together on this rank until another pool is asked for (PopulationCache::hold). Unset: one
    // `population` call each.
    std::function<std::vector<std::shared_ptr<const Population>>(
        const std::vector<const jobs::WorkItem*>& bins)>
        pool;
};

// env.read_item(need, wanted), or the file when env has none.
io::ResultBlock read_need(const ItemEnv& env, std::uint64_t need,
                          const io::WantedValues& wanted = {});

using Work = std::function<io::ResultBlock()>;

// How an item of one kind runs. Exactly one of `prepare` (reads its own inputs: spikes, or the
// item files of the items it needs) and `prepare_population` (given the population its bin item
// counted) is set.
struct ItemRunner {
    jobs::ItemKind kind = jobs::ItemKind::Bin;
    Work (*prepare)(const ItemEnv&, const jobs::WorkItem&) = nullptr;
    Work (*prepare_population)(const ItemEnv&, const jobs::WorkItem&, Population) = nullptr;
    // Stage-3 kinds `neuropop merge` builds from the shards' results (engine/drivers/merge.cpp)
    // instead of from item files, given the whole job's plan and the shard files by shard index;
    // a stage-3 kind without it cannot be run from shards.
    io::ResultBlock (*from_shards)(const jobs::Plan&, const std::vector<std::string>& shards,
                                   const jobs::WorkItem&) = nullptr;
    // Reads the items it needs (other than bin items) only through ItemEnv::results, one group
    // each: `neuropop merge` can then run it over needs that ran in the shards.
    bool reads_needs_by_group = false;
};
const ItemRunner& runner_of(jobs::ItemKind kind);

// RNG streams of an item, so the draws of one use never shift those of another.
inline constexpr std::uint64_t stream_halves = 1;   // split of each condition's trials
inline constexpr std::uint64_t stream_shuffles = 2; // cvPCA swap masks

Work prepare_bin(const ItemEnv& env, const jobs::WorkItem& item);
Work prepare_pca(const ItemEnv& env, const jobs::WorkItem& item, Population pop);
Work prepare_cvpca(const ItemEnv& env, const jobs::WorkItem& item, Population pop);
Work prepare_fa(const ItemEnv& env, const jobs::WorkItem& item, Population pop);
// Decoding (engine/items/item_decode*.cpp): the permutation-null blocks are intermediate items read
// back by their population's decode item; the summary reads every decode item of a region.
Work prepare_decode(const ItemEnv& env, const jobs::WorkItem& item, Population pop);
Work prepare_decode_null(const ItemEnv& env, const jobs::WorkItem& item, Population pop);
Work prepare_decode_summary(const ItemEnv& env, const jobs::WorkItem& item);
// A decode_summary item as `neuropop merge` builds it: from each decode item's group in the shard
// that holds its session (engine/items/item_decode_summary.cpp).
io::ResultBlock decode_summary_from_shards(const jobs::Plan& plan,
                                           const std::vector<std::string>& shards,
                                           const jobs::WorkItem& summary);
// Pseudo-populations (engine/items/item_pseudo*.cpp): "pseudo_resample" and "pseudo_null" items
// pool the bin items they need; "pseudo" assembles one region's resamples and nulls;
// "pseudo_summary" combines regions and animals.
Work prepare_pseudo(const ItemEnv& env, const jobs::WorkItem& item);
Work prepare_pseudo_assemble(const ItemEnv& env, const jobs::WorkItem& item);
Work prepare_pseudo_summary(const ItemEnv& env, const jobs::WorkItem& item);
// Representational geometry (engine/items/item_geometry.cpp, geometry_window.cpp).
Work prepare_geometry(const ItemEnv& env, const jobs::WorkItem& item, Population pop);
// Coupled Poisson GLM (engine/items/item_coupling.cpp); its folds over trials use this stream.
inline constexpr std::uint64_t stream_coupling_folds = 40;
Work prepare_coupling(const ItemEnv& env, const jobs::WorkItem& item, Population pop);
// The coupled GLM of a target region's units with a source region's units' history too
// (coupling.pairs; item_coupling.cpp).
Work prepare_coupling_pair(const ItemEnv& env, const jobs::WorkItem& item);

// Communication subspaces (engine/items/item_interactions*.cpp): one item per session and
// ordered region pair reads both regions' bin items (and, with interactions.folds_per_item, its
// interactions_folds items' fold rows: interactions_folds.hpp); the summary reads every
// session's item of the pair, or (neuropop merge) their groups in the shards.
Work prepare_interactions(const ItemEnv& env, const jobs::WorkItem& item);
Work prepare_interactions_folds(const ItemEnv& env, const jobs::WorkItem& item);
Work prepare_interactions_summary(const ItemEnv& env, const jobs::WorkItem& item);
io::ResultBlock interactions_summary_from_shards(const jobs::Plan& plan,
                                                 const std::vector<std::string>& shards,
                                                 const jobs::WorkItem& summary);

// Brain <-> network comparisons (engine/items/item_models.cpp): model_layers reads a block of
// layers once; models compares one population with that block; models_summary combines a
// region's sessions.
Work prepare_model_layers(const ItemEnv& env, const jobs::WorkItem& item);
Work prepare_models(const ItemEnv& env, const jobs::WorkItem& item, Population pop);
Work prepare_models_summary(const ItemEnv& env, const jobs::WorkItem& item);

// The attributes every /sessions/<session>/<region> group carries.
io::Attributes population_attributes(const ItemEnv& env, const jobs::WorkItem& item);
// Adds /sessions and the population's group (with `attributes`) to a stage-2 block.
void add_population_groups(io::ResultBlock& block, const std::string& group,
                           const io::Attributes& attributes);

// 1..n as int64 (component, factor and rank coordinates).
std::vector<std::int64_t> one_based(std::size_t n);
std::vector<double> to_vector(const Eigen::VectorXd& v);
// Row-major copy of a matrix.
std::vector<double> row_major(const Eigen::MatrixXd& m);

} // namespace neuropop::engine::detail
