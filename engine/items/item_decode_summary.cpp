// Stage 3: one decode_summary item per target reads every decode item of that target (all
// regions, all sessions) and builds /summary/<region>/decode/<target>/
// (engine/items/decode_summary_stats.hpp).

#include "engine/items/decode_summary_stats.hpp"
#include "engine/items/prepare.hpp"
#include "io/result_store.hpp"

namespace neuropop::engine::detail {

Work prepare_decode_summary(const ItemEnv& env, const jobs::WorkItem& item) {
    std::vector<io::ResultBlock> blocks;
    for (auto need : item.needs)
        blocks.push_back(read_need(env, need));
    return [blocks = std::move(blocks), column = item.target]() {
        std::vector<const io::ResultBlock*> view;
        for (const auto& b : blocks)
            view.push_back(&b);
        return decode_summary(view, column);
    };
}

// As the whole job's run computes it from its decode items' files, here from each decode item's
// group in the shard that holds its session (shard = session position % N, jobs/shard.hpp).
io::ResultBlock decode_summary_from_shards(const jobs::Plan& plan,
                                           const std::vector<std::string>& shards,
                                           const jobs::WorkItem& summary) {
    std::vector<io::ResultBlock> blocks;
    for (auto need : summary.needs) {
        const auto& item = plan.items.at(need);
        if (item.kind != jobs::ItemKind::Decode) continue;
        const auto& shard = shards.at(item.session % shards.size());
        blocks.push_back(io::read_results_group(shard,
                                                analysis_group(item.session_key, item.region) +
                                                    "/decode/" + io::path_safe(item.target),
                                                true));
    }
    std::vector<const io::ResultBlock*> view;
    for (const auto& b : blocks)
        view.push_back(&b);
    return decode_summary(view, summary.target);
}

} // namespace neuropop::engine::detail
