// Interactions items in the plan (jobs/planner_interactions.cpp): one per session and ordered
// region pair needing both regions' bin items, one summary per pair needing every session's
// item, costs that grow with the work, memory estimates for both regions, and a pair naming a
// region no session records refused with one line.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "io/nwb_writer.hpp"
#include "jobs/inventory.hpp"
#include "jobs/item_sizes.hpp"
#include "jobs/job_error.hpp"
#include "jobs/job_parser.hpp"
#include "jobs/planner.hpp"
#include "kernels/generator_model.hpp"
#include "tests/support/support.hpp"

namespace fs = std::filesystem;
using namespace neuropop::jobs;

namespace {

// Two sessions of three regions (small: the planner reads metadata only).
void generate(const fs::path& dir) {
    neuropop::kernels::GeneratorConfig c;
    c.seed = 11;
    c.sessions = 2;
    c.subjects = 2;
    c.regions = {"VISp", "CA1", "LGd"};
    c.units_per_region = 6;
    c.trials = 30;
    fs::create_directories(dir);
    for (std::size_t k = 0; k < c.sessions; ++k)
        neuropop::io::generate_session_file(c, k, dir.string(), false);
}

JobSpec job(const fs::path& dir, const std::string& interactions,
            const std::vector<std::string>& flags = {}) {
    const auto file = dir / "job.ini";
    std::ofstream(file) << "[data]\nsessions = nwb\n[align]\nevent = stim_on_time\nstart = 0\n"
                           "stop = 0.5\n[conditions]\ncolumns = stimulus\n[pca]\nenabled = "
                           "false\n[cvpca]\nenabled = false\n[fa]\nenabled = false\n"
                           "[interactions]\nenabled = true\n"
                        << interactions;
    return parse_job(file.string(), flags);
}

} // namespace

TEST_CASE("interactions plan one item per session and ordered pair, and one summary per pair",
          "[planner][interactions]") {
    neuropop::test::TempDir dir("interactions-planner");
    generate(dir / "nwb");
    const auto spec = job(dir.path(), "");
    const auto plan = make_plan(spec, take_inventory(spec));
    std::map<std::string, std::vector<std::uint64_t>> items_of; // pair -> item ids
    std::set<std::string> sessions;
    std::size_t summaries = 0;
    for (const auto& item : plan.items) {
        if (item.kind == ItemKind::Interactions) {
            CHECK(item.stage() == Stage::Analyse);
            const auto pair = item.region + ">" + item.target;
            CHECK(item.scope == "interactions/" + item.region + "__" + item.target);
            REQUIRE(item.needs.size() == 2);
            const auto& a = plan.items.at(item.needs[0]);
            const auto& b = plan.items.at(item.needs[1]);
            CHECK(a.kind == ItemKind::Bin);
            CHECK(b.kind == ItemKind::Bin);
            CHECK(a.region == item.region);
            CHECK(b.region == item.target);
            CHECK(a.session == item.session);
            CHECK(b.session == item.session);
            CHECK(item.cost > 0);
            CHECK(item.name() == "interactions/" + item.session_key + "/" + item.region + "/" +
                                     item.target + "/0");
            items_of[pair].push_back(item.id);
            sessions.insert(item.session_key);
        } else if (item.kind == ItemKind::InteractionsSummary) {
            CHECK(item.stage() == Stage::Summarise);
            const auto pair = item.region + ">" + item.target;
            REQUIRE(items_of.count(pair) == 1);
            CHECK(item.needs == items_of.at(pair));
            ++summaries;
        }
    }
    CHECK(sessions.size() == 2);
    CHECK(items_of.size() == 6); // ordered pairs of 3 regions
    for (const auto& [pair, ids] : items_of)
        CHECK(ids.size() == 2);
    CHECK(summaries == 6);

    // Estimates cover both regions' counts; the permutations and within-area curves cost.
    const auto bytes = item_bytes(spec, plan);
    for (const auto& item : plan.items)
        if (item.kind == ItemKind::Interactions) CHECK(bytes.at(item.id) > 0);
    const auto cheaper =
        job(dir.path(), "",
            {"--interactions.permutations", "0", "--interactions.within_area", "false"});
    const auto plan2 = make_plan(cheaper, take_inventory(cheaper));
    for (std::size_t i = 0; i < plan.items.size(); ++i)
        if (plan.items[i].kind == ItemKind::Interactions)
            CHECK(plan2.items.at(i).cost < plan.items[i].cost);

    // A shard (run.summaries false, as `neuropop run --shard` sets it) plans no summary.
    auto shard = job(dir.path(), "");
    shard.run.summaries = false;
    for (const auto& item : make_plan(shard, take_inventory(shard)).items)
        CHECK(item.kind != ItemKind::InteractionsSummary);
}

TEST_CASE("interactions.pairs selects ordered pairs; an unknown region is one line, exit 2",
          "[planner][interactions]") {
    neuropop::test::TempDir dir("interactions-pairs");
    generate(dir / "nwb");
    const auto spec = job(dir.path(), "pairs = CA1>VISp\n");
    const auto plan = make_plan(spec, take_inventory(spec));
    std::size_t n = 0;
    for (const auto& item : plan.items)
        if (item.kind == ItemKind::Interactions) {
            CHECK(item.region == "CA1");
            CHECK(item.target == "VISp");
            ++n;
        }
    CHECK(n == 2);

    const auto bad = job(dir.path(), "pairs = VISp>V1, CA1>VISp\n");
    try {
        take_inventory(bad);
        FAIL("a pair naming an unknown region was accepted");
    } catch (const JobError& e) {
        REQUIRE(e.problems().size() == 1);
        const auto& p = e.problems()[0];
        CHECK(p.find("interactions.pairs: 'VISp>V1': region 'V1' is not a selected region") !=
              std::string::npos);
        CHECK(p.find("regions present: CA1, LGd, VISp") != std::string::npos);
        CHECK(p.find('\n') == std::string::npos);
    }
    // Fewer trials than folds: every pair skipped, with the reason.
    const auto few = job(dir.path(), "folds = 40\n");
    const auto plan3 = make_plan(few, take_inventory(few));
    CHECK(std::none_of(plan3.items.begin(), plan3.items.end(),
                       [](const WorkItem& w) { return w.kind == ItemKind::Interactions; }));
    CHECK(std::count_if(plan3.skipped.begin(), plan3.skipped.end(), [](const std::string& s) {
              return s.find(
                         "interactions: 30 aligned trials, fewer than interactions.folds = 40") !=
                     std::string::npos;
          }) == 12);
}

TEST_CASE("interactions.folds_per_item splits each pair's folds into intermediate items",
          "[planner][interactions]") {
    neuropop::test::TempDir dir("interactions-fold-items");
    generate(dir / "nwb");
    const auto whole = job(dir.path(), "pairs = VISp>CA1\nfolds = 10\n");
    const auto split = job(dir.path(), "pairs = VISp>CA1\nfolds = 10\nfolds_per_item = 3\n");
    const auto plan0 = make_plan(whole, take_inventory(whole));
    const auto plan = make_plan(split, take_inventory(split));

    // Unsplit: no fold items, each pair item needs just the two bin items.
    std::map<std::size_t, double> whole_cost; // session -> the pair item's cost
    for (const auto& item : plan0.items) {
        CHECK(item.kind != ItemKind::InteractionsFolds);
        if (item.kind == ItemKind::Interactions) {
            CHECK(item.needs.size() == 2);
            whole_cost[item.session] = item.cost;
        }
    }
    REQUIRE(whole_cost.size() == 2);

    // Split: per pair 4 fold items [0,3) [3,6) [6,9) [9,10), intermediate, needing the two bin
    // items, sharing the pair's scope (so its folds, unit split and null draws), and the pair's
    // item needing them after its bin items; the fold costs in proportion to their folds, and
    // with the pair item's own (the fits on all trials) summing to the unsplit item's cost.
    std::size_t pairs = 0;
    for (const auto& item : plan.items) {
        if (item.kind != ItemKind::Interactions) continue;
        ++pairs;
        REQUIRE(item.needs.size() == 6);
        CHECK(plan.items.at(item.needs[0]).kind == ItemKind::Bin);
        CHECK(plan.items.at(item.needs[1]).kind == ItemKind::Bin);
        const std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges{
            {0, 3}, {3, 6}, {6, 9}, {9, 10}};
        double total = item.cost;
        CHECK(item.cost > 0);
        for (std::size_t b = 0; b < 4; ++b) {
            const auto& f = plan.items.at(item.needs[2 + b]);
            CHECK(f.kind == ItemKind::InteractionsFolds);
            CHECK(f.stage() == Stage::Analyse);
            CHECK(f.intermediate);
            CHECK(f.block == b);
            CHECK(f.first == ranges[b].first);
            CHECK(f.last == ranges[b].second);
            CHECK(f.session == item.session);
            CHECK(f.region == "VISp");
            CHECK(f.target == "CA1");
            CHECK(f.scope == item.scope);
            CHECK(f.rng_key() == item.rng_key());
            CHECK(f.needs == std::vector<std::uint64_t>{item.needs[0], item.needs[1]});
            CHECK(f.id < item.id);
            CHECK(f.cost > 0);
            CHECK(f.name() ==
                  "interactions_folds/" + item.session_key + "/VISp/CA1/" + std::to_string(b));
            total += f.cost;
        }
        const auto& first = plan.items.at(item.needs[2]);
        const auto& last = plan.items.at(item.needs[5]);
        CHECK(last.cost == Approx(first.cost / 3.0).epsilon(1e-12));
        // The fits on all trials are a small part: less than one fold's share.
        CHECK(item.cost < last.cost);
        CHECK(total == Approx(whole_cost.at(item.session)).epsilon(1e-12));
    }
    CHECK(pairs == 2);
    CHECK(plan.items.size() == plan0.items.size() + 2 * 4);
    // Memory estimates for the fold items too (both regions' counts).
    const auto bytes = item_bytes(split, plan);
    for (const auto& item : plan.items)
        if (item.kind == ItemKind::InteractionsFolds) CHECK(bytes.at(item.id) > 0);

    // folds_per_item >= folds: the unsplit plan.
    const auto same = job(dir.path(), "pairs = VISp>CA1\nfolds = 10\nfolds_per_item = 10\n");
    const auto plan2 = make_plan(same, take_inventory(same));
    REQUIRE(plan2.items.size() == plan0.items.size());
    for (std::size_t i = 0; i < plan0.items.size(); ++i) {
        CHECK(plan2.items[i].kind == plan0.items[i].kind);
        CHECK(plan2.items[i].needs == plan0.items[i].needs);
        CHECK(plan2.items[i].cost == plan0.items[i].cost);
    }
}
