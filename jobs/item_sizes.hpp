#pragma once
// The memory each planned work item will need, estimated from the job and the inventory before
// any work starts, against run.max_item_mb. A job whose items cannot fit (a 1e-9 s bin width
// gives 10^9 bins per trial; a large permutation block) is refused with exit 2 and the figures,
// instead of starting and failing its items with std::bad_alloc or worse, the OOM killer.

#include <cstdint>
#include <string>
#include <vector>

#include "jobs/job_spec.hpp"
#include "jobs/plan.hpp"

namespace neuropop::jobs {

// The limit used when run.max_item_mb = 0: min(4096, physical memory / 4) in MB (MiB) of the
// node that checks the job. A quarter leaves room for the other ranks of the node and for the
// items a rank holds while it writes them.
std::uint64_t default_max_item_mb();

// run.max_item_mb, or default_max_item_mb() when it is 0.
std::uint64_t max_item_mb(const JobSpec& spec);

// Bytes of binned populations one rank keeps in memory (engine/items/population_cache.hpp):
// run.cache_mb, or when it is 0 an eighth of this node's physical memory shared by the
// `node_ranks` ranks on it, at most 8 GiB, which leaves room for the items themselves.
std::uint64_t cache_budget_bytes(const JobSpec& spec, int node_ranks);

// One line per analysis (bin, pca, cvpca, fa, decode, decode_null, geometry, model_layers,
// models, models_summary, ...) whose largest item needs more than max_item_mb(spec): the item,
// the MB it needs, how that follows from the job (trials x units x bins or stimuli^2, bytes
// each), how many items of that analysis exceed the limit, and the key to raise. Pseudo-population
// items are not estimated.
std::vector<std::string> check_item_sizes(const JobSpec& spec, const Plan& plan);

// Each item's estimated memory in bytes, in plan order (the same estimate check_item_sizes
// applies); 0 for items it does not estimate (summaries other than models_summary,
// pseudo-populations).
std::vector<double> item_bytes(const JobSpec& spec, const Plan& plan);

} // namespace neuropop::jobs
