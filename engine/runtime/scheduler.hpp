#pragma once
// Self-scheduling of work items over ranks (docs/DESIGN.md "Work items, scheduling"). Rank 0 holds
// the Master: it hands out ready items (every need complete), largest estimated cost first, to
// whoever asks; workers ask again when a slot frees. Rank 0 works too. On every rank the main
// thread does all MPI and HDF5 calls (parallel HDF5 1.10 is not thread-safe) and polls for
// messages with MPI_Iprobe and short sleeps, while each running item's compute step runs on its
// own thread inside the rank's TBB arena.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <string>
#include <vector>

#include "engine/runtime/mpi_context.hpp"
#include "engine/runtime/task.hpp"

namespace neuropop::engine {

struct SchedItem {
    std::uint64_t id = 0; // equal to its position in the list
    std::string name;
    std::vector<std::uint64_t> needs;
    double cost = 0.0;
    // The data the item reads (an opaque key, 0: none, e.g. its population's bin item): a rank
    // that ran an item of the same key holds that data in its cache, so the master hands it
    // such an item before any other (docs/DESIGN.md "Data locality").
    std::uint64_t affinity = 0;
    // Items that must have finished, done or failed, before this one is handed out: an order
    // for the sake of the data the rank holds, not an input, so their failure does not fail it
    // (e.g. an animal's pool waits for its region's pool, whose held sessions then serve it).
    std::vector<std::uint64_t> after;
};

enum class ItemState : std::uint8_t { Waiting, Ready, Running, Done, Failed };

struct ItemOutcome {
    std::uint64_t id = 0;
    bool ok = false;
    bool resumed = false; // completed by an earlier, interrupted run
    std::int64_t rank = -1;
    double seconds = 0.0;
    std::string error;                               // why it failed
    std::uint64_t bytes_read = 0, bytes_written = 0; // storage bytes (Task::bytes)
};

// The scheduling state: pure logic, no MPI, so tests drive it directly.
class Master {
public:
    // `completed` holds the outcomes of items an interrupted run already finished.
    explicit Master(std::vector<SchedItem> items, const std::vector<ItemOutcome>& completed = {});
    // The next item for `rank`, now Running on it; nullopt when nothing is ready. Of the
    // affinity keys `rank` ran most recently (up to held_keys keys), the most recent one with
    // a ready item gives its costliest; when there is none, the costliest ready item whose key
    // no other rank holds (or of key 0); when there is none either, the ready item of largest
    // cost. Ties: smallest id.
    std::optional<std::uint64_t> next(int rank);
    // Keys a rank is taken to hold: its most recent ones (a cache holds a few populations).
    static constexpr std::size_t held_keys = 16;
    // Items handed to a rank that held their key.
    std::size_t affine() const { return affine_; }
    // Records the outcome of a Running item. A failure fails every item that needs it,
    // transitively, with a reason naming the failed item.
    void finish(const ItemOutcome& outcome);

    bool all_finished() const { return finished_ == items_.size(); }
    std::size_t total() const { return items_.size(); }
    std::size_t finished() const { return finished_; }
    std::size_t failed() const { return failed_; }
    std::size_t resumed() const { return resumed_; }
    ItemState state(std::uint64_t id) const { return state_.at(id); }
    const std::vector<ItemOutcome>& outcomes() const { return outcomes_; } // by id
    const SchedItem& item(std::uint64_t id) const { return items_.at(id); }

private:
    void make_ready(std::uint64_t id);
    void fail_dependents(std::uint64_t id);
    // Item `id` has finished (done or failed): the items ordered after it wait for one less.
    void release_after(std::uint64_t id);

    struct ByCost {
        const std::vector<SchedItem>* items;
        bool operator()(std::uint64_t a, std::uint64_t b) const; // true: a after b
    };
    std::vector<SchedItem> items_;
    std::vector<ItemState> state_;
    std::vector<std::size_t> unmet_;                     // needs not done, `after` not finished
    std::vector<std::vector<std::uint64_t>> dependents_; // reverse edges
    std::vector<std::vector<std::uint64_t>> after_dependents_; // reverse edges of `after`
    std::vector<ItemOutcome> outcomes_;
    using ReadyQueue = std::priority_queue<std::uint64_t, std::vector<std::uint64_t>, ByCost>;
    // The top item still Ready (an item taken through one queue stays in the other until here).
    std::optional<std::uint64_t> top_ready(ReadyQueue& q);
    void take(std::uint64_t id, int rank);

    ReadyQueue ready_;
    std::map<std::uint64_t, ReadyQueue> ready_by_key_; // affinity key -> its ready items
    ReadyQueue ready_unkeyed_;                         // ready items of key 0
    std::map<int, std::deque<std::uint64_t>> held_;    // rank -> its recent keys, newest last
    std::size_t affine_ = 0;
    std::size_t finished_ = 0, failed_ = 0, resumed_ = 0;
};

struct ScheduleOptions {
    unsigned slots = 1;   // items in flight per rank (= TBB threads of the rank)
    unsigned threads = 1; // TBB arena size of the rank
    // Rank 0: called after every outcome and at least every second (progress display).
    std::function<void(const Master&)> on_progress;
    // Rank 0: called after each outcome recorded (a test hook may kill the job here).
    std::function<void(const Master&)> after_outcome;
    // Other ranks: called with the number of items this rank finished, after each (a test hook
    // may kill the rank here).
    std::function<void(std::size_t)> after_worker_item;
};

// Runs every item of the plan to an outcome. Collective over ctx. `master` is non-null on rank 0
// only. Returns when every item has finished on every rank; on rank 0 the master then holds all
// outcomes.
void run_schedule(const Context& ctx, Master* master, Executor& executor,
                  const ScheduleOptions& options);

} // namespace neuropop::engine
