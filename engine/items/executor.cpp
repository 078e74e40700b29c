#include "engine/items/executor.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <stdexcept>

#include "engine/items/prepare.hpp"
#include "engine/runtime/bytes.hpp"
#include "io/io_bytes.hpp"
#include "io/result_store.hpp"
#include "jobs/text_values.hpp"

namespace neuropop::engine {

PlanView view_of(const jobs::Plan& plan) {
    PlanView v;
    for (const auto& s : plan.sessions)
        v.sessions.push_back({s.key, s.info.file, s.info.identifier, s.info.subject_id});
    v.items = plan.items;
    return v;
}

std::vector<std::uint8_t> encode(const PlanView& plan) {
    Packer p;
    p.put<std::uint64_t>(plan.sessions.size());
    for (const auto& s : plan.sessions)
        p.put(s.key).put(s.file).put(s.identifier).put(s.subject);
    p.put<std::uint64_t>(plan.items.size());
    for (const auto& i : plan.items) {
        p.put(i.id).put(static_cast<std::uint8_t>(i.kind));
        p.put<std::uint64_t>(i.session).put(i.session_key).put(i.region);
        p.put<std::uint64_t>(i.block).put(i.target).put(i.first).put(i.last).put(i.scope);
        p.put(static_cast<std::uint8_t>(i.intermediate)).put(i.notes).put(i.needs).put(i.cost);
    }
    return std::move(p.bytes());
}

PlanView decode_plan(const std::vector<std::uint8_t>& bytes) {
    Unpacker u(bytes);
    PlanView v;
    v.sessions.resize(static_cast<std::size_t>(u.get<std::uint64_t>()));
    for (auto& s : v.sessions) {
        s.key = u.get_string();
        s.file = u.get_string();
        s.identifier = u.get_string();
        s.subject = u.get_string();
    }
    v.items.resize(static_cast<std::size_t>(u.get<std::uint64_t>()));
    for (auto& i : v.items) {
        i.id = u.get<std::uint64_t>();
        const auto kind = u.get<std::uint8_t>();
        if (kind >= jobs::item_kind_count) throw std::runtime_error("plan message: bad item kind");
        i.kind = static_cast<jobs::ItemKind>(kind);
        i.session = static_cast<std::size_t>(u.get<std::uint64_t>());
        i.session_key = u.get_string();
        i.region = u.get_string();
        i.block = static_cast<std::size_t>(u.get<std::uint64_t>());
        i.target = u.get_string();
        i.first = u.get<std::uint64_t>();
        i.last = u.get<std::uint64_t>();
        i.scope = u.get_string();
        i.intermediate = u.get<std::uint8_t>() != 0;
        i.notes = u.get_strings();
        i.needs = u.get_vector<std::uint64_t>();
        i.cost = u.get<double>();
    }
    if (!u.done()) throw std::runtime_error("plan message: trailing bytes");
    return v;
}

std::string binned_group(const std::string& session_key, const std::string& region) {
    return "/binned/" + io::path_safe(session_key) + "/" + io::path_safe(region);
}

std::string analysis_group(const std::string& session_key, const std::string& region) {
    return "/sessions/" + io::path_safe(session_key) + "/" + io::path_safe(region);
}

std::filesystem::path item_file(const std::filesystem::path& items_dir, std::uint64_t id) {
    return items_dir / (std::to_string(id) + ".h5");
}

namespace detail {

namespace {

using jobs::ItemKind;

// The engine half of the registry of analyses (the jobs half: jobs/item_kind.cpp), one row per
// kind in enum order.
constexpr std::array<ItemRunner, jobs::item_kind_count> runners{{
    {.kind = ItemKind::Bin, .prepare = prepare_bin},
    {.kind = ItemKind::Pca, .prepare_population = prepare_pca},
    {.kind = ItemKind::CvPca, .prepare_population = prepare_cvpca},
    {.kind = ItemKind::Fa, .prepare_population = prepare_fa},
    {.kind = ItemKind::DecodeNull, .prepare_population = prepare_decode_null},
    {.kind = ItemKind::Decode, .prepare_population = prepare_decode},
    {.kind = ItemKind::DecodeSummary,
     .prepare = prepare_decode_summary,
     .from_shards = decode_summary_from_shards},
    {.kind = ItemKind::Geometry, .prepare_population = prepare_geometry},
    {.kind = ItemKind::PseudoResample, .prepare = prepare_pseudo},
    {.kind = ItemKind::PseudoNull, .prepare = prepare_pseudo},
    {.kind = ItemKind::Pseudo, .prepare = prepare_pseudo_assemble},
    {.kind = ItemKind::PseudoSummary, .prepare = prepare_pseudo_summary},
    {.kind = ItemKind::Coupling, .prepare_population = prepare_coupling},
    {.kind = ItemKind::Interactions, .prepare = prepare_interactions},
    {.kind = ItemKind::InteractionsSummary,
     .prepare = prepare_interactions_summary,
     .from_shards = interactions_summary_from_shards},
    {.kind = ItemKind::ModelLayers, .prepare = prepare_model_layers},
    {.kind = ItemKind::Models, .prepare_population = prepare_models},
    {.kind = ItemKind::ModelsSummary,
     .prepare = prepare_models_summary,
     .reads_needs_by_group = true},
    {.kind = ItemKind::CouplingPair, .prepare = prepare_coupling_pair},
    {.kind = ItemKind::InteractionsFolds, .prepare = prepare_interactions_folds},
}};

// A row left out of the initializer would be value-initialised (kind Bin, no function): every
// row must name its own kind. (That it has exactly one way to prepare is checked by
// tests/unit/test_item_kinds.cpp: GCC under -fsanitize=address does not treat a function's
// address as a constant, so no static_assert may compare one.)
constexpr bool runners_complete() {
    for (std::size_t i = 0; i < runners.size(); ++i)
        if (static_cast<std::size_t>(runners[i].kind) != i) return false;
    return true;
}
static_assert(runners_complete(),
              "engine/items/executor.cpp: one runner per jobs::ItemKind, in enum order");

} // namespace

const ItemRunner& runner_of(jobs::ItemKind kind) {
    return runners.at(static_cast<std::size_t>(kind));
}

io::Attributes population_attributes(const ItemEnv& env, const jobs::WorkItem& item) {
    const auto& s = env.plan.sessions.at(item.session);
    return {{"session", s.key},
            {"identifier", s.identifier},
            {"subject", s.subject},
            {"region", item.region},
            {"file", s.file}};
}

void add_population_groups(io::ResultBlock& block, const std::string& group,
                           const io::Attributes& attributes) {
    block.group("/sessions", {{"description", std::string("analyses per session and region")}});
    block.group(group, attributes);
}

std::vector<std::int64_t> one_based(std::size_t n) {
    std::vector<std::int64_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::int64_t>(i + 1);
    return v;
}

std::vector<double> to_vector(const Eigen::VectorXd& v) {
    return std::vector<double>(v.data(), v.data() + v.size());
}

std::vector<double> row_major(const Eigen::MatrixXd& m) {
    std::vector<double> out(static_cast<std::size_t>(m.size()));
    std::size_t k = 0;
    for (Eigen::Index r = 0; r < m.rows(); ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c)
            out[k++] = m(r, c);
    return out;
}

io::ResultBlock read_need(const ItemEnv& env, std::uint64_t need, const io::WantedValues& wanted) {
    if (env.read_item) return env.read_item(need, wanted);
    const auto file = item_file(env.items_dir, need).string();
    return wanted ? io::read_item_file(file, wanted) : io::read_item_file(file);
}

} // namespace detail

namespace {

class BlockTask : public Task {
public:
    // `on_commit` runs on the main thread with the finished block and, when `keep_image`, the
    // item file's image (a bin item hands its population to the cache there, an item other items
    // read its image).
    using OnCommit = std::function<void(const io::ResultBlock&, std::vector<char>&&)>;
    BlockTask(std::filesystem::path file, io::ItemHeader header, detail::Work work,
              std::uint64_t bytes_read, std::shared_ptr<ExecutorCounts> counts, OnCommit on_commit,
              bool keep_image)
        : file_(std::move(file)), header_(std::move(header)), work_(std::move(work)),
          counts_(std::move(counts)), on_commit_(std::move(on_commit)), keep_image_(keep_image) {
        bytes_.read = bytes_read;
    }
    void compute() override { block_ = work_(); }
    void commit(double seconds) override {
        header_.seconds = seconds;
        const auto before = io::io_bytes().written;
        std::vector<char> image;
        io::write_item_file(file_.string(), header_, block_, keep_image_ ? &image : nullptr);
        bytes_.written = io::io_bytes().written - before;
        counts_->bytes_written += bytes_.written;
        if (on_commit_) on_commit_(block_, std::move(image));
        block_ = {}; // the item file holds it now
    }
    TaskBytes bytes() const override { return bytes_; }

private:
    std::filesystem::path file_;
    io::ItemHeader header_;
    detail::Work work_;
    std::shared_ptr<ExecutorCounts> counts_;
    OnCommit on_commit_;
    bool keep_image_;
    io::ResultBlock block_;
    TaskBytes bytes_;
};

std::vector<std::string> names_from_env() {
    const char* v = std::getenv(fail_items_env);
    if (v == nullptr) return {};
    return jobs::text::split_list(v);
}

std::uint64_t cache_budget(std::uint64_t bytes) {
    const char* off = std::getenv(cache_off_env);
    return off != nullptr && std::string(off) == "1" ? 0 : bytes;
}

// The bin items an item reads (its needs of kind Bin), in need order.
std::vector<std::uint64_t> bins_needed(const PlanView& plan, const jobs::WorkItem& item) {
    std::vector<std::uint64_t> out;
    for (auto need : item.needs)
        if (plan.items.at(need).kind == jobs::ItemKind::Bin) out.push_back(need);
    return out;
}

// An item's results below `group` of a results file, as its item file holds them: without the
// index scales the merge added there (a bin item's trial columns would gain one).
io::ResultBlock results_of(const std::string& file, const std::string& group) {
    auto block = io::read_results_group(file, group, true);
    std::erase_if(block.datasets, [](const io::DatasetBlock& d) { return io::is_index_scale(d); });
    return block;
}

} // namespace

std::uint64_t affinity_key(const PlanView& plan, std::uint64_t id) {
    const auto& item = plan.items.at(id);
    // One session's data: its bin items, the analyses of its populations and the interactions
    // between its regions share the session's key, so the rank that bins a session runs what
    // reads it while its cache holds the session's populations (a few of them: ~31 MB in the
    // full-size scale study). Keyed by bin item, the interactions of two regions binned on
    // different ranks, and every item run after the bin's populations had left a cache smaller
    // than the rank's share of /binned, read them again (24-session study: 1.24 GB of 2.9).
    if (item.kind == jobs::ItemKind::Bin) return item.session + 1;
    // A region's pools (its sessions', each animal's) as pooled by every pooled analysis: the
    // resample and null items and the items assembling them share a key, so a rank that loaded
    // the region's populations runs its pooled items while it holds them (the cache holds the
    // last pool, PopulationCache::hold, and serves an animal's pool from the region's), and the
    // assemblies read the resamples' images there. The animals' pools wait for the region's
    // (scheduling_after), so they are not run before it, when nothing holds the region: then the
    // costliest-first rule sent a rank back and forth between them and each was read again
    // (24-session scale study: 3.2 GB instead of 0.66). A key of its own kind (bit 62) from the
    // region's name (FNV-1a): a collision only merges two regions' preferences.
    if (item.kind == jobs::ItemKind::PseudoResample || item.kind == jobs::ItemKind::PseudoNull ||
        item.kind == jobs::ItemKind::Pseudo) {
        std::uint64_t h = 14695981039346656037ull;
        for (const char c : item.region)
            h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
        return (std::uint64_t{1} << 62) | (h & ((std::uint64_t{1} << 62) - 1));
    }
    const auto bins = bins_needed(plan, item);
    if (bins.empty()) return 0;
    const std::size_t session = plan.items.at(bins.front()).session;
    if (std::all_of(bins.begin(), bins.end(),
                    [&](std::uint64_t b) { return plan.items.at(b).session == session; }))
        return session + 1;
    // Pooling items: a key of their own kind (top bit), shared by the items pooling the same
    // region's sessions, whose smallest bin item is the same.
    return (std::uint64_t{1} << 63) | *std::min_element(bins.begin(), bins.end());
}

std::vector<std::vector<std::uint64_t>> scheduling_after(const PlanView& plan) {
    const auto draws = [](const jobs::WorkItem& i) {
        return i.kind == jobs::ItemKind::PseudoResample || i.kind == jobs::ItemKind::PseudoNull;
    };
    // The first draw of the region's own pool of each pooled analysis: one id per animal's draw,
    // not the region's bin items (at Brain-Wide-Map size ~500 ids per item, and as many reverse
    // edges, on the master). When it has finished, its rank holds the region.
    std::map<std::pair<std::string, std::string>, std::uint64_t> region_pool;
    for (const auto& i : plan.items)
        if (draws(i) && i.session_key == "all") region_pool.try_emplace({i.region, i.target}, i.id);
    std::vector<std::vector<std::uint64_t>> after(plan.items.size());
    for (const auto& i : plan.items) {
        if (!draws(i) || i.session_key == "all") continue;
        if (const auto it = region_pool.find({i.region, i.target}); it != region_pool.end())
            after[i.id].push_back(it->second);
    }
    return after;
}

ItemExecutor::ItemExecutor(const jobs::JobSpec& spec, const PlanView& plan,
                           std::filesystem::path items_dir, int rank, std::uint64_t cache_bytes,
                           ResultsLocator locate_bin, ResultsLocator locate_results)
    : spec_(spec), plan_(plan), items_dir_(std::move(items_dir)), rank_(rank),
      fail_(names_from_env()), cache_(cache_budget(cache_bytes)),
      locate_bin_(std::move(locate_bin)), locate_results_(std::move(locate_results)),
      readers_left_(plan.items.size(), 0) {
    // Items other than bin items whose results another item reads (bin items' counts are kept
    // as populations instead).
    for (const auto& i : plan.items)
        for (auto need : i.needs)
            if (plan.items.at(need).kind != jobs::ItemKind::Bin) ++readers_left_.at(need);
}

ExecutorCounts ItemExecutor::counts() const {
    ExecutorCounts c = *counts_;
    c.cache = cache_.counts();
    return c;
}

std::shared_ptr<const Population> ItemExecutor::population(const jobs::WorkItem& bin) {
    if (cache_.held_count() != 0 && !cache_.holds(bin.id)) cache_.release_held();
    return load_population(bin);
}

std::shared_ptr<const Population> ItemExecutor::load_population(const jobs::WorkItem& bin) {
    return cache_.get(bin.id, [&] {
        const auto before = io::io_bytes().read;
        const auto group = binned_group(bin.session_key, bin.region);
        const auto block = locate_bin_ ? results_of(locate_bin_(bin), group)
                                       : io::read_item_file(item_file(items_dir_, bin.id).string());
        counts_->population_bytes_read += io::io_bytes().read - before;
        return Population::from_block(block, group);
    });
}

std::vector<std::shared_ptr<const Population>>
ItemExecutor::pool(const std::vector<const jobs::WorkItem*>& bins) {
    std::vector<std::uint64_t> ids;
    for (const auto* bin : bins)
        ids.push_back(bin->id);
    std::vector<std::shared_ptr<const Population>> out;
    // Within the held pool (an animal's sessions of a region held whole): served from it, and
    // the region stays held for its other pools.
    if (cache_.holds_all(ids)) {
        for (const auto* bin : bins)
            out.push_back(load_population(*bin));
        return out;
    }
    cache_.keep_held(ids); // another pool's populations go before this one's load
    std::vector<std::pair<std::uint64_t, std::shared_ptr<const Population>>> held;
    for (const auto* bin : bins) {
        out.push_back(load_population(*bin));
        held.emplace_back(bin->id, out.back());
    }
    cache_.hold(std::move(held));
    return out;
}

io::ResultBlock ItemExecutor::read_item(std::uint64_t id, const io::WantedValues& wanted) {
    const auto file = item_file(items_dir_, id).string();
    io::ResultBlock out;
    if (const auto image = cache_.image(id))
        out =
            wanted ? io::read_item_image(*image, file, wanted) : io::read_item_image(*image, file);
    else
        out = wanted ? io::read_item_file(file, wanted) : io::read_item_file(file);
    // Its last reader on this rank (each reads it once): no need to hold it any longer.
    if (auto& left = readers_left_.at(id); left > 0 && --left == 0) cache_.drop_image(id);
    return out;
}

std::unique_ptr<Task> ItemExecutor::prepare(std::uint64_t id) {
    const jobs::WorkItem& item = plan_.items.at(id);
    const detail::ItemEnv env{
        spec_,
        plan_,
        items_dir_,
        rank_,
        [this](const jobs::WorkItem& bin) { return population(bin); },
        [this](const jobs::WorkItem& need, const std::string& group) {
            return locate_results_ ? results_of(locate_results_(need), group)
                                   : read_item(need.id, {});
        },
        [this](std::uint64_t need, const io::WantedValues& wanted) {
            return read_item(need, wanted);
        },
        [this](const std::vector<const jobs::WorkItem*>& bins) { return pool(bins); }};
    const detail::ItemRunner& runner = detail::runner_of(item.kind);
    const auto read_before = io::io_bytes().read;
    detail::Work work;
    if (runner.prepare != nullptr) {
        // Bin items read spikes; the others read the item files of the items they need.
        work = runner.prepare(env, item);
    } else {
        // A per-population analysis: its population's counts, from the cache or the bin item's
        // file. The item gets its own copy (cheap next to the analysis; items run concurrently).
        const auto bins = bins_needed(plan_, item);
        if (bins.size() != 1)
            throw std::logic_error(item.name() + ": the plan gives it no bin item to read");
        work = runner.prepare_population(env, item, *population(plan_.items.at(bins.front())));
    }
    const auto bytes_read = io::io_bytes().read - read_before;
    (item.kind == jobs::ItemKind::Bin ? counts_->source_bytes_read
                                      : counts_->item_file_bytes_read) += bytes_read;
    for (const auto& name : fail_)
        if (name == item.name())
            work = [name]() -> io::ResultBlock {
                throw std::runtime_error("injected failure (" + std::string(fail_items_env) +
                                         " names " + name + ")");
            };
    BlockTask::OnCommit on_commit;
    // With no budget nothing would be kept: skip the conversion and the image.
    const bool keep_image =
        cache_.budget() > 0 && item.kind != jobs::ItemKind::Bin && readers_left_.at(id) > 0;
    if (keep_image)
        on_commit = [this, id](const io::ResultBlock&, std::vector<char>&& image) {
            cache_.put_image(id, std::make_shared<const std::vector<char>>(std::move(image)));
        };
    if (item.kind == jobs::ItemKind::Bin && cache_.budget() > 0)
        on_commit = [this, id, group = binned_group(item.session_key, item.region)](
                        const io::ResultBlock& block, std::vector<char>&&) {
            // A block the analyses could not read as a population is not kept: they read the
            // file instead and report the problem there, as without the cache.
            try {
                cache_.put(
                    id, std::make_shared<const Population>(Population::from_block(block, group)));
            } catch (const std::exception&) {
            }
        };
    io::ItemHeader header{item.id, item.name(), rank_, 0.0};
    return std::make_unique<BlockTask>(item_file(items_dir_, id), std::move(header),
                                       std::move(work), bytes_read, counts_, std::move(on_commit),
                                       keep_image);
}

} // namespace neuropop::engine
