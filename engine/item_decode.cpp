// PLACEHOLDER — replaced by the decoding work (issue 4); the planner adds no decode items yet.
#include <stdexcept>

#include "engine/item_tasks.hpp"

namespace neuropop::engine::detail {

Work prepare_decode(const ItemEnv&, const jobs::WorkItem& item, Population) {
    throw std::logic_error(item.name() + ": decoding not built yet");
}
Work prepare_decode_null(const ItemEnv&, const jobs::WorkItem& item, Population) {
    throw std::logic_error(item.name() + ": decoding not built yet");
}
Work prepare_decode_summary(const ItemEnv&, const jobs::WorkItem& item) {
    throw std::logic_error(item.name() + ": decoding not built yet");
}

} // namespace neuropop::engine::detail
