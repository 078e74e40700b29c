#pragma once
// `neuropop merge OUT SHARD...` as a library function: joins the results files of the N shards
// of one job (`neuropop run --shard i/N`, slurm/array.sbatch) into the results file the whole
// job would have written, then runs the items across sessions the shards left out.
//
// Collective over the context's communicator. Rank 0 checks the shards (one job, shards 0..N-1
// each exactly once, no failed item), takes the job's inventory again and plans the whole job:
// that plan orders /inventory, the skipped list and /progress as the single run does, and must
// match the shards' sessions and items exactly. The items no shard plans (a shard plans with
// run.summaries off) run here: the pseudo-population items ([pseudo]: resamples, nulls, their
// assembly and summary) and models_summary on every rank through the scheduler and executor of
// `neuropop run`, with the bin items' populations read from the /binned group of the shard that
// binned them; the summaries with a from_shards builder (decode_summary, interactions_summary)
// on rank 0 from the shards' groups. Both write item files in OUT.partial.d/items. Every rank
// then writes OUT.partial with the same collective merge as `neuropop run`
// (io::write_collective, values read from the shard files, then those item files in id order),
// rank 0 fills the strings in the serial pass, and OUT.partial is renamed to OUT (the folder
// goes).
//
// What differs from the single run's file (everything else is identical, h5diff-exact): the root
// attributes job (its output.path and run.threads), created, ranks, threads, the mpio_* counts
// and merged_shards (the merge's only extra), the read/write and cache totals (bytes_*, cache_*,
// items_on_holding_rank: the shards' sums, docs/DESIGN.md "Data locality"), and in /progress the
// rank, seconds, bytes_read and bytes_written of each item (a summary the merge builds writes no
// item file).
// Items a shard completed in an interrupted run it then resumed keep status "resumed" and are
// counted in items_resumed, as in a resumed single run.

#include <cstddef>
#include <string>
#include <vector>

#include "engine/runtime/mpi_context.hpp"
#include "io/result_store.hpp"

namespace neuropop::engine {

struct MergeOptions {
    std::string output;              // OUT
    std::vector<std::string> shards; // the shard results files, any order
    bool force = false;              // overwrite an existing OUT
    bool quiet = false;              // no summary line
};

struct MergeResult {
    // 0 ok, 1 internal error, 2 bad input, 3 an item run here failed (nothing written)
    int exit_code = 0;
    std::vector<std::string> problems; // rank 0: every problem, one line each
    std::string output;
    std::size_t shards = 0, items = 0, summaries = 0; // summaries: stage-3 items run here
    std::size_t pooled = 0; // items across sessions run here through the scheduler (pseudo, models)
    double seconds = 0.0;
    io::MpioCounts mpio; // summed over ranks
};

MergeResult merge(const MergeOptions& options, const Context& ctx);

} // namespace neuropop::engine
