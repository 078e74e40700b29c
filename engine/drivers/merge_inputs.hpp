#pragma once
// Rank 0 of `neuropop merge`: reads and checks the shard files and plans the whole job
// (engine/drivers/merge.hpp). Internal to engine/merge*.cpp.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/drivers/merge.hpp"
#include "engine/drivers/results_tables.hpp"
#include "jobs/job_spec.hpp"
#include "jobs/plan.hpp"

namespace neuropop::engine::detail {

struct MergeInputs {
    std::vector<std::string> problems;    // bad input: nothing is written
    jobs::JobSpec spec;                   // the whole job, output.path = OUT
    std::optional<jobs::Plan> plan;       // the whole job's plan, summaries included
    std::vector<std::string> shards;      // shard files by shard index
    std::vector<ProgressRow> rows;        // /progress in plan order; summary rows still empty
    std::vector<std::uint64_t> summaries; // ids of the stage-3 items built from the shards' results
    // Ids of the items no shard runs because they pool sessions (pseudo-populations: their
    // resamples, nulls, assembly and summary): the merge runs them through the scheduler, as
    // `neuropop run` does, reading bin items' populations from the shards' /binned.
    std::vector<std::uint64_t> pooled;
};

MergeInputs check_merge_inputs(const MergeOptions& options);

} // namespace neuropop::engine::detail
