// The "pseudo" item: one region's pooled resamples and nulls become /pseudo/<region>/<analysis>/
// ... — every per-resample dataset stacked on a leading resample axis with its mean and spread,
// coordinates and labels once, and for each statistic (pseudo_statistics()) its null
// distribution and p-value with the +1 correction, against the mean over resamples.

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>
#include <type_traits>
#include <variant>

#include "engine/items/pseudo_blocks.hpp"
#include "io/result_store.hpp"
#include "kernels/stats.hpp"

namespace neuropop::engine::detail {

namespace {

bool under(const std::string& path, const std::string& group) {
    return path.size() > group.size() && path.compare(0, group.size(), group) == 0 &&
           path[group.size()] == '/';
}

bool is_statistic(const std::string& name) {
    const auto& s = pseudo_statistics();
    return std::find(s.begin(), s.end(), name) != s.end();
}

// Names used as dimension scales by some dataset of `group`.
std::set<std::string> coordinates_of(const io::ResultBlock& block, const std::string& group) {
    std::set<std::string> out;
    for (const auto& d : block.datasets)
        if (io::parent_path(d.path) == group)
            for (const auto& s : d.scales)
                if (!s.empty()) out.insert(s);
    return out;
}

io::DatasetBlock stacked_shape(const io::DatasetBlock& d, const std::string& path, std::size_t n,
                               const std::string& axis) {
    io::DatasetBlock s;
    s.path = path;
    s.values = io::empty_values(d.type());
    s.shape = d.shape;
    s.shape.insert(s.shape.begin(), n);
    s.units = d.units;
    s.description = d.description;
    s.dims = d.dims;
    s.dims.insert(s.dims.begin(), axis);
    s.scales = d.scales;
    if (s.scales.size() + 1 == s.dims.size()) s.scales.insert(s.scales.begin(), axis);
    s.attributes = d.attributes;
    return s;
}

// Appends n fill values: NaN to floats, -1 to integers (a ragged record's padding).
void pad(io::DatasetValues& values, std::uint64_t n, const std::string& path) {
    std::visit(
        [&](auto& v) {
            using T = typename std::decay_t<decltype(v)>::value_type;
            if constexpr (std::is_same_v<T, double>)
                v.insert(v.end(), n, std::numeric_limits<double>::quiet_NaN());
            else if constexpr (std::is_same_v<T, std::int64_t>)
                v.insert(v.end(), n, std::int64_t{-1});
            else
                throw std::runtime_error(path + ": resamples differ in shape");
        },
        values);
}

std::vector<std::int64_t> indices(std::size_t n) {
    std::vector<std::int64_t> v(n);
    for (std::size_t i = 0; i < n; ++i)
        v[i] = static_cast<std::int64_t>(i);
    return v;
}

} // namespace

void keep_null_statistics(const io::ResultBlock& null, const std::string& inner_group,
                          std::uint64_t b, io::ResultBlock& out) {
    for (const auto& d : null.datasets)
        if (under(d.path, inner_group) && is_statistic(io::base_name(d.path)) &&
            d.type() == io::ElementType::Float64) {
            io::DatasetBlock copy = d;
            copy.path = "/null/" + std::to_string(b) + d.path.substr(inner_group.size());
            out.group(io::parent_path(copy.path));
            copy.scales.assign(copy.dims.size(), "");
            out.datasets.push_back(std::move(copy));
        }
}

std::vector<double> null_statistic(const std::vector<io::ResultBlock>& nulls,
                                   const std::string& relative, std::size_t& count) {
    const std::string prefix = "/null/";
    std::map<std::uint64_t, const io::DatasetBlock*> by_b;
    for (const auto& block : nulls)
        for (const auto& x : block.datasets) {
            if (x.path.rfind(prefix, 0) != 0) continue;
            const auto slash = x.path.find('/', prefix.size());
            if (x.path.substr(slash) != relative) continue;
            by_b[std::stoull(x.path.substr(prefix.size(), slash - prefix.size()))] = &x;
        }
    std::vector<double> values;
    for (const auto& [b, x] : by_b)
        values.insert(values.end(), x->f64().begin(), x->f64().end());
    count = by_b.size();
    return values;
}

void add_pooling_record(io::ResultBlock& out, const std::vector<std::string>& session_keys,
                        const std::vector<const Population*>& sources, std::size_t per_condition,
                        const std::vector<std::string>& conditions) {
    std::vector<std::int64_t> units, unit_ids;
    std::vector<std::string> unit_sessions;
    for (std::size_t s = 0; s < sources.size(); ++s) {
        units.push_back(static_cast<std::int64_t>(sources[s]->units));
        for (auto id : sources[s]->unit_ids) {
            unit_ids.push_back(id);
            unit_sessions.push_back(session_keys[s]);
        }
    }
    out.group("/pooling");
    const io::ResultBlock::Axis session{"session", "sessions"}, unit{"unit", ""};
    out.add_strings("/pooling/sessions", session_keys, "sessions whose units were pooled",
                    {session});
    out.add_i64("/pooling/units_per_session", {units.size()}, units, "1",
                "units each session contributed", {session});
    out.add_i64("/pooling/unit_ids", {unit_ids.size()}, unit_ids, "1",
                "/units/id of each pooled unit in its session, in pooled order", {unit});
    out.add_strings("/pooling/unit_sessions", unit_sessions, "session of each pooled unit", {unit});
    out.add_strings("/pooling/conditions", conditions,
                    "pooling labels (conditions) every contributing session has",
                    {{"condition", ""}});
    out.add_scalar("/pooling/trials_per_condition", static_cast<double>(per_condition), "trials",
                   "trials drawn per condition from every session in each resample");
}

Work prepare_pseudo_assemble(const ItemEnv& env, const jobs::WorkItem& item) {
    // The first resample is read whole (its coordinates, labels and pooling record are copied);
    // of the other resamples only the datasets stacked over resamples, of the nulls only the
    // null statistics (docs/DESIGN.md "Data locality").
    const std::string inner_group = pseudo_inner_group(item);
    const io::WantedValues stacked = [&inner_group](const io::ResultBlock& b,
                                                    const io::DatasetBlock& d) {
        return under(d.path, inner_group) &&
               coordinates_of(b, io::parent_path(d.path)).count(io::base_name(d.path)) == 0;
    };
    const io::WantedValues null_statistics = [](const io::ResultBlock&, const io::DatasetBlock& d) {
        return d.path.rfind("/null/", 0) == 0;
    };
    std::vector<io::ResultBlock> resamples, nulls;
    for (auto need : item.needs) {
        const auto& n = env.plan.items.at(need);
        if (n.kind != jobs::ItemKind::PseudoResample)
            nulls.push_back(read_need(env, n.id, null_statistics));
        else if (resamples.empty())
            resamples.push_back(read_need(env, n.id));
        else
            resamples.push_back(read_need(env, n.id, stacked));
    }
    if (resamples.empty()) throw std::logic_error(item.name() + ": no resample item");
    const jobs::PseudoTarget target = pseudo_target(env.spec, item.target);
    auto models = std::make_shared<const jobs::ModelsSection>(env.spec.models);
    return [item, target, models, notes = item.notes, resamples = std::move(resamples),
            nulls = std::move(nulls), seed = env.spec.run.seed]() {
        const std::string inner = pseudo_inner_group(item);
        const std::string root = "/pseudo/" + io::path_safe(item.region);
        const auto map_path = [&](const std::string& p) { return root + p.substr(inner.size()); };
        const io::ResultBlock& first = resamples.front();
        const std::size_t R = resamples.size();

        // The analysis's own group: decode/<target> and geometry/<set> hold one target each.
        std::string top = inner + "/" + jobs::analysis_name(target.analysis);
        if (!target.target.empty()) // not pca nor models, whose group is the analysis's
            for (const auto& g : first.groups)
                if (io::parent_path(g.path) == top) {
                    top = g.path;
                    break;
                }

        io::ResultBlock out;
        out.group("/pseudo",
                  {{"description", std::string("analyses of pseudo-populations pooled "
                                               "across sessions (docs/ANALYSES.md §5)")}});
        out.group(root, {{"region", item.region}});
        for (const auto& g : first.groups)
            if (under(g.path, inner)) out.group(map_path(g.path), g.attributes);
        std::size_t null_count = 0;

        // (group, axis) pairs that need a coordinate: "resample" (R) or "null" (null_count).
        std::set<std::pair<std::string, std::string>> new_axes;
        for (const auto& d : first.datasets) {
            if (!under(d.path, inner)) continue;
            const std::string group = io::parent_path(d.path);
            const auto coords = coordinates_of(first, group);
            const std::string name = io::base_name(d.path);
            if (d.type() == io::ElementType::String || coords.count(name) != 0) {
                io::DatasetBlock copy = d;
                copy.path = map_path(d.path);
                out.datasets.push_back(std::move(copy));
                continue;
            }
            new_axes.insert({group, "resample"});
            // A record along a "step" axis (the simulation capacity's bisection,
            // models/.../capacity/simulation_*, labelled so by engine/items/models_geometry.cpp:
            // its steps and their count depend on the data) is stacked padded to the longest
            // resample's; a mean or sd over resamples would mix different steps: none, even when
            // the counts happen to agree. Any other dataset must have one shape.
            const bool ragged = d.shape.size() == 1 &&
                                std::find(d.dims.begin(), d.dims.end(), "step") != d.dims.end();
            std::uint64_t longest = 0;
            for (const auto& r : resamples) {
                const auto& x = r.at(d.path);
                if (x.shape != d.shape && !(ragged && x.shape.size() == 1))
                    throw std::runtime_error(d.path + ": resamples differ in shape");
                if (ragged) longest = std::max(longest, x.shape[0]);
            }
            auto s = stacked_shape(d, map_path(d.path), R, "resample");
            if (ragged) {
                s.shape[1] = longest;
                for (const auto& r : resamples) {
                    const auto& x = r.at(d.path);
                    io::append_values(s.values, x.values);
                    pad(s.values, longest - x.shape[0], d.path);
                }
                s.description = "per resample, padded after each resample's last entry with "
                                "NaN (floats) or -1 (integers): " +
                                d.description;
                out.datasets.push_back(s);
                continue;
            }
            for (const auto& r : resamples)
                io::append_values(s.values, r.at(d.path).values);
            s.description = "per resample: " + d.description;
            out.datasets.push_back(s);
            if (d.type() != io::ElementType::Float64) continue;
            const std::size_t n = d.f64().size();
            std::vector<double> mean(n, 0.0), sd(n, 0.0);
            for (std::size_t r = 0; r < R; ++r)
                for (std::size_t i = 0; i < n; ++i)
                    mean[i] += s.f64()[r * n + i] / static_cast<double>(R);
            for (std::size_t r = 0; r < R; ++r)
                for (std::size_t i = 0; i < n; ++i)
                    sd[i] += std::pow(s.f64()[r * n + i] - mean[i], 2);
            for (auto& v : sd)
                v = R > 1 ? std::sqrt(v / static_cast<double>(R - 1))
                          : std::numeric_limits<double>::quiet_NaN();
            io::DatasetBlock m = d;
            m.path = map_path(d.path) + "_mean";
            m.f64() = mean;
            m.description = "mean over resamples: " + d.description;
            io::DatasetBlock v = d;
            v.path = map_path(d.path) + "_sd";
            v.f64() = sd;
            v.description = "standard deviation over resamples (ddof 1): " + d.description;
            out.datasets.push_back(std::move(m));
            out.datasets.push_back(std::move(v));

            if (!is_statistic(name) || nulls.empty()) continue;
            std::size_t B = 0;
            const auto null_values = null_statistic(nulls, d.path.substr(inner.size()), B);
            if (B == 0) continue;
            new_axes.insert({group, "null"});
            auto nd = stacked_shape(
                d, io::join_path(io::parent_path(map_path(d.path)), "null_" + name), B, "null");
            nd.f64() = null_values;
            nd.description = "pseudo null (labels shuffled within sessions): " + d.description;
            out.datasets.push_back(nd);
            io::DatasetBlock p = d;
            p.path = io::join_path(io::parent_path(map_path(d.path)), "p_" + name);
            p.f64() = kernels::permutation_p_values(mean, null_values);
            p.units = "1";
            p.description = "(1 + #{null >= mean over resamples}) / (1 + nulls) for " + name;
            out.datasets.push_back(std::move(p));
            null_count = B;
        }
        for (const auto& [group, axis] : new_axes) {
            const bool is_null = axis == "null";
            const std::size_t n = is_null ? null_count : R;
            out.add_i64(io::join_path(map_path(group), axis), {n}, indices(n), "1",
                        is_null ? "null resample index" : "resample index", {{axis, axis}});
        }
        // The pooling record and the parameters, on the analysis's own group.
        const std::string top_out = map_path(top);
        io::Attributes attrs{{"pooled", std::string(target.name())},
                             {"resamples", static_cast<std::int64_t>(R)},
                             {"nulls", static_cast<std::int64_t>(null_count)},
                             {"seed", static_cast<std::int64_t>(seed)},
                             {"null_rule", std::string("condition labels shuffled within each "
                                                       "session before pooling; p = (1 + #{null "
                                                       ">= mean over resamples}) / (1 + nulls)")}};
        if (!notes.empty()) attrs.push_back({"excluded_sessions", notes});
        out.group(top_out, attrs);
        out.group(top_out + "/pooling",
                  {{"description", std::string("what was pooled: sessions, units, trials")}});
        for (const auto& d : first.datasets)
            if (d.path.rfind("/pooling/", 0) == 0) {
                io::DatasetBlock copy = d;
                copy.path = top_out + d.path;
                out.datasets.push_back(std::move(copy));
            }
        if (!notes.empty())
            out.add_strings(top_out + "/pooling/excluded_sessions", notes,
                            "sessions left out of this pseudo-population, with the reason",
                            {{"excluded", ""}});
        if (target.analysis == jobs::PseudoAnalysis::Models)
            add_pooled_layer_profile(resamples, top, top_out, *models, out);
        return out;
    };
}

} // namespace neuropop::engine::detail
