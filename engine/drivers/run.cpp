#include "engine/drivers/run.hpp"
#include "engine/drivers/scheduled_items.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <limits>
#include <optional>
#include <sched.h>
#include <thread>

#include <oneapi/tbb/global_control.h>

#include "engine/drivers/output_guard.hpp"
#include "engine/drivers/results_tables.hpp"
#include "engine/drivers/storage.hpp"
#include "engine/drivers/work_folder.hpp"
#include "engine/items/executor.hpp"
#include "engine/runtime/bytes.hpp"
#include "engine/runtime/progress.hpp"
#include "engine/runtime/scheduler.hpp"
#include "io/errors.hpp"
#include "jobs/inventory.hpp"
#include "jobs/item_sizes.hpp"
#include "jobs/job_parser.hpp"
#include "jobs/planner.hpp"
#include "jobs/shard.hpp"

namespace neuropop::engine {

namespace fs = std::filesystem;

unsigned resolve_threads(unsigned requested, int node_ranks) {
    if (requested > 0) return requested;
    unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    cpu_set_t set;
    CPU_ZERO(&set);
    // Under Slurm or an MPI binding the process may use fewer cores than the node has.
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        cores = std::min(cores, static_cast<unsigned>(std::max(1, CPU_COUNT(&set))));
    const unsigned per_rank = std::max(1u, std::max(1u, std::thread::hardware_concurrency()) /
                                               static_cast<unsigned>(std::max(1, node_ranks)));
    return std::max(1u, std::min(cores, per_rank));
}

namespace {

using Clock = std::chrono::steady_clock;

// Rank 0's planning outcome, broadcast to every rank.
struct Setup {
    int status = 0; // an exit code; 0: go on
    std::vector<std::string> problems;
    bool already_complete = false;
    std::string created;
    PlanView plan;
    std::vector<ItemOutcome> completed;
};

std::vector<std::uint8_t> pack(const Setup& s) {
    Packer p;
    p.put(s.status).put(s.problems).put<std::uint8_t>(s.already_complete ? 1 : 0).put(s.created);
    p.put(encode(s.plan));
    p.put<std::uint64_t>(s.completed.size());
    for (const auto& c : s.completed)
        p.put(c.id).put(c.rank).put(c.seconds);
    return std::move(p.bytes());
}

Setup unpack_setup(const std::vector<std::uint8_t>& bytes) {
    Unpacker u(bytes);
    Setup s;
    s.status = u.get<int>();
    s.problems = u.get_strings();
    s.already_complete = u.get<std::uint8_t>() != 0;
    s.created = u.get_string();
    s.plan = decode_plan(u.get_vector<std::uint8_t>());
    s.completed.resize(static_cast<std::size_t>(u.get<std::uint64_t>()));
    for (auto& c : s.completed) {
        c.id = u.get<std::uint64_t>();
        c.rank = u.get<std::int64_t>();
        c.seconds = u.get<double>();
        c.ok = c.resumed = true;
    }
    return s;
}

// What a run reads: --force may replace none of it.
std::vector<InputPath> job_inputs(const jobs::JobSpec& spec,
                                  const std::vector<jobs::SessionEntry>& sessions) {
    std::vector<InputPath> in;
    if (!spec.job_file.empty()) in.push_back({spec.job_file, "job file"});
    if (!spec.geometry.model_file.empty())
        in.push_back({spec.geometry.model_file, "geometry.model_file"});
    for (const auto& s : sessions)
        in.push_back({s.info.file, "session file"});
    return in;
}

// Rank 0: output path, inventory, plan, work folder; every problem collected, nothing thrown.
Setup prepare(const jobs::JobSpec& spec, WorkFolder& folder, std::optional<jobs::Plan>& plan) {
    Setup s;
    s.created = utc_now();
    try {
        const std::string job = jobs::render_job(spec, jobs::RenderScope::Results);
        auto inventory = jobs::check_inventory(spec);
        for (const auto& w : inventory.warnings)
            std::cerr << "neuropop run: " << w << "\n";
        for (auto& p : inventory.problems)
            s.problems.push_back(std::move(p));
        auto output_problems = check_outputs(folder.outputs(), job_inputs(spec, inventory.sessions),
                                             spec.data.sessions);
        // The lock first, so that what check() reads is not being written by a running job.
        auto start = WorkFolder::Start::Fresh;
        std::string holder;
        if (!output_problems.empty())
            s.problems.insert(s.problems.end(), output_problems.begin(), output_problems.end());
        else if (!folder.lock(holder))
            s.problems.push_back("output.path: " + folder.dir().string() + " is in use by " +
                                 holder +
                                 ": another run is writing this output; wait for it to end or "
                                 "stop it");
        else {
            if (!holder.empty() && !spec.run.quiet)
                std::cerr << "neuropop run: taking over the lock of a run that is gone (" << holder
                          << ")\n";
            start = folder.check(spec.run.force, spec.run.resume, job, s.problems);
        }
        if (spec.run.shards > 0 && inventory.problems.empty()) {
            const auto total = inventory.sessions.size();
            inventory.sessions = jobs::shard_sessions(std::move(inventory.sessions), spec.run.shard,
                                                      spec.run.shards);
            if (inventory.sessions.empty())
                s.problems.push_back(
                    "--shard " + jobs::format_shard(spec.run.shard, spec.run.shards) +
                    ": no session falls in this shard (the job has " + std::to_string(total) +
                    " sessions; use at most " + std::to_string(total) + " shards)");
        }
        if (!s.problems.empty()) {
            s.status = 2;
            return s;
        }
        if (start == WorkFolder::Start::AlreadyComplete) {
            folder.discard();
            s.already_complete = true;
            return s;
        }
        jobs::JobSpec plan_spec = spec;
        // Summaries need every session: a shard leaves them to `neuropop merge`.
        if (spec.run.shards > 0) plan_spec.run.summaries = false;
        plan = jobs::make_plan(plan_spec, std::move(inventory.sessions));
        for (const auto& w : plan->warnings)
            std::cerr << "neuropop run: " << w << "\n";
        // Before the work folder exists: a job refused here leaves nothing behind.
        s.problems = plan->problems;
        for (auto& p : jobs::check_item_sizes(spec, *plan))
            s.problems.push_back(std::move(p));
        if (!s.problems.empty()) {
            s.status = 2;
            return s;
        }
        folder.open(start, job, plan_text(*plan), s.problems);
        if (!s.problems.empty()) {
            s.status = 2;
            return s;
        }
        s.plan = view_of(*plan);
        s.completed = folder.completed(plan->items);
    } catch (const io::InputError& e) {
        s.status = 2;
        s.problems.push_back(e.what());
    } catch (const fs::filesystem_error& e) {
        s.status = 2;
        s.problems.push_back("output.path: " + std::string(e.what()));
    } catch (const std::exception& e) {
        s.status = 1;
        s.problems.push_back(std::string("internal error while planning: ") + e.what());
    }
    return s;
}

[[noreturn]] void write_failed(const WorkFolder& folder, int rank, const std::string& what) {
    abort_write_failed("neuropop run", rank, folder.partial(), what,
                       "the finished items are kept in " + folder.dir().string() +
                           ": run again with --resume");
}

// What every rank's items read and wrote and how its cache did, summed over ranks (collective).
io::Attributes data_attributes(const Context& ctx, const ExecutorCounts& c,
                               std::uint64_t cache_budget, std::size_t affine) {
    const auto sum = [&](std::uint64_t v) { return ctx.sum(static_cast<std::int64_t>(v)); };
    const auto sources = sum(c.source_bytes_read), item_files = sum(c.item_file_bytes_read);
    return {{"bytes_read", sources + item_files},
            {"bytes_read_sources", sources},
            {"bytes_read_item_files", item_files},
            {"bytes_read_populations", sum(c.population_bytes_read)},
            {"bytes_written", sum(c.bytes_written)},
            {"cache_hits", sum(c.cache.hits)},
            {"cache_misses", sum(c.cache.misses)},
            {"cache_evictions", sum(c.cache.evictions)},
            {"cache_mb_per_rank", static_cast<std::int64_t>(cache_budget >> 20)},
            {"items_on_holding_rank", static_cast<std::int64_t>(affine)}};
}

std::uint64_t env_count(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::strtoull(v, nullptr, 10) : 0;
}

void kill_in_merge_hook() {
    if (world_rank() == 0 && env_count(kill_in_merge_env) > 0) std::raise(SIGKILL);
}

} // namespace

std::size_t merge_layout_chunk() {
    const auto n = env_count(merge_chunk_env);
    return n > 0 ? static_cast<std::size_t>(n) : io::default_layout_chunk;
}

std::size_t merge_objects_per_open() {
    const auto n = env_count(merge_reopen_env);
    return n > 0 ? static_cast<std::size_t>(n) : io::default_objects_per_open;
}

std::string utc_now() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

io::Attributes merge_attributes(const io::MpioCounts& mpio, std::size_t items, std::size_t failed,
                                std::int64_t resumed) {
    return {
        {"mpio_collective_writes", mpio.collective},
        {"mpio_independent_writes", mpio.independent},
        {"mpio_collective_min_bytes", static_cast<std::int64_t>(io::default_collective_min_bytes)},
        {"items", static_cast<std::int64_t>(items)},
        {"items_failed", static_cast<std::int64_t>(failed)},
        {"items_resumed", resumed}};
}

io::Attributes root_attributes(const jobs::JobSpec& spec, const std::string& created, int ranks,
                               unsigned threads) {
    io::Attributes a;
    a.push_back({"description", std::string("neuropop results: population analyses of spiking "
                                            "data (see the job attribute for what was run)")});
    a.push_back({"neuropop_version", std::string(NEUROPOP_VERSION)});
    a.push_back({"job", jobs::render_job(spec, jobs::RenderScope::Full)});
    a.push_back({"job_file", spec.job_file});
    a.push_back({"created", created});
    a.push_back({"ranks", static_cast<std::int64_t>(ranks)});
    a.push_back({"threads", static_cast<std::int64_t>(threads)});
    if (spec.run.seed <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        a.push_back({"seed", static_cast<std::int64_t>(spec.run.seed)});
    else
        a.push_back({"seed", std::to_string(spec.run.seed)});
    if (spec.run.shards > 0)
        a.push_back({"shard", jobs::format_shard(spec.run.shard, spec.run.shards)});
    return a;
}

namespace {

std::string summary(const RunResult& r, std::size_t failed) {
    std::string s = "neuropop run: " + format_duration(r.seconds) + " (merge " +
                    format_duration(r.merge_seconds) + "), " + std::to_string(r.items) + " items";
    if (r.resumed) s += " (" + std::to_string(r.resumed) + " from the interrupted run)";
    s += ", " + std::to_string(failed) + " failed, " + std::to_string(r.ranks) +
         (r.ranks == 1 ? " rank" : " ranks") + " x " + std::to_string(r.threads) +
         (r.threads == 1 ? " thread" : " threads");
    if (failed)
        s += "; partial results in " + r.output +
             " (fix the cause and run again with --resume "
             "to retry the failed items)";
    else
        s += "; results in " + r.output;
    return s;
}

} // namespace

RunResult run(const jobs::JobSpec& spec) {
    ensure_mpi();
    Context ctx(MPI_COMM_WORLD);
    return run(spec, ctx);
}

RunResult run(const jobs::JobSpec& spec, const Context& ctx) {
    const auto started = Clock::now();
    const bool root = ctx.rank() == 0;
    RunResult result;
    result.ranks = ctx.size();
    result.threads = resolve_threads(spec.run.threads, ctx.node_ranks());
    tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, result.threads);
    WorkFolder folder(spec.output.path);
    result.output = folder.output().string();

    // 1. Rank 0 plans; everyone learns the plan or the problems.
    std::optional<jobs::Plan> plan;
    std::vector<std::uint8_t> bytes;
    if (root) bytes = pack(prepare(spec, folder, plan));
    ctx.broadcast(bytes);
    Setup setup = unpack_setup(bytes);
    if (setup.status != 0 || setup.already_complete) {
        result.exit_code = setup.status;
        result.problems = setup.problems;
        if (root && setup.already_complete && !spec.run.quiet)
            std::cerr << "neuropop run: " << result.output
                      << " is already complete (the interrupted run had finished)\n";
        return result;
    }
    const PlanView& view = setup.plan;
    result.items = view.items.size();
    result.resumed = setup.completed.size();

    // 2. Every item to an outcome.
    std::optional<Master> master;
    Progress progress(std::cerr, !spec.run.quiet, is_terminal(2));
    ScheduleOptions options;
    options.slots = result.threads;
    options.threads = result.threads;
    if (root) {
        master.emplace(scheduled_items(view), setup.completed);
        options.on_progress = [&progress](const Master& m) {
            progress.update({m.total(), m.finished(), m.failed(), m.resumed()});
        };
        if (auto n = env_count(kill_after_items_env); n > 0 && env_count(kill_rank_env) == 0)
            options.after_outcome = [n](const Master& m) {
                if (m.finished() - m.resumed() >= n) std::raise(SIGKILL);
            };
    } else if (env_count(kill_rank_env) == static_cast<std::uint64_t>(ctx.rank())) {
        if (auto n = env_count(kill_after_items_env); n > 0)
            options.after_worker_item = [n](std::size_t done) {
                if (done >= n) std::raise(SIGKILL);
            };
    }
    const auto cache_budget = jobs::cache_budget_bytes(spec, ctx.node_ranks());
    ItemExecutor executor(spec, view, folder.items(), ctx.rank(), cache_budget);
    run_schedule(ctx, root ? &*master : nullptr, executor, options);
    auto data = data_attributes(ctx, executor.counts(), cache_budget, root ? master->affine() : 0);

    // 3. One collective merge into PATH.partial.
    const auto merge_started = Clock::now();
    std::vector<io::ResultBlock> inline_blocks;
    io::MergeLayout layout;
    std::size_t failed = 0;
    int status = 0;
    std::string error;
    if (root) {
        try {
            std::vector<std::string> files;
            for (const auto& o : master->outcomes()) {
                if (o.ok) {
                    if (!view.items[o.id].intermediate)
                        files.push_back(item_file(folder.items(), o.id).string());
                } else
                    result.failed.push_back(view.items[o.id].name() + ": " + o.error);
            }
            failed = master->failed();
            // A full disk fails every item it touches; say so instead of merging failures.
            const std::string keep = "; the finished items are kept in " + folder.dir().string() +
                                     ": free space, then run again with --resume";
            if (failed > 0)
                if (auto why = short_of_space(folder.items(), 1u << 20)) {
                    status = exit_no_space;
                    error = *why + " (" + std::to_string(failed) + " items could not be written)" +
                            keep;
                }
            if (status == 0 && env_count(skip_space_check_env) == 0)
                if (auto why = short_of_space(folder.partial(), merge_bytes_needed(files))) {
                    status = exit_no_space;
                    error = *why + " to merge the results into " + folder.partial().string() + keep;
                }
            inline_blocks.push_back(inventory_block(*plan));
            inline_blocks.push_back(progress_block(*master, view));
            layout = io::plan_merge(
                files, inline_blocks,
                root_attributes(spec, setup.created, ctx.size(), result.threads), ctx.size());
        } catch (const std::exception& e) {
            status = 1;
            error = std::string("cannot assemble the results: ") + e.what();
        }
        Packer p;
        p.put(status).put(error);
        bytes = std::move(p.bytes());
    }
    ctx.broadcast(bytes);
    {
        Unpacker u(bytes);
        status = u.get<int>();
        error = u.get_string();
    }
    if (status != 0) {
        result.exit_code = status;
        result.problems = {error};
        return result;
    }
    const auto partial = folder.partial().string();
    io::MpioCounts counts;
    try {
        // The layout stays on rank 0, which sends it to the others a chunk at a time.
        counts = io::write_collective(
            partial, ctx.comm(), layout, inline_blocks,
            [&ctx](std::vector<std::uint8_t>& b) { ctx.broadcast(b); }, &kill_in_merge_hook,
            merge_layout_chunk(), merge_objects_per_open());
    } catch (const std::exception& e) {
        // The other ranks may wait inside a collective call for this one: end them all, saying
        // why in one line (a full disk is the usual cause, and HDF5 does not say so).
        write_failed(folder, ctx.rank(), e.what());
    }
    result.mpio.collective = ctx.sum(counts.collective);
    result.mpio.independent = ctx.sum(counts.independent);

    // 4. Rank 0 fills the strings (serial pass) and, when nothing failed, publishes PATH.
    status = 0;
    bytes.clear();
    if (root) {
        try {
            auto attributes = merge_attributes(result.mpio, result.items, failed,
                                               static_cast<std::int64_t>(result.resumed));
            attributes.insert(attributes.end(), data.begin(), data.end());
            io::write_serial_pass(partial, layout, inline_blocks, attributes,
                                  merge_objects_per_open());
            if (failed == 0) folder.finish();
        } catch (const std::exception& e) {
            status = 1;
            error = std::string("cannot finish the results file: ") + e.what();
            // A results file HDF5 could not close on a full disk stays half-open inside the
            // library, whose clean-up at exit then crashes: end every rank now, without it.
            if (auto why = short_of_space(folder.partial(), 1u << 20))
                abort_all("neuropop run: cannot finish " + partial + ": " + *why +
                              "; the finished items are kept in " + folder.dir().string() +
                              ": free space, then run again with --resume",
                          exit_no_space);
        }
        Packer p;
        p.put(status).put(error).put<std::uint64_t>(failed);
        bytes = std::move(p.bytes());
    }
    ctx.broadcast(bytes);
    Unpacker u(bytes);
    status = u.get<int>();
    error = u.get_string();
    failed = static_cast<std::size_t>(u.get<std::uint64_t>());
    if (status != 0) {
        result.exit_code = status;
        result.problems = {error};
        return result;
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    result.merge_seconds = std::chrono::duration<double>(Clock::now() - merge_started).count();
    if (failed) {
        result.exit_code = 3;
        result.output = partial;
    }
    if (root) progress.finish(summary(result, failed));
    return result;
}

} // namespace neuropop::engine
