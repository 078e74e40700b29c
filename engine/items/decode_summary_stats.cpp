#include "engine/items/decode_summary_stats.hpp"

#include <map>
#include <stdexcept>

#include "kernels/stats.hpp"

namespace neuropop::engine {

namespace {

// "/sessions/<session>/<region>/decode/<target>" split into its components, or empty.
std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> out;
    std::size_t pos = 1;
    while (pos <= path.size()) {
        const auto next = path.find('/', pos);
        out.push_back(path.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
        if (next == std::string::npos) break;
        pos = next + 1;
    }
    return out;
}

struct SessionScores {
    std::vector<double> time;
    std::vector<std::string> time_names;
    std::vector<double> score;   // accuracy or r2
    std::vector<double> p_value; // empty when absent
};

struct Region {
    std::string statistic; // "accuracy" or "r2"
    std::map<std::string, SessionScores> sessions;
};

} // namespace

io::ResultBlock decode_summary(const std::vector<const io::ResultBlock*>& blocks,
                               const std::string& column, double alpha) {
    const std::string target = io::path_safe(column);
    std::map<std::string, Region> regions;
    for (const auto* block : blocks)
        for (const auto& g : block->groups) {
            const auto parts = components(g.path);
            if (parts.size() != 5 || parts[0] != "sessions" || parts[3] != "decode" ||
                parts[4] != target)
                continue;
            const auto j = [&](const char* name) { return io::join_path(g.path, name); };
            SessionScores s;
            s.time = block->at(j("time")).f64();
            s.time_names = block->at(j("time_names")).text();
            const bool ridge = block->find(j("r2")) != nullptr;
            s.score = block->at(j(ridge ? "r2" : "accuracy")).f64();
            if (const auto* p = block->find(j("p_value"))) s.p_value = p->f64();
            auto& r = regions[parts[2]];
            const std::string statistic = ridge ? "r2" : "accuracy";
            if (!r.statistic.empty() && r.statistic != statistic)
                throw std::runtime_error(g.path + ": mixes accuracy and r2 across sessions");
            r.statistic = statistic;
            r.sessions[parts[1]] = std::move(s);
        }
    if (regions.empty())
        throw std::runtime_error("decode summary of '" + column + "': no decode group found");

    // Fisher's p per region and time, then BH over all of them together.
    bool with_p = true;
    std::map<std::string, std::vector<double>> fisher;
    for (const auto& [name, r] : regions) {
        const auto& first = r.sessions.begin()->second;
        for (const auto& [key, s] : r.sessions) {
            if (s.time != first.time)
                throw std::runtime_error("decode summary of '" + column + "', region " + name +
                                         ": session " + key + " has another time axis");
            with_p = with_p && !s.p_value.empty();
        }
    }
    std::vector<double> all_fisher;
    if (with_p)
        for (const auto& [name, r] : regions) {
            const auto T = r.sessions.begin()->second.time.size();
            auto& f = fisher[name];
            for (std::size_t t = 0; t < T; ++t) {
                std::vector<double> p;
                for (const auto& [key, s] : r.sessions)
                    p.push_back(s.p_value[t]);
                f.push_back(kernels::fisher_combined(p));
            }
            all_fisher.insert(all_fisher.end(), f.begin(), f.end());
        }
    const std::vector<double> all_q =
        with_p ? kernels::benjamini_hochberg(all_fisher) : std::vector<double>{};

    io::ResultBlock block;
    block.group("/summary", {{"description", std::string("statistics across sessions")}});
    std::size_t offset = 0;
    for (const auto& [name, r] : regions) {
        const auto& first = r.sessions.begin()->second;
        const auto S = r.sessions.size(), T = first.time.size();
        const std::string region_group = "/summary/" + name;
        block.group(region_group, {{"description", std::string("statistics across the sessions "
                                                               "of one region")},
                                   {"region", name}});
        block.group(region_group + "/decode",
                    {{"description", std::string("decoding across sessions")}});
        const std::string g = region_group + "/decode/" + target;
        block.group(g, {{"description",
                         std::string("decoding of one target across the sessions of a region: "
                                     "per-session scores and permutation p-values, Fisher's "
                                     "combined p per time, Benjamini-Hochberg q")},
                        {"target", column},
                        {"statistic", r.statistic},
                        {"alpha", alpha},
                        {"combination", std::string("fisher")},
                        {"fdr", std::string("benjamini-hochberg over every region and time "
                                            "point of this target")},
                        {"n_sessions", static_cast<std::int64_t>(S)}});
        const auto j = [&](const char* n) { return io::join_path(g, n); };
        const io::ResultBlock::Axis session{"session", "sessions"}, time{"time", "time"};
        std::vector<std::string> keys;
        std::vector<double> score, p;
        for (const auto& [key, s] : r.sessions) {
            keys.push_back(key);
            score.insert(score.end(), s.score.begin(), s.score.end());
            p.insert(p.end(), s.p_value.begin(), s.p_value.end());
        }
        std::vector<double> mean(T, 0.0);
        for (std::size_t i = 0; i < S; ++i)
            for (std::size_t t = 0; t < T; ++t)
                mean[t] += score[i * T + t] / static_cast<double>(S);
        const bool ridge = r.statistic == "r2";
        block.add_strings(j("sessions"), keys, "session keys (/sessions/<key>), sorted", {session});
        block.add_f64(j("time"), {T}, first.time, "s",
                      "centre of each bin or window relative to the alignment event", {time});
        block.add_strings(j("time_names"), first.time_names,
                          "name of each time (bin_<i> or the window name)", {time});
        block.add_f64(j(ridge ? "r2" : "accuracy"), {S, T}, score, "1",
                      ridge ? "cross-validated R^2 of each session" : "accuracy of each session",
                      {session, time});
        block.add_f64(j(ridge ? "mean_r2" : "mean_accuracy"), {T}, std::move(mean), "1",
                      "mean over sessions", {time});
        if (!with_p) continue;
        std::vector<double> q(all_q.begin() + static_cast<std::ptrdiff_t>(offset),
                              all_q.begin() + static_cast<std::ptrdiff_t>(offset + T));
        offset += T;
        std::vector<std::int64_t> significant;
        for (double v : q)
            significant.push_back(v <= alpha ? 1 : 0);
        block.add_f64(j("p_value"), {S, T}, std::move(p), "1",
                      "permutation p-value of each session", {session, time});
        block.add_f64(j("fisher_p"), {T}, fisher[name], "1",
                      "Fisher's combined p over the sessions: chi^2(2S) survival of -2 sum ln p",
                      {time});
        block.add_f64(j("q_value"), {T}, std::move(q), "1",
                      "Benjamini-Hochberg adjusted fisher_p over every region and time point of "
                      "this target",
                      {time});
        block.add_i64(j("significant"), {T}, std::move(significant), "1",
                      "1 where q_value <= alpha", {time});
    }
    return block;
}

} // namespace neuropop::engine
