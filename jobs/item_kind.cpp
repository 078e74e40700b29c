#include "jobs/item_kind.hpp"

#include "jobs/planner_detail.hpp"

namespace neuropop::jobs {

namespace {

using detail::add_coupling_items;
using detail::add_coupling_pair_items;
using detail::add_cvpca_items;
using detail::add_decode_items;
using detail::add_fa_items;
using detail::add_geometry_items;
using detail::add_interactions_items;
using detail::add_models_items;
using detail::add_pca_items;
using detail::add_pseudo_items;

// The names are what every results file written so far carries: never rename one.
constexpr std::array<ItemKindRow, item_kind_count> rows{{
    {.kind = ItemKind::Bin, .name = "bin", .stage = Stage::Bin},
    {.kind = ItemKind::Pca,
     .name = "pca",
     .stage = Stage::Analyse,
     .per_population = add_pca_items},
    {.kind = ItemKind::CvPca,
     .name = "cvpca",
     .stage = Stage::Analyse,
     .per_population = add_cvpca_items},
    {.kind = ItemKind::Fa, .name = "fa", .stage = Stage::Analyse, .per_population = add_fa_items},
    {.kind = ItemKind::DecodeNull, .name = "decode_null", .stage = Stage::Analyse},
    {.kind = ItemKind::Decode,
     .name = "decode",
     .stage = Stage::Analyse,
     .whole_plan = add_decode_items},
    {.kind = ItemKind::DecodeSummary, .name = "decode_summary", .stage = Stage::Summarise},
    {.kind = ItemKind::Geometry,
     .name = "geometry",
     .stage = Stage::Analyse,
     .whole_plan = add_geometry_items},
    {.kind = ItemKind::PseudoResample, .name = "pseudo_resample", .stage = Stage::Analyse},
    {.kind = ItemKind::PseudoNull, .name = "pseudo_null", .stage = Stage::Analyse},
    {.kind = ItemKind::Pseudo,
     .name = "pseudo",
     .stage = Stage::Summarise,
     .whole_plan = add_pseudo_items},
    {.kind = ItemKind::PseudoSummary, .name = "pseudo_summary", .stage = Stage::Summarise},
    {.kind = ItemKind::Coupling,
     .name = "coupling",
     .stage = Stage::Analyse,
     .per_population = add_coupling_items},
    {.kind = ItemKind::Interactions,
     .name = "interactions",
     .stage = Stage::Analyse,
     .whole_plan = add_interactions_items},
    {.kind = ItemKind::InteractionsSummary,
     .name = "interactions_summary",
     .stage = Stage::Summarise},
    {.kind = ItemKind::ModelLayers, .name = "model_layers", .stage = Stage::Analyse},
    {.kind = ItemKind::Models,
     .name = "models",
     .stage = Stage::Analyse,
     .whole_plan = add_models_items},
    {.kind = ItemKind::ModelsSummary, .name = "models_summary", .stage = Stage::Summarise},
    {.kind = ItemKind::CouplingPair,
     .name = "coupling_pair",
     .stage = Stage::Analyse,
     .whole_plan = add_coupling_pair_items},
    // Added by add_interactions_items with the pair items that read them.
    {.kind = ItemKind::InteractionsFolds, .name = "interactions_folds", .stage = Stage::Analyse},
}};

// A row left out of the initializer would be value-initialised (kind Bin, empty name): every
// row must name its own kind and a non-empty name no other row has. (That a row has at most one
// planner is checked by tests/unit/test_item_kinds.cpp: GCC under -fsanitize=address does not
// treat a function's address as a constant, so no static_assert may compare one.)
constexpr bool rows_complete() {
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (static_cast<std::size_t>(rows[i].kind) != i) return false;
        if (std::string_view(rows[i].name).empty()) return false;
        for (std::size_t j = 0; j < i; ++j)
            if (std::string_view(rows[i].name) == rows[j].name) return false;
    }
    return true;
}
static_assert(rows_complete(), "jobs/item_kind.cpp: one row per ItemKind, in enum order");

} // namespace

const std::array<ItemKindRow, item_kind_count>& item_kind_rows() {
    return rows;
}

const ItemKindRow& row_of(ItemKind kind) {
    return rows.at(static_cast<std::size_t>(kind));
}

std::string to_string(ItemKind kind) {
    return row_of(kind).name;
}

std::optional<ItemKind> parse_item_kind(std::string_view name) {
    for (const auto& row : rows)
        if (name == row.name) return row.kind;
    return std::nullopt;
}

} // namespace neuropop::jobs
