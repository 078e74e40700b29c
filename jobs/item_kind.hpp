#pragma once
// The kinds of work item, and the jobs half of the registry of analyses: per kind, the name
// results files carry (item names, /progress/analysis, the work folder's plan.txt), its stage and
// the planner that adds its items. The engine half — how an item of each kind runs — is the
// table in engine/items/executor.cpp. Adding an analysis: docs/CONTRIBUTING.md "Adding an
// analysis".

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace neuropop::jobs {

struct Plan;
namespace detail {
struct PlanContext;
struct Population;
} // namespace detail

enum class Stage : std::uint8_t { Bin = 0, Analyse = 1, Summarise = 2 };

// One enumerator per row of item_kind_rows(), in the same order (checked at compile time in
// jobs/item_kind.cpp and engine/items/executor.cpp). A new kind goes last, and item_kind_count with
// it.
enum class ItemKind : std::uint8_t {
    Bin,
    Pca,
    CvPca,
    Fa,
    DecodeNull,
    Decode,
    DecodeSummary,
    Geometry,
    PseudoResample,
    PseudoNull,
    Pseudo,
    PseudoSummary,
    Coupling,
    Interactions,
    InteractionsSummary,
    ModelLayers,
    Models,
    ModelsSummary,
    CouplingPair,
    InteractionsFolds,
};
inline constexpr std::size_t item_kind_count =
    static_cast<std::size_t>(ItemKind::InteractionsFolds) + 1;

// A planner appends items to the plan (ids are plan positions, so the order planners run in is
// the order of the ids). make_plan adds every population's bin item first, then calls each
// row's `per_population` planner for one population after another (rows in table order within
// a population), then each row's `whole_plan` planner in table order.
using PopulationPlanner = void (*)(const detail::PlanContext&, const detail::Population&, Plan&);
using WholePlanPlanner = void (*)(const detail::PlanContext&, Plan&);

struct ItemKindRow {
    ItemKind kind = ItemKind::Bin;
    // In results files: the first part of an item's name and its /progress/analysis entry.
    const char* name = "";
    Stage stage = Stage::Bin;
    // At most one planner; none for kinds another row's planner adds with its own (a decode
    // item's permutation-null blocks and its summary) and for bin (make_plan's own).
    PopulationPlanner per_population = nullptr;
    WholePlanPlanner whole_plan = nullptr;
};

// The rows, indexed by kind.
const std::array<ItemKindRow, item_kind_count>& item_kind_rows();
const ItemKindRow& row_of(ItemKind kind);

std::string to_string(ItemKind kind);
// The kind named `name` (as to_string writes it); nullopt for an unknown name.
std::optional<ItemKind> parse_item_kind(std::string_view name);

} // namespace neuropop::jobs
