#include "engine/drivers/merge.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <variant>

#include "engine/drivers/merge_inputs.hpp"
#include "engine/drivers/output_guard.hpp"
#include "engine/drivers/results_tables.hpp"
#include "engine/drivers/run.hpp"
#include "engine/items/executor.hpp"
#include "engine/items/prepare.hpp"
#include "engine/runtime/bytes.hpp"
#include "io/errors.hpp"
#include "io/result_store.hpp"

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

// The shards' accounting of what their ranks read and wrote (engine/drivers/run.cpp), summed:
// the study's totals; the cache budget is the largest any shard had. A shard without them (none
// should be) adds nothing.
io::Attributes data_totals(const std::vector<std::string>& shards) {
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
    for (const auto& shard : shards)
        for (const auto& a : io::read_root_attributes(shard)) {
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

struct Prepared {
    int status = 0;
    std::vector<std::string> problems;
    std::size_t shards = 0, items = 0, summaries = 0;
    std::int64_t resumed = 0;
};

// Rank 0: inputs checked, summaries run, layout planned. Problems are returned, not thrown.
Prepared prepare(const MergeOptions& options, int ranks, io::MergeLayout& layout,
                 std::vector<io::ResultBlock>& inline_blocks) {
    Prepared p;
    try {
        if (fs::exists(options.output) && !options.force) {
            p.status = 2;
            p.problems.push_back(options.output +
                                 ": exists; pass --force to overwrite it, or move it away");
            return p;
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
                                              {options.output + ".partial", "OUT", false}};
        for (auto& problem : check_outputs(outputs, inputs, in.spec.data.sessions))
            in.problems.push_back(std::move(problem));
        if (!in.problems.empty()) {
            p.status = 2;
            p.problems = std::move(in.problems);
            return p;
        }
        fs::create_directories(fs::absolute(options.output).parent_path());
        for (auto id : in.summaries) {
            const auto started = Clock::now();
            // Through an item file, as in the single run: its read order (names) is the order
            // the merge attaches dimension scales in, which the scales' REFERENCE_LIST records.
            const std::string file = options.output + ".summary-" + std::to_string(id) + ".h5";
            const auto& item = in.plan->items.at(id);
            io::write_item_file(
                file, {id, item.name(), 0, 0.0},
                detail::runner_of(item.kind).from_shards(*in.plan, in.shards, item));
            inline_blocks.push_back(io::read_item_file(file));
            fs::remove(file);
            auto& row = in.rows.at(id);
            row.status = "done";
            row.rank = 0;
            row.seconds = std::chrono::duration<double>(Clock::now() - started).count();
        }
        for (const auto& r : in.rows)
            p.resumed += r.status == "resumed" ? 1 : 0;
        inline_blocks.insert(inline_blocks.begin(),
                             {inventory_block(*in.plan), progress_block(in.rows)});
        std::vector<io::ResultBlock> blocks;
        for (const auto& s : in.shards)
            blocks.push_back(shard_results(s));
        auto root = root_attributes(in.spec, utc_now(), ranks, 1);
        root.push_back({"merged_shards", static_cast<std::int64_t>(in.shards.size())});
        for (auto& a : data_totals(in.shards))
            root.push_back(std::move(a));
        layout = io::plan_merge(in.shards, blocks, inline_blocks, root, ranks);
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

    io::MergeLayout layout;
    std::vector<io::ResultBlock> inline_blocks;
    std::vector<std::uint8_t> bytes;
    if (root) {
        const auto p = prepare(options, ctx.size(), layout, inline_blocks);
        Packer pk;
        pk.put(p.status).put(p.problems);
        pk.put<std::uint64_t>(p.shards).put<std::uint64_t>(p.items).put<std::uint64_t>(p.summaries);
        pk.put(p.resumed);
        pk.put(p.status == 0 ? io::encode(layout) : std::vector<std::uint8_t>{});
        bytes = std::move(pk.bytes());
    }
    ctx.broadcast(bytes);
    Unpacker u(bytes);
    result.exit_code = u.get<int>();
    result.problems = u.get_strings();
    result.shards = static_cast<std::size_t>(u.get<std::uint64_t>());
    result.items = static_cast<std::size_t>(u.get<std::uint64_t>());
    result.summaries = static_cast<std::size_t>(u.get<std::uint64_t>());
    const auto resumed = u.get<std::int64_t>();
    const auto encoded = u.get_vector<std::uint8_t>();
    if (result.exit_code != 0) return result;
    if (!root) layout = io::decode(encoded);

    const auto counts = io::write_collective(partial, ctx.comm(), layout, inline_blocks);
    result.mpio.collective = ctx.sum(counts.collective);
    result.mpio.independent = ctx.sum(counts.independent);

    int status = 0;
    std::string error;
    bytes.clear();
    if (root) {
        try {
            io::write_serial_pass(partial, layout, inline_blocks,
                                  merge_attributes(result.mpio, result.items, 0, resumed));
            fs::rename(partial, options.output);
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
