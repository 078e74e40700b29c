#include "engine/runtime/scheduler.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include <oneapi/tbb/task_arena.h>

#include "engine/runtime/bytes.hpp"

namespace neuropop::engine {

// ---- Master ----------------------------------------------------------------------------------

bool Master::ByCost::operator()(std::uint64_t a, std::uint64_t b) const {
    const auto& x = (*items)[a];
    const auto& y = (*items)[b];
    if (x.cost != y.cost) return x.cost < y.cost;
    return a > b;
}

Master::Master(std::vector<SchedItem> items, const std::vector<ItemOutcome>& completed)
    : items_(std::move(items)), state_(items_.size(), ItemState::Waiting), unmet_(items_.size(), 0),
      dependents_(items_.size()), after_dependents_(items_.size()), outcomes_(items_.size()),
      ready_(ByCost{&items_}), ready_unkeyed_(ByCost{&items_}) {
    for (std::size_t i = 0; i < items_.size(); ++i) {
        if (items_[i].id != i)
            throw std::invalid_argument("scheduler: item " + std::to_string(items_[i].id) +
                                        " is at position " + std::to_string(i));
        outcomes_[i].id = i;
        for (auto need : items_[i].needs) {
            if (need >= items_.size() || need == i)
                throw std::invalid_argument("scheduler: item " + items_[i].name +
                                            " needs unknown item " + std::to_string(need));
            dependents_[need].push_back(i);
        }
        for (auto a : items_[i].after) {
            if (a >= items_.size() || a == i)
                throw std::invalid_argument("scheduler: item " + items_[i].name +
                                            " is ordered after unknown item " + std::to_string(a));
            after_dependents_[a].push_back(i);
        }
    }
    for (const auto& c : completed) {
        if (c.id >= items_.size() || state_[c.id] == ItemState::Done) continue;
        state_[c.id] = ItemState::Done;
        outcomes_[c.id] = c;
        outcomes_[c.id].ok = true;
        outcomes_[c.id].resumed = true;
        ++finished_;
        ++resumed_;
    }
    for (std::size_t i = 0; i < items_.size(); ++i) {
        if (state_[i] == ItemState::Done) continue;
        for (auto need : items_[i].needs)
            if (state_[need] != ItemState::Done) ++unmet_[i];
        for (auto a : items_[i].after)
            if (state_[a] != ItemState::Done) ++unmet_[i];
        if (unmet_[i] == 0) make_ready(i);
    }
}

void Master::make_ready(std::uint64_t id) {
    state_[id] = ItemState::Ready;
    ready_.push(id);
    if (const auto key = items_[id].affinity; key != 0)
        ready_by_key_.try_emplace(key, ByCost{&items_}).first->second.push(id);
    else
        ready_unkeyed_.push(id);
}

std::optional<std::uint64_t> Master::top_ready(ReadyQueue& q) {
    while (!q.empty() && state_[q.top()] != ItemState::Ready)
        q.pop();
    if (q.empty()) return std::nullopt;
    return q.top();
}

void Master::take(std::uint64_t id, int rank) {
    state_[id] = ItemState::Running;
    outcomes_[id].rank = rank;
    const auto key = items_[id].affinity;
    if (key == 0) return;
    auto& held = held_[rank];
    if (auto it = std::find(held.begin(), held.end(), key); it != held.end()) held.erase(it);
    held.push_back(key);
    if (held.size() > held_keys) held.pop_front();
}

std::optional<std::uint64_t> Master::next(int rank) {
    std::optional<std::uint64_t> best;
    const ByCost after{&items_};
    const auto consider = [&](std::optional<std::uint64_t> id) {
        if (id && (!best || after(*best, *id))) best = id;
    };
    // Its most recent key with a ready item first: a rank finishes the data it just read (a
    // region's pool, which its cache holds whole only while it stays on it) before going back to
    // data it read earlier.
    if (auto h = held_.find(rank); h != held_.end())
        for (auto key = h->second.rbegin(); key != h->second.rend() && !best; ++key) {
            auto q = ready_by_key_.find(*key);
            if (q == ready_by_key_.end()) continue;
            consider(top_ready(q->second));
        }
    if (best) {
        ++affine_;
    } else {
        // None of its own: the costliest item whose data no other rank holds (new data, or
        // none), so the items of another rank's data stay with it; only when there is none,
        // the costliest of all.
        std::set<std::uint64_t> elsewhere;
        for (const auto& [r, keys] : held_)
            if (r != rank) elsewhere.insert(keys.begin(), keys.end());
        consider(top_ready(ready_unkeyed_));
        for (auto q = ready_by_key_.begin(); q != ready_by_key_.end();) {
            if (elsewhere.count(q->first) != 0) {
                ++q;
                continue;
            }
            const auto id = top_ready(q->second);
            if (!id) {
                q = ready_by_key_.erase(q); // refilled by make_ready when its key is ready again
                continue;
            }
            consider(id);
            ++q;
        }
        if (!best) best = top_ready(ready_);
    }
    if (!best) return std::nullopt;
    take(*best, rank);
    return best;
}

void Master::finish(const ItemOutcome& outcome) {
    auto id = outcome.id;
    if (id >= items_.size() || state_[id] != ItemState::Running)
        throw std::logic_error("scheduler: outcome for item " + std::to_string(id) +
                               " that is not running");
    outcomes_[id] = outcome;
    ++finished_;
    if (outcome.ok) {
        state_[id] = ItemState::Done;
        for (auto d : dependents_[id])
            if (--unmet_[d] == 0 && state_[d] == ItemState::Waiting) make_ready(d);
    } else {
        state_[id] = ItemState::Failed;
        ++failed_;
        fail_dependents(id);
    }
    release_after(id);
}

void Master::release_after(std::uint64_t id) {
    for (auto d : after_dependents_[id])
        if (--unmet_[d] == 0 && state_[d] == ItemState::Waiting) make_ready(d);
}

void Master::fail_dependents(std::uint64_t id) {
    for (auto d : dependents_[id]) {
        if (state_[d] != ItemState::Waiting) continue;
        state_[d] = ItemState::Failed;
        outcomes_[d] = ItemOutcome{
            d, false, false, -1, 0.0, "not run: needs " + items_[id].name + ", which failed"};
        ++finished_;
        ++failed_;
        fail_dependents(d);
        release_after(d);
    }
}

// ---- run_schedule ----------------------------------------------------------------------------

namespace {

using Clock = std::chrono::steady_clock;

constexpr int tag_request = 7101; // worker -> master: give me an item
constexpr int tag_result = 7102;  // worker -> master: an item's outcome
constexpr int tag_assign = 7103;  // master -> worker: an item id, or stop
constexpr std::uint64_t stop_signal = ~std::uint64_t{0};

double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string what_of(const std::exception_ptr& e) {
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& x) {
        return x.what();
    } catch (...) {
        return "unknown exception";
    }
}

std::vector<std::uint8_t> pack(const ItemOutcome& o) {
    Packer p;
    p.put(o.id).put<std::uint8_t>(o.ok ? 1 : 0).put(o.rank).put(o.seconds).put(o.error);
    p.put(o.bytes_read).put(o.bytes_written);
    return std::move(p.bytes());
}

ItemOutcome unpack_outcome(const std::vector<std::uint8_t>& bytes) {
    Unpacker u(bytes);
    ItemOutcome o;
    o.id = u.get<std::uint64_t>();
    o.ok = u.get<std::uint8_t>() != 0;
    o.rank = u.get<std::int64_t>();
    o.seconds = u.get<double>();
    o.error = u.get_string();
    o.bytes_read = u.get<std::uint64_t>();
    o.bytes_written = u.get<std::uint64_t>();
    return o;
}

std::vector<std::uint8_t> pack_id(std::uint64_t id) {
    Packer p;
    p.put(id);
    return std::move(p.bytes());
}

// The items running on this rank: each compute step on its own thread inside the rank's TBB
// arena, so the main thread stays free for MPI and HDF5.
class Slots {
public:
    explicit Slots(unsigned threads) : arena_(static_cast<int>(threads)) {}
    Slots(const Slots&) = delete;
    Slots& operator=(const Slots&) = delete;
    ~Slots() {
        for (auto& r : running_)
            if (r.thread.joinable()) r.thread.join();
    }

    std::size_t size() const { return running_.size(); }

    void start(std::uint64_t id, std::unique_ptr<Task> task, Clock::time_point started) {
        running_.emplace_back();
        Run& r = running_.back();
        r.id = id;
        r.task = std::move(task);
        r.started = started;
        r.thread = std::thread([this, &r] {
            try {
                arena_.execute([&] { r.task->compute(); });
            } catch (...) {
                r.error = std::current_exception();
            }
            {
                std::lock_guard<std::mutex> lock(mutex_);
                r.finished = true;
            }
            cv_.notify_one();
        });
    }

    struct Finished {
        std::uint64_t id;
        std::unique_ptr<Task> task;
        Clock::time_point started;
        std::exception_ptr error;
    };

    std::vector<Finished> collect() {
        std::vector<Finished> out;
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto it = running_.begin(); it != running_.end();) {
            if (!it->finished) {
                ++it;
                continue;
            }
            it->thread.join();
            out.push_back({it->id, std::move(it->task), it->started, it->error});
            it = running_.erase(it);
        }
        return out;
    }

    // Sleeps until a compute step finishes or `timeout` passes.
    void wait(std::chrono::microseconds timeout) {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait_for(lock, timeout, [&] {
            for (const auto& r : running_)
                if (r.finished) return true;
            return false;
        });
    }

private:
    struct Run {
        std::uint64_t id = 0;
        std::unique_ptr<Task> task;
        Clock::time_point started;
        std::thread thread;
        std::exception_ptr error;
        bool finished = false; // guarded by mutex_
    };
    tbb::task_arena arena_;
    std::list<Run> running_; // list: a Run's address is stable while its thread uses it
    std::mutex mutex_;
    std::condition_variable cv_;
};

// Runs prepare() for an item on the main thread; a failure there is the item's outcome.
std::optional<ItemOutcome> start_item(std::uint64_t id, int rank, Executor& executor,
                                      Slots& slots) {
    auto started = Clock::now();
    try {
        slots.start(id, executor.prepare(id), started);
        return std::nullopt;
    } catch (const std::exception& e) {
        return ItemOutcome{id, false, false, rank, seconds_since(started), e.what()};
    }
}

// Commits the finished items (main thread: HDF5) and returns their outcomes.
std::vector<ItemOutcome> finish_items(Slots& slots, int rank) {
    std::vector<ItemOutcome> out;
    for (auto& f : slots.collect()) {
        ItemOutcome o{f.id, false, false, rank, 0.0, {}};
        if (f.error) {
            o.error = what_of(f.error);
        } else {
            try {
                f.task->commit(seconds_since(f.started));
                o.ok = true;
                const auto b = f.task->bytes();
                o.bytes_read = b.read;
                o.bytes_written = b.written;
            } catch (const std::exception& e) {
                o.error = e.what();
            }
        }
        o.seconds = seconds_since(f.started);
        out.push_back(std::move(o));
    }
    return out;
}

constexpr auto idle_wait = std::chrono::microseconds(500);

void run_master(const Context& ctx, Master& master, Executor& executor,
                const ScheduleOptions& options) {
    Slots slots(options.threads);
    std::deque<int> waiting; // ranks that asked for an item, in order of asking
    std::size_t stopped = 0; // workers told to stop
    auto last_progress = Clock::now();
    const auto record = [&](const ItemOutcome& o) {
        master.finish(o);
        if (options.after_outcome) options.after_outcome(master);
    };
    while (true) {
        bool busy = false;
        while (auto m = ctx.poll()) {
            busy = true;
            if (m->tag == tag_result)
                record(unpack_outcome(m->bytes));
            else if (m->tag == tag_request)
                waiting.push_back(m->source);
            else
                throw std::logic_error("scheduler: unexpected message tag " +
                                       std::to_string(m->tag));
        }
        for (const auto& o : finish_items(slots, 0)) {
            busy = true;
            record(o);
        }
        // Idle workers first: they have nothing else to do.
        while (!waiting.empty()) {
            int worker = waiting.front();
            if (master.all_finished()) {
                ctx.send(worker, tag_assign, pack_id(stop_signal));
                ++stopped;
            } else if (auto id = master.next(worker)) {
                ctx.send(worker, tag_assign, pack_id(*id));
            } else {
                break;
            }
            waiting.pop_front();
            busy = true;
        }
        while (slots.size() < options.slots) {
            auto id = master.next(0);
            if (!id) break;
            busy = true;
            if (auto failed = start_item(*id, 0, executor, slots)) record(*failed);
        }
        if (options.on_progress && (busy || seconds_since(last_progress) >= 1.0)) {
            options.on_progress(master);
            last_progress = Clock::now();
        }
        if (master.all_finished() && slots.size() == 0 &&
            stopped == static_cast<std::size_t>(ctx.size() - 1))
            return;
        if (!busy) slots.wait(idle_wait);
    }
}

void run_worker(const Context& ctx, Executor& executor, const ScheduleOptions& options) {
    Slots slots(options.threads);
    bool asked = false, stop = false;
    std::size_t finished = 0;
    while (true) {
        bool busy = false;
        while (auto m = ctx.poll(tag_assign)) {
            busy = true;
            asked = false;
            Unpacker u(m->bytes);
            auto id = u.get<std::uint64_t>();
            if (id == stop_signal) {
                stop = true;
                continue;
            }
            if (auto failed = start_item(id, ctx.rank(), executor, slots))
                ctx.send(0, tag_result, pack(*failed));
        }
        for (const auto& o : finish_items(slots, ctx.rank())) {
            busy = true;
            ctx.send(0, tag_result, pack(o));
            if (options.after_worker_item) options.after_worker_item(++finished);
        }
        if (stop && slots.size() == 0) return;
        if (!stop && !asked && slots.size() < options.slots) {
            ctx.send(0, tag_request, {});
            asked = true;
            busy = true;
        }
        if (!busy) slots.wait(idle_wait);
    }
}

} // namespace

void run_schedule(const Context& ctx, Master* master, Executor& executor,
                  const ScheduleOptions& options) {
    if (ctx.rank() == 0) {
        if (master == nullptr) throw std::logic_error("run_schedule: rank 0 needs the master");
        run_master(ctx, *master, executor, options);
    } else {
        run_worker(ctx, executor, options);
    }
}

} // namespace neuropop::engine
