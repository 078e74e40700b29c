#include "engine/drivers/merge_inputs.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "engine/items/prepare.hpp"
#include "io/errors.hpp"
#include "io/result_store.hpp"
#include "jobs/inventory.hpp"
#include "jobs/job_parser.hpp"
#include "jobs/planner.hpp"
#include "jobs/shard.hpp"

namespace neuropop::engine::detail {

namespace fs = std::filesystem;

namespace {

struct ShardFile {
    std::string path;
    jobs::ShardId id;
    jobs::JobSpec spec;
    std::string version;
};

const io::AttributeValue* find(const io::Attributes& attributes, const std::string& name) {
    for (const auto& a : attributes)
        if (a.name == name) return &a.value;
    return nullptr;
}

std::string text_of(const io::Attributes& attributes, const std::string& name) {
    const auto* v = find(attributes, name);
    return v && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : "";
}

// "line 12: 'seed = 3' here, 'seed = 4' in the first shard".
std::string first_difference(const std::string& a, const std::string& b) {
    std::istringstream sa(a), sb(b);
    std::string la, lb;
    for (int line = 1;; ++line) {
        const bool ga = static_cast<bool>(std::getline(sa, la));
        const bool gb = static_cast<bool>(std::getline(sb, lb));
        if (!ga && !gb) return "no difference";
        if (!ga) la = "(end)";
        if (!gb) lb = "(end)";
        if (la != lb || !ga || !gb)
            return "line " + std::to_string(line) + ": '" + la + "' here, '" + lb +
                   "' in the first shard";
    }
}

// One shard file's root attributes, parsed; problems added instead of thrown.
std::optional<ShardFile> read_shard(const std::string& path, std::vector<std::string>& problems) {
    if (!fs::is_regular_file(path)) {
        problems.push_back(path + ": no such file");
        return std::nullopt;
    }
    io::Attributes root;
    try {
        root = io::read_root_attributes(path);
    } catch (const std::exception& e) {
        problems.push_back(path + ": not a readable HDF5 results file (" + e.what() + ")");
        return std::nullopt;
    }
    ShardFile s;
    s.path = path;
    const std::string shard = text_of(root, "shard");
    const auto id = jobs::parse_shard(shard);
    if (!id) {
        problems.push_back(path + ": /@shard: " +
                           (shard.empty() ? std::string("missing: not a shard's results file "
                                                        "(written by neuropop run --shard I/N)")
                                          : "'" + shard + "' is not I/N"));
        return std::nullopt;
    }
    s.id = *id;
    const auto* failed = find(root, "items_failed");
    if (failed == nullptr || !std::holds_alternative<std::int64_t>(*failed)) {
        problems.push_back(path + ": /@items_failed: missing: the shard's run did not finish");
        return std::nullopt;
    }
    if (std::get<std::int64_t>(*failed) != 0) {
        problems.push_back(path +
                           ": /@items_failed: " + std::to_string(std::get<std::int64_t>(*failed)) +
                           " (work items of shard " + shard +
                           " that failed): fix the cause and run that shard again with --resume");
        return std::nullopt;
    }
    auto parsed = jobs::check_job_text(text_of(root, "job"), text_of(root, "job_file"), {});
    if (!parsed.problems.empty()) {
        problems.push_back(path + ": /@job: " + parsed.problems.front());
        return std::nullopt;
    }
    s.spec = std::move(parsed.spec);
    s.version = text_of(root, "neuropop_version");
    return s;
}

std::vector<std::string> shard_keys(const std::string& path) {
    return io::read_results_group(path, "/inventory/sessions").at("/inventory/sessions/key").text();
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : ", ") + s;
    return out.empty() ? "none" : out;
}

// The shards' /progress rows by item name, each with the index of its shard.
struct ShardRow {
    ProgressRow row;
    std::size_t shard = 0;
};

// An item in two shards is a problem unless `shared` (an intermediate item every shard runs for
// itself, e.g. model_layers: each shard reads the layers its populations are compared with).
void read_progress(const std::string& path, std::size_t shard,
                   std::map<std::string, ShardRow>& rows, std::vector<std::string>& problems,
                   const std::set<std::string>& shared) {
    const auto block = io::read_results_group(path, "/progress", true);
    const auto& names = block.at("/progress/name").text();
    const auto& analyses = block.at("/progress/analysis").text();
    const auto& statuses = block.at("/progress/status").text();
    const auto& ranks = block.at("/progress/rank").i64();
    const auto& seconds = block.at("/progress/seconds").f64();
    const auto& errors = block.at("/progress/error").text();
    const auto& read = block.at("/progress/bytes_read").i64();
    const auto& written = block.at("/progress/bytes_written").i64();
    for (std::size_t i = 0; i < names.size(); ++i) {
        ShardRow r{{0, names[i], analyses.at(i), statuses.at(i), ranks.at(i), seconds.at(i),
                    errors.at(i), read.at(i), written.at(i)},
                   shard};
        auto [it, fresh] = rows.emplace(names[i], r);
        if (!fresh && shared.count(names[i]) == 0)
            problems.push_back(path + ": /progress: item " + names[i] + " is also in shard " +
                               std::to_string(it->second.shard));
    }
}

} // namespace

MergeInputs check_merge_inputs(const MergeOptions& options) {
    MergeInputs in;
    auto& problems = in.problems;
    if (options.shards.empty()) {
        problems.push_back("no shard files given: neuropop merge OUT SHARD...");
        return in;
    }
    std::vector<ShardFile> files;
    for (const auto& path : options.shards) {
        if (fs::weakly_canonical(path) == fs::weakly_canonical(options.output))
            problems.push_back(path + ": is the output file too");
        else if (auto s = read_shard(path, problems))
            files.push_back(std::move(*s));
    }
    if (!problems.empty()) return in;

    // One job, shards 0..N-1 each exactly once.
    const std::size_t count = files.front().id.count;
    const std::string job = jobs::render_job(files.front().spec, jobs::RenderScope::Results);
    std::vector<std::string> by_index(count);
    for (const auto& f : files) {
        const std::string shard = jobs::format_shard(f.id.index, f.id.count);
        if (f.id.count != count) {
            problems.push_back(f.path + ": shard " + shard + ", but " + files.front().path +
                               " is a shard of " + std::to_string(count));
            continue;
        }
        if (!by_index[f.id.index].empty()) {
            problems.push_back("shard " + shard + " given twice: " + by_index[f.id.index] +
                               " and " + f.path);
            continue;
        }
        by_index[f.id.index] = f.path;
        const std::string other = jobs::render_job(f.spec, jobs::RenderScope::Results);
        if (other != job)
            problems.push_back(f.path + ": /@job: another job than " + files.front().path + " (" +
                               first_difference(other, job) + ")");
        if (f.version != files.front().version)
            problems.push_back(f.path + ": /@neuropop_version: " + f.version + ", but " +
                               files.front().path + " was written by " + files.front().version);
    }
    for (std::size_t i = 0; i < count && problems.empty(); ++i)
        if (by_index[i].empty())
            problems.push_back("shard " + jobs::format_shard(i, count) + " missing: give all " +
                               std::to_string(count) + " shard files of the job");
    if (!problems.empty()) return in;
    in.shards = by_index;

    // The whole job, planned as `neuropop run` plans it.
    in.spec = files.front().spec;
    in.spec.output.path = fs::absolute(options.output).lexically_normal().string();
    in.spec.run.shard = in.spec.run.shards = 0;
    in.spec.run.summaries = true;
    in.spec.run.threads = 1;
    in.spec.run.force = options.force;
    in.spec.run.resume = false;
    in.spec.run.quiet = options.quiet;
    in.spec.job_text = jobs::render_job(in.spec);
    auto inventory = jobs::check_inventory(in.spec);
    if (!inventory.problems.empty()) {
        for (auto& p : inventory.problems)
            problems.push_back("the job's data now: " + p);
        return in;
    }
    for (std::size_t i = 0; i < count; ++i) {
        std::vector<std::string> want;
        for (const auto& s : jobs::shard_sessions(inventory.sessions, i, count))
            want.push_back(s.key);
        const auto have = shard_keys(in.shards[i]);
        if (have != want)
            problems.push_back(in.shards[i] + ": /inventory/sessions/key: sessions " +
                               joined(have) + ", but shard " + jobs::format_shard(i, count) +
                               " of the job's sessions now is " + joined(want) +
                               " (did the data change since the shard ran?)");
    }
    if (!problems.empty()) return in;
    // What the shards together plan: the whole job without the items that need every session.
    std::set<std::string> sharded, shared;
    {
        auto shard_spec = in.spec;
        shard_spec.run.summaries = false;
        for (const auto& item : jobs::make_plan(shard_spec, inventory.sessions).items) {
            sharded.insert(item.name());
            // Items of no session (their session key names none) run in every shard that
            // needs them; only intermediate ones may, as nothing of theirs is merged.
            if (item.intermediate && item.kind != jobs::ItemKind::Bin &&
                std::none_of(
                    inventory.sessions.begin(), inventory.sessions.end(),
                    [&](const jobs::SessionEntry& s) { return s.key == item.session_key; }))
                shared.insert(item.name());
        }
    }
    in.plan = jobs::make_plan(in.spec, std::move(inventory.sessions));

    // Every item of the plan from exactly one shard, in plan order; stage 3 runs here.
    std::map<std::string, ShardRow> rows;
    for (std::size_t i = 0; i < count; ++i)
        read_progress(in.shards[i], i, rows, problems, shared);
    // An item no shard plans (a shard plans with run.summaries off) can run here when everything
    // it reads is here: bin items' populations (the shards' /binned), items that run here too
    // (needs precede an item in plan order), and for a kind reading its needs by group
    // (models_summary), the groups of items the shards ran.
    // A shared intermediate item (model_layers) that such an item needs runs here again: its
    // file is in no shard, and it reads no session (the same bits as every shard's copy).
    std::set<std::string> rerun;
    for (const auto& item : in.plan->items)
        if (item.kind != jobs::ItemKind::Bin && sharded.count(item.name()) == 0 &&
            runner_of(item.kind).from_shards == nullptr)
            for (auto need : item.needs)
                if (shared.count(in.plan->items.at(need).name()) != 0)
                    rerun.insert(in.plan->items.at(need).name());
    std::vector<bool> runs_here(in.plan->items.size(), false);
    const auto runnable = [&](const jobs::WorkItem& item) {
        if (item.kind == jobs::ItemKind::Bin) return false;
        if (sharded.count(item.name()) != 0 && rerun.count(item.name()) == 0) return false;
        for (auto need : item.needs) {
            const auto& n = in.plan->items.at(need);
            if (n.kind == jobs::ItemKind::Bin || runs_here.at(need)) continue;
            if (!runner_of(item.kind).reads_needs_by_group || sharded.count(n.name()) == 0)
                return false;
        }
        return true;
    };
    for (const auto& item : in.plan->items) {
        ProgressRow row;
        if (runner_of(item.kind).from_shards != nullptr) {
            in.summaries.push_back(item.id);
            row.name = item.name();
            row.analysis = jobs::to_string(item.kind);
        } else if (runnable(item)) {
            runs_here[item.id] = true;
            rows.erase(item.name()); // a rerun shared item: the shards' rows are not kept
            in.pooled.push_back(item.id);
            row.name = item.name();
            row.analysis = jobs::to_string(item.kind);
        } else if (auto it = rows.find(item.name()); it == rows.end()) {
            if (sharded.count(item.name()) == 0)
                problems.push_back("item " + item.name() + " pools every session (" +
                                   jobs::to_string(item.kind) +
                                   ") and reads items of the shards neuropop merge cannot "
                                   "read; run this job as one MPI job (slurm/run.sbatch) "
                                   "instead of shards");
            else
                problems.push_back("item " + item.name() +
                                   " of the job is in no shard (did the data change since the "
                                   "shards ran?)");
            continue;
        } else {
            row = it->second.row;
            const auto shard = it->second.shard;
            rows.erase(it);
            if (row.status != "done" && row.status != "resumed")
                problems.push_back(in.shards[shard] + ": /progress: item " + row.name + " is " +
                                   row.status);
        }
        row.id = item.id;
        in.rows.push_back(std::move(row));
    }
    for (const auto& [name, r] : rows)
        problems.push_back(in.shards[r.shard] + ": /progress: item " + name +
                           " is not an item of the job");
    return in;
}

} // namespace neuropop::engine::detail
