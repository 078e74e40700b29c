// Stage 3: one interactions_summary item per ordered region pair reads every session's
// /sessions/<s>/interactions/<source>__<target> group and builds
// /summary/interactions/<source>__<target>: the optimal dimensions (between areas and within
// the target) per session, their mean over sessions, the mean over animals with a percentile
// bootstrap CI resampling animals (kernels/cross_animal_stats.hpp), and Fisher's combination
// of the sessions' null p-values (docs/ANALYSES.md §7). `neuropop merge` builds the same from the
// shards' groups (interactions_summary_from_shards).

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>

#include "engine/items/prepare.hpp"
#include "io/result_store.hpp"
#include "kernels/cross_animal_stats.hpp"
#include "kernels/stats.hpp"

namespace neuropop::engine::detail {

namespace {

// Resamples of animals for the CI; the bootstrap's stream of the summary item.
constexpr std::size_t interactions_bootstrap = 1000;
constexpr std::uint64_t stream_bootstrap = 1;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

struct SessionRow {
    std::string subject;
    double optimal = nan, peak = nan, p = nan, within = nan, within_peak = nan;
    std::int64_t seed = 0;
};

const io::AttributeValue* attribute(const io::GroupBlock& g, const std::string& name) {
    for (const auto& a : g.attributes)
        if (a.name == name) return &a.value;
    return nullptr;
}

double scalar(const io::DatasetBlock& d) {
    if (d.type() == io::ElementType::Int64) return static_cast<double>(d.i64().at(0));
    return d.f64().at(0);
}

// Builds the summary block from the pair's session groups found in `blocks`.
io::ResultBlock interactions_summary(const std::vector<const io::ResultBlock*>& blocks,
                                     const std::string& source, const std::string& target,
                                     std::uint64_t rng_key) {
    const std::string pair = io::path_safe(source) + "__" + io::path_safe(target);
    std::map<std::string, SessionRow> sessions; // by session key: sorted
    for (const auto* block : blocks)
        for (const auto& g : block->groups) {
            // /sessions/<s>/interactions/<pair>
            if (g.path.rfind("/sessions/", 0) != 0 || io::base_name(g.path) != pair ||
                io::base_name(io::parent_path(g.path)) != "interactions")
                continue;
            const auto j = [&](const char* n) { return io::join_path(g.path, n); };
            SessionRow row;
            const auto* subject = attribute(g, "subject");
            const auto* session = attribute(g, "session");
            const auto* seed = attribute(g, "seed");
            if (subject == nullptr || session == nullptr || seed == nullptr)
                throw std::runtime_error(g.path + ": no subject, session or seed attribute");
            row.subject = std::get<std::string>(*subject);
            row.seed = std::get<std::int64_t>(*seed);
            row.optimal = scalar(block->at(j("optimal_dimension")));
            row.peak = scalar(block->at(j("peak_performance")));
            if (const auto* p = block->find(j("null/p_value"))) row.p = scalar(*p);
            if (const auto* w = block->find(j("within_area/optimal_dimension"))) {
                row.within = scalar(*w);
                row.within_peak = scalar(block->at(j("within_area/peak_performance")));
            }
            sessions[std::get<std::string>(*session)] = row;
        }
    if (sessions.empty())
        throw std::runtime_error("interactions summary of " + pair + ": no session group found");

    std::vector<std::string> keys, subjects;
    std::vector<double> optimal, peak, p, within, within_peak;
    std::map<std::string, std::vector<const SessionRow*>> by_animal;
    const auto seed = sessions.begin()->second.seed;
    for (const auto& [key, row] : sessions) {
        keys.push_back(key);
        subjects.push_back(row.subject);
        optimal.push_back(row.optimal);
        peak.push_back(row.peak);
        p.push_back(row.p);
        within.push_back(row.within);
        within_peak.push_back(row.within_peak);
        by_animal[row.subject].push_back(&row);
    }
    const auto S = keys.size(), A = by_animal.size();
    const auto mean_of = [](const std::vector<double>& v) {
        double m = 0;
        for (double x : v)
            m += x / static_cast<double>(v.size());
        return m;
    };
    bool with_within = true, with_p = true;
    for (std::size_t i = 0; i < S; ++i) {
        with_within = with_within && !std::isnan(within[i]);
        with_p = with_p && !std::isnan(p[i]);
    }

    // Per animal: the mean over its sessions; element 0 the between-area optimal dimension,
    // element 1 the within-area one (when every session has it).
    std::vector<std::string> animals;
    std::vector<std::vector<double>> per_animal;
    for (const auto& [subject, rows] : by_animal) {
        animals.push_back(subject);
        std::vector<double> a{0.0};
        if (with_within) a.push_back(0.0);
        for (const auto* r : rows) {
            a[0] += r->optimal / static_cast<double>(rows.size());
            if (with_within) a[1] += r->within / static_cast<double>(rows.size());
        }
        per_animal.push_back(std::move(a));
    }
    kernels::CounterRng rng(static_cast<std::uint64_t>(seed), rng_key, stream_bootstrap);
    const auto boot = kernels::bootstrap_means(per_animal, interactions_bootstrap, rng);
    const auto animal_mean = kernels::mean_over(per_animal);

    io::ResultBlock block;
    block.group("/summary", {{"description", std::string("statistics across sessions")}});
    block.group("/summary/interactions",
                {{"description", std::string("communication subspaces across sessions and "
                                             "animals, per ordered region pair")}});
    const std::string g = "/summary/interactions/" + pair;
    block.group(g, {{"description",
                     std::string("optimal dimension of the communication subspace across "
                                 "sessions: mean over sessions, mean over animals with a 95% "
                                 "percentile bootstrap CI resampling animals")},
                    {"source", source},
                    {"target", target},
                    {"n_sessions", static_cast<std::int64_t>(S)},
                    {"n_animals", static_cast<std::int64_t>(A)},
                    {"bootstrap", static_cast<std::int64_t>(interactions_bootstrap)}});
    const auto j = [&](const char* n) { return io::join_path(g, n); };
    const io::ResultBlock::Axis session{"session", "sessions"}, animal{"animal", "animals"};
    block.add_strings(j("sessions"), keys, "session keys (/sessions/<key>), sorted", {session});
    block.add_strings(j("subjects"), subjects, "subject (animal) of each session", {session});
    block.add_strings(j("animals"), animals, "subjects with at least one session, sorted",
                      {animal});
    block.add_f64(j("optimal_dimension"), {S}, optimal, "1",
                  "optimal dimension (one-SEM rule) of each session", {session});
    block.add_f64(j("peak_performance"), {S}, peak, "1",
                  "peak cross-validated performance of each session", {session});
    block.add_scalar(j("mean_optimal_dimension"), mean_of(optimal), "1",
                     "mean optimal dimension over sessions");
    std::vector<double> animal_values;
    for (const auto& a : per_animal)
        animal_values.push_back(a[0]);
    block.add_f64(j("animal_optimal_dimension"), {A}, animal_values, "1",
                  "mean optimal dimension over each animal's sessions", {animal});
    block.add_scalar(j("animal_mean_optimal_dimension"), animal_mean[0], "1",
                     "mean over animals of the animal means");
    block.add_scalar(j("ci_low"), kernels::quantile_linear(boot[0], 0.025), "1",
                     "2.5th percentile of the bootstrap means over animals");
    block.add_scalar(j("ci_high"), kernels::quantile_linear(boot[0], 0.975), "1",
                     "97.5th percentile of the bootstrap means over animals");
    if (with_within) {
        block.add_f64(j("within_area_optimal_dimension"), {S}, within, "1",
                      "within-area optimal dimension of each session", {session});
        block.add_f64(j("within_area_peak_performance"), {S}, within_peak, "1",
                      "within-area peak performance of each session", {session});
        block.add_scalar(j("within_area_mean_optimal_dimension"), mean_of(within), "1",
                         "mean within-area optimal dimension over sessions");
        std::vector<double> w;
        for (const auto& a : per_animal)
            w.push_back(a[1]);
        block.add_f64(j("animal_within_area_optimal_dimension"), {A}, w, "1",
                      "mean within-area optimal dimension over each animal's sessions", {animal});
        block.add_scalar(j("within_area_animal_mean_optimal_dimension"), animal_mean[1], "1",
                         "mean over animals of the animal within-area means");
        block.add_scalar(j("within_area_ci_low"), kernels::quantile_linear(boot[1], 0.025), "1",
                         "2.5th percentile of the bootstrap means over animals");
        block.add_scalar(j("within_area_ci_high"), kernels::quantile_linear(boot[1], 0.975), "1",
                         "97.5th percentile of the bootstrap means over animals");
    }
    if (with_p) {
        block.add_f64(j("p_value"), {S}, p, "1", "permutation p-value of each session's peak",
                      {session});
        block.add_scalar(
            j("fisher_p"), kernels::fisher_combined(p), "1",
            "Fisher's combined p over the sessions: chi^2(2S) survival of -2 sum ln p");
    }
    return block;
}

} // namespace

Work prepare_interactions_summary(const ItemEnv& env, const jobs::WorkItem& item) {
    // Of each session's item file only the scalars the summary uses (interactions_summary
    // above); the curves and null distributions stay unread (docs/DESIGN.md "Data locality").
    const io::WantedValues used = [](const io::ResultBlock&, const io::DatasetBlock& d) {
        const auto ends = [&](const std::string& tail) {
            return d.path.size() > tail.size() &&
                   d.path.compare(d.path.size() - tail.size(), tail.size(), tail) == 0;
        };
        return ends("/optimal_dimension") || ends("/peak_performance") || ends("/null/p_value");
    };
    std::vector<io::ResultBlock> blocks;
    for (auto need : item.needs)
        blocks.push_back(read_need(env, need, used));
    return [blocks = std::move(blocks), source = item.region, target = item.target,
            key = item.rng_key()]() {
        std::vector<const io::ResultBlock*> view;
        for (const auto& b : blocks)
            view.push_back(&b);
        return interactions_summary(view, source, target, key);
    };
}

io::ResultBlock interactions_summary_from_shards(const jobs::Plan& plan,
                                                 const std::vector<std::string>& shards,
                                                 const jobs::WorkItem& summary) {
    std::vector<io::ResultBlock> blocks;
    for (auto need : summary.needs) {
        const auto& item = plan.items.at(need);
        if (item.kind != jobs::ItemKind::Interactions) continue;
        const auto& shard = shards.at(item.session % shards.size());
        blocks.push_back(io::read_results_group(shard,
                                                "/sessions/" + io::path_safe(item.session_key) +
                                                    "/interactions/" + io::path_safe(item.region) +
                                                    "__" + io::path_safe(item.target),
                                                true));
    }
    std::vector<const io::ResultBlock*> view;
    for (const auto& b : blocks)
        view.push_back(&b);
    return interactions_summary(view, summary.region, summary.target, summary.rng_key());
}

} // namespace neuropop::engine::detail
