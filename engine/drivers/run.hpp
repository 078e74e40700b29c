#pragma once
// `neuropop run` as a library function: a validated JobSpec in, a results file out. Tests call
// engine::run directly; the CLI (cli/cmd_run.cpp) parses flags and the job file and calls it.
//
// Collective over MPI_COMM_WORLD: every rank calls it with the same spec. Rank 0 takes the
// inventory, plans and checks the output path, and broadcasts the plan (or every problem); the
// ranks then self-schedule the items (engine/runtime/scheduler.hpp), each item writing its own
// file; finally one collective merge writes PATH.partial with parallel HDF5, renamed to PATH when
// every item succeeded.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/runtime/mpi_context.hpp"
#include "io/result_store.hpp"
#include "jobs/job_spec.hpp"

namespace neuropop::engine {

// Exit code of a run whose results could not be written (a full disk): the finished items stay
// in PATH.partial.d and --resume continues once there is space.
inline constexpr int exit_no_space = 4;

struct RunResult {
    int exit_code = 0; // 0 ok, 1 internal error, 2 bad job or data (nothing run), 3 failed items,
                       // 4 (exit_no_space) the disk filled up
    std::vector<std::string> problems; // exit 1 or 2, rank 0: every problem, one line each
    std::vector<std::string> failed;   // exit 3, rank 0: "item name: reason"
    std::string output;                // the file written: PATH, or PATH.partial when items failed
    std::size_t items = 0, resumed = 0;
    double seconds = 0.0;       // wall time of the whole run
    double merge_seconds = 0.0; // of which the collective merge and the serial pass
    int ranks = 1;
    unsigned threads = 1;
    io::MpioCounts mpio; // transfer modes of the merge's numeric writes, summed over ranks
};

// Test-only hooks, read from the environment on rank 0 (documented in the README):
//   NEUROPOP_TEST_KILL_AFTER_ITEMS=N  SIGKILL rank 0 (so the whole job) after N items finished
//   NEUROPOP_TEST_KILL_IN_MERGE=1     SIGKILL rank 0 after the merge created the file's layout
inline constexpr const char* kill_after_items_env = "NEUROPOP_TEST_KILL_AFTER_ITEMS";
inline constexpr const char* kill_in_merge_env = "NEUROPOP_TEST_KILL_IN_MERGE";
//   NEUROPOP_TEST_KILL_RANK=R (R > 0)   with KILL_AFTER_ITEMS=N: rank R alone SIGKILLs itself
//                                       after finishing N items (one rank lost, not the job)
inline constexpr const char* kill_rank_env = "NEUROPOP_TEST_KILL_RANK";
//   NEUROPOP_TEST_SKIP_SPACE_CHECK=1    merge without first checking the free space, so a full
//                                       disk fails inside the collective write
inline constexpr const char* skip_space_check_env = "NEUROPOP_TEST_SKIP_SPACE_CHECK";
//   NEUROPOP_TEST_MERGE_CHUNK=N         broadcast the merge layout in chunks of N groups or
//                                       datasets (default io::default_layout_chunk)
inline constexpr const char* merge_chunk_env = "NEUROPOP_TEST_MERGE_CHUNK";
// Groups or datasets per chunk of the merge layout (`neuropop run` and `neuropop merge`): the
// default unless a test sets merge_chunk_env. Only rank 0's matters: it cuts the chunks.
std::size_t merge_layout_chunk();
//   NEUROPOP_TEST_MERGE_REOPEN=N        close and reopen the merged file every N objects
//                                       (default io::default_objects_per_open; rank 0's value)
inline constexpr const char* merge_reopen_env = "NEUROPOP_TEST_MERGE_REOPEN";
std::size_t merge_objects_per_open();

// Initialises MPI if the caller has not (finalised at exit). Progress and the summary go to
// rank 0's stderr unless spec.run.quiet; problems and failures are returned, not printed.
RunResult run(const jobs::JobSpec& spec);
RunResult run(const jobs::JobSpec& spec, const Context& ctx);

// The results file's root attributes (description, version, job, job_file, created, ranks,
// threads, seed, and shard "I/N" for a shard); shared with `neuropop merge`. `created`: utc_now().
io::Attributes root_attributes(const jobs::JobSpec& spec, const std::string& created, int ranks,
                               unsigned threads);
std::string utc_now(); // e.g. 2024-05-01T12:00:00Z

// The root attributes the serial pass adds once the merge is written: transfer modes (summed
// over ranks) and item counts. Shared with `neuropop merge`.
io::Attributes merge_attributes(const io::MpioCounts& mpio, std::size_t items, std::size_t failed,
                                std::int64_t resumed);

// Threads per rank: `requested`, or this node's cores (as far as this process may use them)
// divided by the ranks on the node, at least 1.
unsigned resolve_threads(unsigned requested, int node_ranks);

} // namespace neuropop::engine
