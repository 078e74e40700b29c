#pragma once
// The plan: a dataset inventory plus work items whose ids do not depend on the number of ranks.
// Stage 1 bins one session-region; stage 2 analyses one population with one analysis (and one
// block of windows/permutations); stage 3 summarises across sessions/animals.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/nwb_reader.hpp"
#include "jobs/item_kind.hpp"
#include "jobs/job_spec.hpp"

namespace neuropop::jobs {

// One session of the inventory (metadata only; spikes are read by the worker that bins it).
struct SessionEntry {
    std::string key; // results-file group name: the NWB identifier, made path-safe and unique
    io::SessionInfo info;
    std::vector<std::string> regions; // regions that qualify under the job's filters
};

struct WorkItem {
    std::uint64_t id = 0;          // position in Plan::items; stable for a given job and inventory
    ItemKind kind = ItemKind::Bin; // its stage and name: row_of(kind) (jobs/item_kind.hpp)
    std::size_t session = 0;       // index into Plan::sessions
    std::string session_key;       // Plan::sessions[session].key, so name() needs no plan
    std::string region;            // brain region
    std::size_t block = 0;         // block index within (population, analysis)
    std::string target;            // decode target column / geometry condition set / ""
    std::uint64_t first = 0, last = 0; // permutation range [first, last) of a null item
    // What random draws are keyed by, with the seed: every item that must see the same draws
    // (a decode item and its permutation-null items) shares a scope, e.g. "decode/stimulus".
    std::string scope;
    // An intermediate item's file feeds later items only (e.g. a block of permutation nulls read
    // by its decode item) and is not merged into the results file.
    bool intermediate = false;
    // Remarks the item records in its results, e.g. the sessions a pseudo-population left out
    // and why.
    std::vector<std::string> notes;
    std::vector<std::uint64_t> needs; // items that must be complete before this one starts
    double cost = 0.0;                // estimated relative cost, for largest-first scheduling
    Stage stage() const { return row_of(kind).stage; }
    std::string name() const; // e.g. "pca/zhang-desimone-it-1001/IT/0", for messages
    // CounterRng's item key: a 64-bit hash (FNV-1a) of session_key/region/scope. Unlike `id`
    // it does not depend on the plan's other items, so a shard of a job (slurm arrays) and the
    // whole job draw the same numbers for the same population.
    std::uint64_t rng_key() const;
};

struct Plan {
    std::vector<SessionEntry> sessions;
    std::vector<WorkItem> items;
    std::vector<std::string> skipped; // "session/region: reason" for populations left out
    // Problems of the job against the data that only planning sees (e.g. a pseudo-population
    // drawing fewer trials per label than decode.folds): `neuropop run` refuses such a plan.
    std::vector<std::string> problems;
    // Settings the data made the plan adapt, one line each (e.g. a cvPCA fit range clipped to
    // a small population): printed once by rank 0, and recorded by the items concerned.
    std::vector<std::string> warnings;
};

} // namespace neuropop::jobs
