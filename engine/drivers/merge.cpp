#include "engine/drivers/merge.hpp"
#include "engine/drivers/scheduled_items.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <variant>

#include <oneapi/tbb/global_control.h>

#include "engine/drivers/merge_inputs.hpp"
#include "engine/drivers/output_guard.hpp"
#include "engine/drivers/results_tables.hpp"
#include "engine/drivers/run.hpp"
#include "engine/drivers/storage.hpp"
#include "engine/items/executor.hpp"
#include "engine/items/prepare.hpp"
#include "engine/runtime/bytes.hpp"
#include "engine/runtime/scheduler.hpp"
#include "io/errors.hpp"
#include "io/result_store.hpp"
#include "jobs/item_sizes.hpp"
#include "jobs/job_parser.hpp"

namespace neuropop::engine {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// The root groups a shard contributes: its analysis results; /inventory and /progress are
// rebuilt for the whole job.
io::ResultBlock shard_results(const std::string& path) {
    io::ResultBlock all;
    for (const auto& g : io::read_root_groups(path)) {
        if (g == "/inventory" || g == "/progress") continue;
        auto b = io::read_results_group(path, g);
        all.groups.insert(all.groups.end(), b.groups.begin(), b.groups.end());
        for (auto& d : b.datasets)
            all.datasets.push_back(std::move(d));
    }
    return all;
}

// The shards' accounting of what their ranks read and wrote (engine/drivers/run.cpp), summed,
// plus `here`, the same totals of the items the merge ran: the study's totals; the cache budget
// is the largest any shard had. A shard without them (none should be) adds nothing.
io::Attributes data_totals(const std::vector<std::string>& shards, const io::Attributes& here) {
    static const char* const summed[] = {"bytes_read",
                                         "bytes_read_sources",
                                         "bytes_read_item_files",
                                         "bytes_read_populations",
                                         "bytes_written",
                                         "cache_hits",
                                         "cache_misses",
                                         "cache_evictions",
                                         "items_on_holding_rank"};
    std::map<std::string, std::int64_t> total;
    std::int64_t budget = 0;
    std::vector<io::Attributes> all;
    for (const auto& shard : shards)
        all.push_back(io::read_root_attributes(shard));
    all.push_back(here);
    for (const auto& attributes : all)
        for (const auto& a : attributes) {
            const auto* v = std::get_if<std::int64_t>(&a.value);
            if (v == nullptr) continue;
            if (a.name == "cache_mb_per_rank") budget = std::max(budget, *v);
            for (const char* name : summed)
                if (a.name == name) total[name] += *v;
        }
    io::Attributes out;
    for (const char* name : summed)
        out.push_back({name, total[name]});
    out.push_back({"cache_mb_per_rank", budget});
    return out;
}

// Rank 0's check of the inputs, broadcast: what every rank needs to run the pooled items.
struct Checked {
    int status = 0;
    std::vector<std::string> problems;
    std::string job;                   // the whole job, rendered in full (every rank parses it)
    PlanView plan;                     // the whole job's plan
    std::vector<std::string> shards;   // by shard index
    std::vector<std::uint64_t> pooled; // the items run here through the scheduler
};

std::vector<std::uint8_t> pack(const Checked& c) {
    Packer p;
    p.put(c.status).put(c.problems).put(c.job).put(encode(c.plan)).put(c.shards).put(c.pooled);
    return std::move(p.bytes());
}

Checked unpack_checked(const std::vector<std::uint8_t>& bytes) {
    Unpacker u(bytes);
    Checked c;
    c.status = u.get<int>();
    c.problems = u.get_strings();
    c.job = u.get_string();
    c.plan = decode_plan(u.get_vector<std::uint8_t>());
    c.shards = u.get_strings();
    c.pooled = u.get_vector<std::uint64_t>();
    return c;
}

// Rank 0: the inputs checked and the whole job planned; problems are returned, not thrown.
Checked check(const MergeOptions& options, const std::string& work,
              std::optional<detail::MergeInputs>& kept) {
    Checked c;
    try {
        if (fs::exists(options.output) && !options.force) {
            c.status = 2;
            c.problems.push_back(options.output +
                                 ": exists; pass --force to overwrite it, or move it away");
            return c;
        }
        auto in = detail::check_merge_inputs(options);
        // Rank 0 checks what the merge writes against everything it reads, before writing.
        std::vector<InputPath> inputs;
        for (const auto& shard : options.shards)
            inputs.push_back({shard, "shard results file"});
        if (in.plan)
            for (const auto& s : in.plan->sessions)
                inputs.push_back({s.info.file, "session file"});
        const std::vector<OutputPath> outputs{{options.output, "OUT", false},
                                              {options.output + ".partial", "OUT", false},
                                              {work, "OUT", true}};
        for (auto& problem : check_outputs(outputs, inputs, in.spec.data.sessions))
            in.problems.push_back(std::move(problem));
        if (!in.problems.empty()) {
            c.status = 2;
            c.problems = std::move(in.problems);
            return c;
        }
        fs::create_directories(fs::absolute(options.output).parent_path());
        if (!in.pooled.empty() || !in.summaries.empty()) {
            // The files of the items run here: a fresh folder, like a run's work folder (a merge
            // does not resume: what an interrupted merge left is redone).
            fs::remove_all(work);
            fs::create_directories(fs::path(work) / "items");
        }
        c.job = jobs::render_job(in.spec, jobs::RenderScope::Full);
        c.plan = view_of(*in.plan);
        c.shards = in.shards;
        c.pooled = in.pooled;
        kept = std::move(in);
    } catch (const io::InputError& e) {
        c.status = 2;
        c.problems.push_back(e.what());
    } catch (const std::exception& e) {
        c.status = 1;
        c.problems.push_back(std::string("internal error while planning the merge: ") + e.what());
    }
    return c;
}

struct Prepared {
    int status = 0;
    std::vector<std::string> problems;
    std::size_t shards = 0, items = 0, summaries = 0;
    std::int64_t resumed = 0;
};

// Rank 0, after the pooled items ran: summaries built from the shards, layout planned. Problems
// are returned, not thrown. `pooled` holds the outcomes of the items run here (by id), `work` is
// totals of what they read and wrote (summed over ranks).
Prepared prepare(detail::MergeInputs& in, const std::vector<ItemOutcome>& pooled,
                 const fs::path& items_dir, const io::Attributes& work, int ranks,
                 io::MergeLayout& layout, std::vector<io::ResultBlock>& inline_blocks) {
    Prepared p;
    try {
        // Every item run here writes an item file, as in the single run: the files join the
        // shards as sources in item-id order, so that groups several items write (/summary)
        // take their attributes from the same item as there, and each file's read order
        // (names) is the order the merge attaches dimension scales in, which the scales'
        // REFERENCE_LIST records.
        std::map<std::uint64_t, std::string> files;
        for (auto id : in.summaries) {
            const auto started = Clock::now();
            const auto& item = in.plan->items.at(id);
            files[id] = item_file(items_dir, id).string();
            io::write_item_file(
                files[id], {id, item.name(), 0, 0.0},
                detail::runner_of(item.kind).from_shards(*in.plan, in.shards, item));
            auto& row = in.rows.at(id);
            row.status = "done";
            row.rank = 0;
            row.seconds = std::chrono::duration<double>(Clock::now() - started).count();
        }
        for (const auto& o : pooled) {
            auto& row = in.rows.at(o.id);
            row.status = "done";
            row.rank = o.rank;
            row.seconds = o.seconds;
            row.bytes_read = static_cast<std::int64_t>(o.bytes_read);
            row.bytes_written = static_cast<std::int64_t>(o.bytes_written);
            if (!in.plan->items.at(o.id).intermediate)
                files[o.id] = item_file(items_dir, o.id).string();
        }
        std::vector<std::string> sources = in.shards;
        for (const auto& [id, file] : files)
            sources.push_back(file);
        // Each source's metadata read when the planner reaches it, one held at a time.
        const std::size_t n_shards = in.shards.size();
        const auto block_of = [&sources, n_shards](std::size_t i) {
            return i < n_shards ? shard_results(sources[i]) : io::read_item_file(sources[i], false);
        };
        for (const auto& r : in.rows)
            p.resumed += r.status == "resumed" ? 1 : 0;
        inline_blocks.insert(inline_blocks.begin(),
                             {inventory_block(*in.plan), progress_block(in.rows)});
        auto root = root_attributes(in.spec, utc_now(), ranks, 1);
        root.push_back({"merged_shards", static_cast<std::int64_t>(in.shards.size())});
        for (auto& a : data_totals(in.shards, work))
            root.push_back(std::move(a));
        layout = io::plan_merge(sources, io::BlockOf(block_of), inline_blocks, root, ranks);
        p.shards = in.shards.size();
        p.items = in.rows.size();
        p.summaries = in.summaries.size();
    } catch (const io::InputError& e) {
        p.status = 2;
        p.problems.push_back(e.what());
    } catch (const std::exception& e) {
        p.status = 1;
        p.problems.push_back(std::string("internal error while planning the merge: ") + e.what());
    }
    return p;
}

} // namespace

MergeResult merge(const MergeOptions& options, const Context& ctx) {
    const auto started = Clock::now();
    const bool root = ctx.rank() == 0;
    MergeResult result;
    result.output = options.output;
    const std::string partial = options.output + ".partial";
    const std::string work = options.output + ".partial.d";
    const fs::path items_dir = fs::path(work) / "items";

    // 1. Rank 0 checks the shards and plans the whole job; every rank learns what runs here.
    std::optional<detail::MergeInputs> in;
    std::vector<std::uint8_t> bytes;
    if (root) bytes = pack(check(options, work, in));
    ctx.broadcast(bytes);
    const Checked checked = unpack_checked(bytes);
    if (checked.status != 0) {
        result.exit_code = checked.status;
        result.problems = checked.problems;
        return result;
    }

    // 2. The items that pool sessions, through the scheduler and executor of `neuropop run`: the
    // same plan, item keys and draws, so the same bits; their populations come from the /binned
    // group of the shard that binned them (shard = session position % N, jobs/shard.hpp).
    std::vector<ItemOutcome> pooled;
    io::Attributes here;
    if (!checked.pooled.empty()) {
        auto parsed = jobs::check_job_text(checked.job, "", {});
        if (!parsed.problems.empty())
            throw std::logic_error("merge: the job does not parse again: " +
                                   parsed.problems.front());
        const jobs::JobSpec& spec = parsed.spec;
        const unsigned threads = resolve_threads(0, ctx.node_ranks());
        tbb::global_control parallelism(tbb::global_control::max_allowed_parallelism, threads);
        std::optional<Master> master;
        if (root) {
            std::vector<SchedItem> items = scheduled_items(checked.plan);
            // Everything else is in the shards: done, as for a resumed run.
            std::vector<bool> here_ids(items.size(), false);
            for (auto id : checked.pooled)
                here_ids.at(id) = true;
            std::vector<ItemOutcome> done;
            for (const auto& i : items)
                if (!here_ids[i.id]) done.push_back({i.id, true, true, -1, 0.0, "", 0, 0});
            master.emplace(std::move(items), done);
        }
        const auto& shards = checked.shards;
        ItemExecutor executor(
            spec, checked.plan, items_dir, ctx.rank(),
            jobs::cache_budget_bytes(spec, ctx.node_ranks()),
            [&shards](const jobs::WorkItem& bin) { return shards.at(bin.session % shards.size()); },
            [&shards](const jobs::WorkItem& need) {
                return shards.at(need.session % shards.size());
            });
        ScheduleOptions schedule;
        schedule.slots = schedule.threads = threads;
        run_schedule(ctx, root ? &*master : nullptr, executor, schedule);
        const auto c = executor.counts();
        const auto sum = [&](std::uint64_t v) { return ctx.sum(static_cast<std::int64_t>(v)); };
        here = {{"bytes_read", sum(c.item_file_bytes_read)},
                {"bytes_read_item_files", sum(c.item_file_bytes_read)},
                {"bytes_read_populations", sum(c.population_bytes_read)},
                {"bytes_written", sum(c.bytes_written)},
                {"cache_hits", sum(c.cache.hits)},
                {"cache_misses", sum(c.cache.misses)},
                {"cache_evictions", sum(c.cache.evictions)},
                {"items_on_holding_rank", static_cast<std::int64_t>(root ? master->affine() : 0)}};
        if (root)
            for (auto id : checked.pooled)
                pooled.push_back(master->outcomes().at(id));
    }

    // 3. Rank 0 builds the summaries from the shards and plans the layout.
    io::MergeLayout layout;
    std::vector<io::ResultBlock> inline_blocks;
    bytes.clear();
    if (root) {
        Prepared p;
        for (const auto& o : pooled)
            if (!o.ok) {
                p.status = 3;
                p.problems.push_back(checked.plan.items.at(o.id).name() + ": " + o.error);
            }
        if (p.status == 0)
            p = prepare(*in, pooled, items_dir, here, ctx.size(), layout, inline_blocks);
        Packer pk;
        pk.put(p.status).put(p.problems);
        pk.put<std::uint64_t>(p.shards).put<std::uint64_t>(p.items).put<std::uint64_t>(p.summaries);
        pk.put(p.resumed);
        bytes = std::move(pk.bytes());
    }
    ctx.broadcast(bytes);
    Unpacker u(bytes);
    result.exit_code = u.get<int>();
    result.problems = u.get_strings();
    result.shards = static_cast<std::size_t>(u.get<std::uint64_t>());
    result.items = static_cast<std::size_t>(u.get<std::uint64_t>());
    result.summaries = static_cast<std::size_t>(u.get<std::uint64_t>());
    result.pooled = checked.pooled.size();
    const auto resumed = u.get<std::int64_t>();
    if (result.exit_code != 0) {
        if (root) fs::remove_all(work);
        return result;
    }
    std::vector<std::uint8_t>().swap(bytes);

    // The layout stays on rank 0, which sends it to the others a chunk at a time.
    io::MpioCounts counts;
    try {
        counts = io::write_collective(
            partial, ctx.comm(), layout, inline_blocks,
            [&ctx](std::vector<std::uint8_t>& b) { ctx.broadcast(b); }, nullptr,
            merge_layout_chunk(), merge_objects_per_open());
    } catch (const std::exception& e) {
        // The other ranks may wait for this one inside a collective HDF5 call or a layout
        // broadcast; a full disk is the usual cause, and HDF5 does not say so. The shards are
        // inputs and stay untouched.
        abort_write_failed("neuropop merge", ctx.rank(), partial, e.what(),
                           "free space, then run the merge again");
    }
    result.mpio.collective = ctx.sum(counts.collective);
    result.mpio.independent = ctx.sum(counts.independent);

    int status = 0;
    std::string error;
    bytes.clear();
    if (root) {
        try {
            io::write_serial_pass(partial, layout, inline_blocks,
                                  merge_attributes(result.mpio, result.items, 0, resumed),
                                  merge_objects_per_open());
            fs::rename(partial, options.output);
            fs::remove_all(work);
        } catch (const std::exception& e) {
            status = 1;
            error = std::string("cannot finish the results file: ") + e.what();
        }
        Packer pk;
        pk.put(status).put(error);
        bytes = std::move(pk.bytes());
    }
    ctx.broadcast(bytes);
    Unpacker v(bytes);
    result.exit_code = v.get<int>();
    if (result.exit_code != 0) result.problems = {v.get_string()};
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return result;
}

} // namespace neuropop::engine
