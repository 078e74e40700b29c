#pragma once
// Executing one work item on one rank: "bin" reads a session-region's spikes and counts them;
// "pca", "cvpca" and "fa" read those counts back from the bin item's file and turn them into the
// kernels' inputs. Each item's result is a ResultBlock written to its own item file
// (io/result_store.hpp). Group layout of the results (docs/DESIGN.md "Results out"):
//   /binned/<session>/<region>/            counts [trial, unit, bin] + coordinates
//   /sessions/<session>/<region>/pca/<window>/, cvpca/, fa/

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/items/population_cache.hpp"
#include "engine/runtime/task.hpp"
#include "io/result_store.hpp"
#include "jobs/job_spec.hpp"
#include "jobs/plan.hpp"

namespace neuropop::engine {

struct SessionRef {
    std::string key; // results-file group name
    std::string file;
    std::string identifier, subject;
};

// What every rank knows of the plan: rank 0 plans and broadcasts this, so workers never open
// every session for metadata.
struct PlanView {
    std::vector<SessionRef> sessions;
    std::vector<jobs::WorkItem> items;
};

PlanView view_of(const jobs::Plan& plan);
std::vector<std::uint8_t> encode(const PlanView& plan);
PlanView decode_plan(const std::vector<std::uint8_t>& bytes);

// Results-file groups of a population.
std::string binned_group(const std::string& session_key, const std::string& region);
std::string analysis_group(const std::string& session_key, const std::string& region);

// items/<id>.h5 inside the run's work folder.
std::filesystem::path item_file(const std::filesystem::path& items_dir, std::uint64_t id);

// Test-only: NEUROPOP_TEST_FAIL_ITEMS=name[,name...] makes those items throw in their compute
// step ("injected failure"), to exercise the failure path end to end.
inline constexpr const char* fail_items_env = "NEUROPOP_TEST_FAIL_ITEMS";

// Test-only: NEUROPOP_TEST_CACHE_OFF=1 keeps no population in memory (every analysis item reads
// its bin item's file), to check that results do not depend on the cache.
inline constexpr const char* cache_off_env = "NEUROPOP_TEST_CACHE_OFF";

// The data an item reads, as the scheduler's affinity key (engine/runtime/scheduler.hpp): an
// item reading populations of one session (its bin items, their analyses, the interactions
// between its regions) is keyed by that session; the resample, null and assembly items of a
// region's pseudo-population pools (its sessions', each animal's) by that region; another
// reading several sessions' populations by the smallest of its bin items; others 0 (none).
std::uint64_t affinity_key(const PlanView& plan, std::uint64_t id);

// Per item, the items it is handed out after (SchedItem::after): an animal's pooled draws wait
// for the first draw of its region's pool of the same analysis, so they run while a rank holds
// the region, which serves them (PopulationCache::holds_all), not early, when nothing does.
std::vector<std::vector<std::uint64_t>> scheduling_after(const PlanView& plan);

// What a rank's items read and wrote, for the results root (docs/DESIGN.md "Data locality").
struct ExecutorCounts {
    std::uint64_t source_bytes_read = 0;     // spikes and trials, by the bin items
    std::uint64_t item_file_bytes_read = 0;  // other items' files, by every other item
    std::uint64_t population_bytes_read = 0; // of which bin items' files read into the cache
    std::uint64_t bytes_written = 0;         // item files
    PopulationCache::Counts cache;
};

// Which results file holds an item's results, for an executor whose needs ran elsewhere
// (`neuropop merge`, engine/drivers/merge.cpp: the shard that ran the item). By default an
// item's results are its own file in the work folder.
using ResultsLocator = std::function<std::string(const jobs::WorkItem& item)>;

class ItemExecutor : public Executor {
public:
    ItemExecutor(const jobs::JobSpec& spec, const PlanView& plan, std::filesystem::path items_dir,
                 int rank, std::uint64_t cache_bytes, ResultsLocator locate_bin = {},
                 ResultsLocator locate_results = {});
    std::unique_ptr<Task> prepare(std::uint64_t id) override;
    ExecutorCounts counts() const;

private:
    // A bin item's population for an item that does not pool (ItemEnv::population): one outside
    // the held pool ends the hold (the rank has moved on to other data).
    std::shared_ptr<const Population> population(const jobs::WorkItem& bin);
    // The same through the cache, the hold left as it is.
    std::shared_ptr<const Population> load_population(const jobs::WorkItem& bin);
    // A pseudo-population's sources, held between the pool's items (ItemEnv::pool).
    std::vector<std::shared_ptr<const Population>>
    pool(const std::vector<const jobs::WorkItem*>& bins);
    // Item `id`'s file in the work folder, from its image when this rank holds it.
    io::ResultBlock read_item(std::uint64_t id, const io::WantedValues& wanted);

    const jobs::JobSpec& spec_;
    const PlanView& plan_;
    std::filesystem::path items_dir_;
    int rank_;
    std::vector<std::string> fail_;
    PopulationCache cache_;
    // Bin items' populations (/binned/<session>/<region>) and other needs' results
    // (ItemEnv::results) when not read from the work folder.
    ResultsLocator locate_bin_, locate_results_;
    // Per item: how many items still to prepare here may read its file (its dependents, less
    // those that read it on this rank); its image is dropped at 0.
    std::vector<std::uint32_t> readers_left_;
    // Shared with the tasks, which add their item file's bytes when they commit.
    std::shared_ptr<ExecutorCounts> counts_ = std::make_shared<ExecutorCounts>();
};

} // namespace neuropop::engine
