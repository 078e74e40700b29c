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
        blocks.push_back(io::read_item_file(item_file(env.items_dir, need).string()));
    return [blocks = std::move(blocks), column = item.target]() {
        std::vector<const io::ResultBlock*> view;
        for (const auto& b : blocks)
            view.push_back(&b);
        return decode_summary(view, column);
    };
}

} // namespace neuropop::engine::detail
