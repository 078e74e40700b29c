// PLACEHOLDER — replaced by the geometry work (issue 5); the planner adds no geometry items yet.
#include <stdexcept>

#include "engine/item_tasks.hpp"

namespace neuropop::engine::detail {

Work prepare_geometry(const ItemEnv&, const jobs::WorkItem& item, Population) {
    throw std::logic_error(item.name() + ": geometry not built yet");
}

} // namespace neuropop::engine::detail
