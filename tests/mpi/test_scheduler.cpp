// The master/worker scheduling logic without MPI (Master), and the driver on one rank with a fake
// executor (run_schedule), so ordering, dependencies and failure handling are checked in-process.

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>

#include "engine/runtime/mpi_context.hpp"
#include "engine/runtime/scheduler.hpp"

using namespace neuropop::engine;

namespace {

// Two bin items and their analyses, with costs that make largest-first visible.
std::vector<SchedItem> two_populations() {
    return {
        {0, "bin/a", {}, 5.0},  {1, "bin/b", {}, 10.0}, {2, "pca/a", {0}, 100.0},
        {3, "pca/b", {1}, 1.0}, {4, "fa/a", {0}, 50.0},
    };
}

ItemOutcome ok(std::uint64_t id) {
    return ItemOutcome{id, true, false, 0, 0.1, {}};
}

} // namespace

TEST_CASE("master hands out ready items largest cost first and holds items until their needs "
          "are done",
          "[scheduler]") {
    Master m(two_populations());
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(1)); // cost 10 before cost 5
    REQUIRE(m.next(1) == std::optional<std::uint64_t>(0));
    REQUIRE_FALSE(m.next(0)); // 2, 3, 4 wait for their bins
    m.finish(ok(1));
    REQUIRE(m.state(3) == ItemState::Ready);
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(3));
    m.finish(ok(0));
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(2)); // 100 before 50
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(4));
    REQUIRE_FALSE(m.all_finished());
    m.finish(ok(2));
    m.finish(ok(3));
    m.finish(ok(4));
    REQUIRE(m.all_finished());
    REQUIRE(m.failed() == 0);
}

TEST_CASE("master breaks cost ties by the smaller id", "[scheduler]") {
    Master m({{0, "x", {}, 1.0}, {1, "y", {}, 1.0}, {2, "z", {}, 1.0}});
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(0));
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(1));
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(2));
}

TEST_CASE("master hands a rank the items of data it holds before costlier items of other data",
          "[scheduler]") {
    // Keys: 1 = population a (bin 0), 2 = population b (bin 1).
    Master m({{0, "bin/a", {}, 5.0, 1},
              {1, "bin/b", {}, 5.0, 2},
              {2, "pca/a", {0}, 10.0, 1},
              {3, "fa/a", {0}, 1.0, 1},
              {4, "pca/b", {1}, 100.0, 2},
              {5, "summary", {2, 3, 4}, 1000.0, 0}});
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(0)); // tie: smaller id; rank 0 holds a
    REQUIRE(m.next(1) == std::optional<std::uint64_t>(1)); // rank 1 holds b
    m.finish(ok(0));
    m.finish(ok(1));
    // Rank 0 holds a: pca/a (10) before pca/b (100), which is b's.
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(2));
    REQUIRE(m.next(1) == std::optional<std::uint64_t>(4));
    // Rank 2 holds nothing: the costliest ready item, whatever its data.
    REQUIRE(m.next(2) == std::optional<std::uint64_t>(3));
    REQUIRE(m.affine() == 2);
    m.finish(ok(2));
    m.finish(ok(3));
    m.finish(ok(4));
    // Key 0 is no data: the summary goes to whoever asks.
    REQUIRE(m.next(1) == std::optional<std::uint64_t>(5));
    m.finish(ok(5));
    REQUIRE(m.all_finished());
}

TEST_CASE("a rank without data of its own takes new data before another rank's, and another "
          "rank's only when nothing else is ready",
          "[scheduler]") {
    // Keys: 1 and 2 two pools whose items need nothing; 3 the items of a third.
    Master m({{0, "resample/p/0", {}, 5.0, 1},
              {1, "resample/p/1", {}, 5.0, 1},
              {2, "resample/p/2", {}, 5.0, 1},
              {3, "resample/q/0", {}, 1.0, 2},
              {4, "resample/q/1", {}, 1.0, 2},
              {5, "pool/p", {0, 1, 2}, 1.0, 1},
              {6, "pool/q", {3, 4}, 1.0, 2}});
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(0)); // rank 0 now holds p
    // Rank 1 holds nothing: q's items (cost 1), which nobody holds, before p's (cost 5).
    REQUIRE(m.next(1) == std::optional<std::uint64_t>(3));
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(1));
    REQUIRE(m.next(1) == std::optional<std::uint64_t>(4));
    // Rank 1 holds q, whose items are all taken, and p is rank 0's: it takes p's all the same
    // rather than wait.
    REQUIRE(m.next(1) == std::optional<std::uint64_t>(2));
    for (std::uint64_t id = 0; id < 5; ++id)
        m.finish(ok(id));
    // Each pool's assembly goes to the rank that ran its last resample (both hold both now):
    // the costliest first, ties by id, as among held keys.
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(5));
    REQUIRE(m.next(1) == std::optional<std::uint64_t>(6));
}

TEST_CASE("a rank finishes the data it read last before costlier items of data it read earlier",
          "[scheduler]") {
    // Keys: 1 = a region's pool rank 0 read first, 2 = another it read after. Its pool of 2
    // is what its cache holds now: 2's cheap item before 1's costly one.
    Master m({{0, "resample/r1/0", {}, 1.0, 1},
              {1, "resample/r2/0", {}, 1.0, 2},
              {2, "resample/r1/1", {0, 1}, 50.0, 1},
              {3, "resample/r2/1", {0, 1}, 5.0, 2}});
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(0));
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(1));
    m.finish(ok(0));
    m.finish(ok(1));
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(3));
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(2));
    REQUIRE(m.affine() == 2);
}

TEST_CASE("master forgets all but a rank's most recent keys", "[scheduler]") {
    std::vector<SchedItem> items;
    const std::uint64_t n = Master::held_keys + 1;
    for (std::uint64_t k = 0; k < n; ++k) // one bin per key, then one analysis per key
        items.push_back({k, "bin/" + std::to_string(k), {}, 1.0, k + 1});
    for (std::uint64_t k = 0; k < n; ++k)
        items.push_back({n + k, "pca/" + std::to_string(k), {k}, 1.0 + double(k), k + 1});
    Master m(items);
    for (std::uint64_t k = 0; k < n; ++k)
        REQUIRE(m.next(0) == std::optional<std::uint64_t>(k));
    for (std::uint64_t k = 0; k < n; ++k)
        m.finish(ok(k));
    // Rank 0 ran bins 0..n-1 and holds the last held_keys of them: the oldest key (1) is gone,
    // so its item (cost 1) comes after every held one, costliest first.
    for (std::uint64_t k = n; k-- > 1;)
        REQUIRE(m.next(0) == std::optional<std::uint64_t>(n + k));
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(n));
}

TEST_CASE("a failed item fails everything that needs it by name and the run still finishes",
          "[scheduler]") {
    Master m(two_populations());
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(1));
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(0));
    m.finish(ItemOutcome{0, false, false, 0, 0.0, "bad spikes"});
    REQUIRE(m.state(2) == ItemState::Failed);
    REQUIRE(m.state(4) == ItemState::Failed);
    REQUIRE(m.outcomes()[2].error == "not run: needs bin/a, which failed");
    REQUIRE(m.failed() == 3);
    m.finish(ok(1));
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(3));
    m.finish(ok(3));
    REQUIRE(m.all_finished());
    REQUIRE(m.outcomes()[0].error == "bad spikes");
}

TEST_CASE("items completed by an interrupted run count as done and release their dependents",
          "[scheduler]") {
    Master m(two_populations(), {ItemOutcome{0, true, true, 1, 2.5, {}}});
    REQUIRE(m.resumed() == 1);
    REQUIRE(m.finished() == 1);
    REQUIRE(m.outcomes()[0].rank == 1);
    REQUIRE(m.state(2) == ItemState::Ready);
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(2));
}

TEST_CASE("an item ordered after others waits until they finish, done or failed, and does not "
          "fail with them",
          "[scheduler]") {
    // An animal's pool (3) needs its bin (0) and is ordered after the region's other bins (1, 2).
    std::vector<SchedItem> items{{0, "bin/a", {}, 1.0},
                                 {1, "bin/b", {}, 1.0},
                                 {2, "bin/c", {}, 1.0},
                                 {3, "pseudo_resample/animal=m/R", {0}, 50.0, 0, {1, 2}}};
    Master m(items);
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(0));
    m.finish(ok(0));
    REQUIRE(m.state(3) == ItemState::Waiting); // its need is done, its order is not
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(1));
    m.finish(ItemOutcome{1, false, false, 0, 0.0, "bad spikes"});
    REQUIRE(m.state(3) == ItemState::Waiting);
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(2));
    m.finish(ok(2));
    REQUIRE(m.state(3) == ItemState::Ready); // a failed item it was only ordered after
    REQUIRE(m.next(0) == std::optional<std::uint64_t>(3));
    m.finish(ok(3));
    REQUIRE(m.all_finished());
    REQUIRE(m.failed() == 1);
    // Items an interrupted run completed count as finished for the order too, and an item that
    // fails because of a need releases the items ordered after it.
    Master resumed(
        items, {ItemOutcome{1, true, true, 0, 1.0, {}}, ItemOutcome{2, true, true, 0, 1.0, {}}});
    REQUIRE(resumed.next(0) == std::optional<std::uint64_t>(0));
    resumed.finish(ok(0));
    REQUIRE(resumed.state(3) == ItemState::Ready);
    Master chain({{0, "bin/a", {}, 1.0}, {1, "pca/a", {0}, 1.0}, {2, "later", {}, 1.0, 0, {1}}});
    REQUIRE(chain.next(0) == std::optional<std::uint64_t>(0));
    chain.finish(ItemOutcome{0, false, false, 0, 0.0, "bad spikes"});
    REQUIRE(chain.state(1) == ItemState::Failed);
    REQUIRE(chain.state(2) == ItemState::Ready);
}

TEST_CASE("master refuses a plan whose needs point nowhere", "[scheduler]") {
    REQUIRE_THROWS_AS(Master({{0, "a", {3}, 1.0}}), std::invalid_argument);
    REQUIRE_THROWS_AS(Master({{1, "a", {}, 1.0}}), std::invalid_argument);
    REQUIRE_THROWS_AS(Master({{0, "a", {}, 1.0, 0, {4}}}), std::invalid_argument);
}

namespace {

// Records what the driver does with each item; compute sleeps so slots overlap.
struct FakeExecutor : Executor {
    std::mutex mutex;
    std::vector<std::uint64_t> prepared, committed;
    std::atomic<int> computing{0}, most_computing{0};
    std::vector<std::uint64_t> throws_in_compute, throws_in_prepare;

    struct FakeTask : Task {
        FakeExecutor& owner;
        std::uint64_t id;
        FakeTask(FakeExecutor& o, std::uint64_t i) : owner(o), id(i) {}
        void compute() override {
            int now = ++owner.computing;
            int seen = owner.most_computing.load();
            while (now > seen && !owner.most_computing.compare_exchange_weak(seen, now)) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
            --owner.computing;
            for (auto t : owner.throws_in_compute)
                if (t == id)
                    throw std::runtime_error("compute of " + std::to_string(id) + " broke");
        }
        void commit(double) override {
            std::lock_guard<std::mutex> lock(owner.mutex);
            owner.committed.push_back(id);
        }
    };

    std::unique_ptr<Task> prepare(std::uint64_t id) override {
        {
            std::lock_guard<std::mutex> lock(mutex);
            prepared.push_back(id);
        }
        for (auto t : throws_in_prepare)
            if (t == id) throw std::runtime_error("prepare of " + std::to_string(id) + " broke");
        return std::make_unique<FakeTask>(*this, id);
    }
};

std::size_t position(const std::vector<std::uint64_t>& v, std::uint64_t id) {
    for (std::size_t i = 0; i < v.size(); ++i)
        if (v[i] == id) return i;
    return v.size();
}

} // namespace

TEST_CASE("run_schedule on one rank runs every item once after its needs two at a time with two "
          "slots and records failures",
          "[scheduler]") {
    ensure_mpi();
    Context ctx;
    REQUIRE(ctx.size() == 1);
    std::vector<SchedItem> items;
    for (std::uint64_t i = 0; i < 6; ++i)
        items.push_back({i, "bin/" + std::to_string(i), {}, 1.0});
    for (std::uint64_t i = 0; i < 6; ++i)
        items.push_back({6 + i, "pca/" + std::to_string(i), {i}, 2.0});
    Master master(items);
    FakeExecutor exec;
    exec.throws_in_compute = {2};
    exec.throws_in_prepare = {9};
    ScheduleOptions options;
    options.slots = 2;
    options.threads = 2;
    run_schedule(ctx, &master, exec, options);

    REQUIRE(master.all_finished());
    // 2 failed in compute, 8 (needs 2) was never run, 9 failed in prepare.
    REQUIRE(master.failed() == 3);
    REQUIRE(master.outcomes()[2].error == "compute of 2 broke");
    REQUIRE(master.outcomes()[8].error == "not run: needs bin/2, which failed");
    REQUIRE(master.outcomes()[9].error == "prepare of 9 broke");
    REQUIRE(exec.committed.size() == 9); // 12 items minus the three failures
    REQUIRE(position(exec.prepared, 8) == exec.prepared.size());
    for (std::uint64_t i = 0; i < 6; ++i) {
        if (i == 2) continue;
        REQUIRE(position(exec.committed, i) < position(exec.prepared, 6 + i));
    }
    // Twelve 30 ms compute steps on two slots: both slots were busy at once, never more.
    REQUIRE(exec.most_computing.load() == 2);
}
