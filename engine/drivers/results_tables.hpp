#pragma once
// The two tables rank 0 builds in memory for the results file: /inventory/sessions (what the job
// read) and /progress (one row per work item: how it went). Each table is a group of parallel
// 1-D datasets sharing one dimension scale (key / id), which xarray opens as one Dataset.

#include <cstdint>
#include <string>
#include <vector>

#include "engine/items/executor.hpp"
#include "engine/runtime/scheduler.hpp"
#include "io/result_block.hpp"
#include "jobs/plan.hpp"

namespace neuropop::engine {

io::ResultBlock inventory_block(const jobs::Plan& plan);
io::ResultBlock progress_block(const Master& master, const PlanView& plan);

// One row of /progress; `neuropop merge` builds the table from the shards' rows.
struct ProgressRow {
    std::uint64_t id = 0;
    std::string name, analysis;
    std::string status; // done, resumed or failed
    std::int64_t rank = -1;
    double seconds = 0.0;
    std::string error;
    std::int64_t bytes_read = 0, bytes_written = 0; // storage bytes (ItemOutcome)
};
io::ResultBlock progress_block(const std::vector<ProgressRow>& rows);

} // namespace neuropop::engine
