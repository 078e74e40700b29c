#pragma once
// Slurm job arrays split a job by sessions: shard i of N plans only the sessions at positions p
// (in session-key order of the whole inventory) with p % N == i, and leaves out the stage-3
// summaries, which need every session; `neuropop merge` joins the shards and runs those.
// Random draws are keyed by session/region/scope (WorkItem::rng_key), so a shard's items draw
// what the same items of the whole job draw.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "jobs/plan.hpp"

namespace neuropop::jobs {

struct ShardId {
    std::size_t index = 0;
    std::size_t count = 1;
};

// "I/N" with 0 <= I < N; nullopt for anything else.
std::optional<ShardId> parse_shard(const std::string& text);
std::string format_shard(std::size_t index, std::size_t count);

// The sessions of shard `index` of `count`: positions p with p % count == index after a stable
// sort by key.
std::vector<SessionEntry> shard_sessions(std::vector<SessionEntry> sessions, std::size_t index,
                                         std::size_t count);

// Removes every item of `stage` from the plan. Ids are positions, so later items are renumbered
// and their needs remapped; an item that needs a removed one is a logic error (std::logic_error):
// nothing may depend on a summary.
void drop_stage(Plan& plan, Stage stage);

} // namespace neuropop::jobs
