// The registry of analyses (jobs/item_kind.hpp, the runners in engine/items/executor.cpp): the
// names results files carry, the stages, and that every kind runs one way.

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "engine/items/executor.hpp"
#include "engine/items/prepare.hpp"
#include "jobs/item_kind.hpp"
#include "jobs/pseudo_labels.hpp"

using neuropop::jobs::ItemKind;
using neuropop::jobs::Stage;
namespace jobs = neuropop::jobs;
namespace engine = neuropop::engine;

namespace {

std::vector<ItemKind> every_kind() {
    std::vector<ItemKind> out;
    for (std::size_t i = 0; i < jobs::item_kind_count; ++i)
        out.push_back(static_cast<ItemKind>(i));
    return out;
}

} // namespace

TEST_CASE("item kinds keep the names results files already carry", "[registry]") {
    // /progress/analysis, item names and plan.txt of every results file so far hold these
    // strings: a renamed kind would make resumed runs and merged shards disagree.
    const std::vector<std::string> names{"bin",
                                         "pca",
                                         "cvpca",
                                         "fa",
                                         "decode_null",
                                         "decode",
                                         "decode_summary",
                                         "geometry",
                                         "pseudo_resample",
                                         "pseudo_null",
                                         "pseudo",
                                         "pseudo_summary",
                                         "coupling",
                                         "interactions",
                                         "interactions_summary",
                                         "model_layers",
                                         "models",
                                         "models_summary",
                                         "coupling_pair",
                                         "interactions_folds"};
    REQUIRE(names.size() == jobs::item_kind_count);
    for (const auto kind : every_kind()) {
        const auto i = static_cast<std::size_t>(kind);
        CHECK(jobs::to_string(kind) == names[i]);
        CHECK(jobs::parse_item_kind(names[i]) == kind);
        CHECK(jobs::row_of(kind).kind == kind);
    }
    CHECK_FALSE(jobs::parse_item_kind("Bin"));
    CHECK_FALSE(jobs::parse_item_kind("pseudo_"));
    CHECK_FALSE(jobs::parse_item_kind(""));
}

TEST_CASE("item kinds run in their stage: bin first, summaries after every analysis",
          "[registry]") {
    const std::set<ItemKind> summaries{ItemKind::DecodeSummary, ItemKind::Pseudo,
                                       ItemKind::PseudoSummary, ItemKind::InteractionsSummary,
                                       ItemKind::ModelsSummary};
    for (const auto kind : every_kind()) {
        const Stage want = kind == ItemKind::Bin        ? Stage::Bin
                           : summaries.count(kind) != 0 ? Stage::Summarise
                                                        : Stage::Analyse;
        CHECK(jobs::row_of(kind).stage == want);
        jobs::WorkItem item;
        item.kind = kind;
        CHECK(item.stage() == want);
    }
}

TEST_CASE("every item kind has one way to run and only summaries merge from shards", "[registry]") {
    for (const auto kind : every_kind()) {
        const auto& runner = engine::detail::runner_of(kind);
        CHECK(runner.kind == kind);
        CHECK((runner.prepare == nullptr) != (runner.prepare_population == nullptr));
        const auto& row = jobs::row_of(kind);
        CHECK(row.kind == kind);
        CHECK_FALSE((row.per_population != nullptr && row.whole_plan != nullptr));
        // A population's analyses get its counts from the bin item, so they are stage 2.
        if (runner.prepare_population != nullptr) CHECK(jobs::row_of(kind).stage == Stage::Analyse);
        if (runner.from_shards != nullptr) CHECK(jobs::row_of(kind).stage == Stage::Summarise);
    }
    CHECK(engine::detail::runner_of(ItemKind::DecodeSummary).from_shards != nullptr);
    CHECK(engine::detail::runner_of(ItemKind::InteractionsSummary).from_shards != nullptr);
    // A pair's fold blocks read both regions' bin items (not one population), and the pair's
    // planner adds them: no planner of their own.
    CHECK(engine::detail::runner_of(ItemKind::InteractionsFolds).prepare != nullptr);
    CHECK(jobs::row_of(ItemKind::InteractionsFolds).per_population == nullptr);
    CHECK(jobs::row_of(ItemKind::InteractionsFolds).whole_plan == nullptr);
    // A pooled analysis runs its per-population kind on every resample.
    for (const auto a : {jobs::PseudoAnalysis::Decode, jobs::PseudoAnalysis::Geometry,
                         jobs::PseudoAnalysis::Pca, jobs::PseudoAnalysis::Models}) {
        CHECK(engine::detail::runner_of(jobs::pooled_kind(a)).prepare_population != nullptr);
        CHECK(std::string(jobs::analysis_name(a)) == jobs::to_string(jobs::pooled_kind(a)));
    }
}

TEST_CASE("the plan message carries every item kind and refuses an unknown one", "[registry]") {
    engine::PlanView view;
    for (const auto kind : every_kind()) {
        jobs::WorkItem item;
        item.id = view.items.size();
        item.kind = kind;
        item.session_key = "s";
        item.region = "r";
        view.items.push_back(item);
    }
    const auto bytes = engine::encode(view);
    const auto back = engine::decode_plan(bytes);
    REQUIRE(back.items.size() == view.items.size());
    for (std::size_t i = 0; i < back.items.size(); ++i) {
        CHECK(back.items[i].kind == view.items[i].kind);
        CHECK(back.items[i].name() == view.items[i].name());
    }
    // No sessions (8 bytes), the item count (8), the first item's id (8), then its kind.
    auto bad = bytes;
    bad.at(24) = static_cast<std::uint8_t>(jobs::item_kind_count);
    CHECK_THROWS_WITH(engine::decode_plan(bad), Catch::Contains("item kind"));
}

TEST_CASE("a region's pooled items share one scheduler key across analyses and animals; regions "
          "do not",
          "[registry]") {
    engine::PlanView view;
    const auto add = [&](ItemKind kind, const std::string& animal, const std::string& region,
                         const std::string& target) {
        jobs::WorkItem item;
        item.id = view.items.size();
        item.kind = kind;
        item.session_key = animal;
        item.region = region;
        item.target = target;
        view.items.push_back(item);
        return item.id;
    };
    const auto a = add(ItemKind::PseudoResample, "all", "CA1", "decode:stimulus");
    const auto b = add(ItemKind::PseudoNull, "all", "CA1", "geometry:stimulus*control");
    const auto c = add(ItemKind::Pseudo, "all", "CA1", "pca");
    const auto d = add(ItemKind::PseudoResample, "all", "VISp", "decode:stimulus");
    const auto e = add(ItemKind::PseudoResample, "mouse1", "CA1", "decode:stimulus");
    const auto key = [&](std::uint64_t id) { return engine::affinity_key(view, id); };
    CHECK(key(a) == key(b));
    CHECK(key(a) == key(c));
    CHECK(key(a) != key(d));
    // An animal's pool is served from its region's when a rank holds that (it waits for it:
    // scheduling_after).
    CHECK(key(a) == key(e));
    CHECK(key(a) != 0);
}

TEST_CASE("one session's bin items, their analyses and its interactions share one scheduler key; "
          "other sessions and items pooling sessions do not",
          "[registry]") {
    engine::PlanView view;
    const auto add = [&](ItemKind kind, std::size_t session, const std::string& region,
                         std::vector<std::uint64_t> needs) {
        jobs::WorkItem item;
        item.id = view.items.size();
        item.kind = kind;
        item.session = session;
        item.session_key = "s" + std::to_string(session);
        item.region = region;
        item.needs = std::move(needs);
        view.items.push_back(item);
        return item.id;
    };
    const auto bin_a = add(ItemKind::Bin, 0, "A", {});
    const auto bin_b = add(ItemKind::Bin, 0, "B", {});
    const auto other_bin = add(ItemKind::Bin, 1, "A", {});
    const auto pca_b = add(ItemKind::Pca, 0, "B", {bin_b});
    const auto folds = add(ItemKind::InteractionsFolds, 0, "A", {bin_a, bin_b});
    const auto other_pca = add(ItemKind::Pca, 1, "A", {other_bin});
    const auto across = add(ItemKind::InteractionsFolds, 0, "A", {bin_a, other_bin});
    const auto key = [&](std::uint64_t id) { return engine::affinity_key(view, id); };
    // Keyed by bin item, the second region's analyses and the pair's folds went to whichever
    // rank held one population and read the other again.
    CHECK(key(bin_a) == key(bin_b));
    CHECK(key(pca_b) == key(bin_a));
    CHECK(key(folds) == key(bin_a));
    CHECK(key(other_bin) != key(bin_a));
    CHECK(key(other_pca) == key(other_bin));
    CHECK(key(across) != key(bin_a));
    CHECK(key(across) != key(other_bin));
    CHECK(key(bin_a) != 0);
}

TEST_CASE("an animal's pooled draws are handed out after the first draw of its region's pool",
          "[registry]") {
    engine::PlanView view;
    const auto add = [&](ItemKind kind, const std::string& pool, const std::string& region,
                         std::vector<std::uint64_t> needs) {
        jobs::WorkItem item;
        item.id = view.items.size();
        item.kind = kind;
        item.session_key = pool;
        item.region = region;
        item.target = "pca";
        item.needs = std::move(needs);
        view.items.push_back(item);
        return item.id;
    };
    const auto b0 = add(ItemKind::Bin, "s0", "R", {});
    const auto b1 = add(ItemKind::Bin, "s1", "R", {});
    const auto b2 = add(ItemKind::Bin, "s2", "R", {});
    const auto other = add(ItemKind::Bin, "s0", "Q", {});
    const auto region = add(ItemKind::PseudoResample, "all", "R", {b0, b1, b2});
    const auto region_null = add(ItemKind::PseudoNull, "all", "R", {b0, b1, b2});
    const auto animal = add(ItemKind::PseudoNull, "animal=m", "R", {b0});
    const auto elsewhere = add(ItemKind::PseudoResample, "animal=m", "Q", {other});
    const auto after = engine::scheduling_after(view);
    REQUIRE(after.size() == view.items.size());
    CHECK(after[animal] == std::vector<std::uint64_t>{region});
    CHECK(after[region].empty());
    CHECK(after[region_null].empty());
    CHECK(after[b0].empty());
    CHECK(after[elsewhere].empty()); // no pool of its region: nothing to wait for
}
