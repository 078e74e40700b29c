// Geometry items in the plan of the IT job: one per population and condition set, needing the
// population's bin item, with a scope (RNG key) of their own.

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include "jobs/inventory.hpp"
#include "jobs/job_parser.hpp"
#include "jobs/planner.hpp"
#include "tests/support/support.hpp"

using namespace neuropop::jobs;

TEST_CASE("the IT job plans one geometry item per session and condition set", "[planner]") {
    const auto job =
        (std::filesystem::path(NEUROPOP_SOURCE_DIR) / "examples" / "jobs" / "zhang-desimone-it.ini")
            .string();
    const auto spec = parse_job(job, {"--decode.enabled", "false", "--pseudo.enabled", "false"});
    REQUIRE(spec.geometry.enabled);
    REQUIRE(spec.geometry.conditions.size() == 2);
    const auto plan = make_plan(spec, take_inventory(spec));
    std::map<std::string, int> per_target;
    std::map<std::string, double> cost_of; // target -> cost, for one session
    for (const auto& item : plan.items) {
        if (item.kind != ItemKind::Geometry) continue;
        ++per_target[item.target];
        CHECK(item.stage() == Stage::Analyse);
        CHECK(item.scope == "geometry/" + item.target);
        REQUIRE(item.needs.size() == 1);
        const auto& bin = plan.items.at(item.needs.front());
        CHECK(bin.kind == ItemKind::Bin);
        CHECK(bin.session_key == item.session_key);
        CHECK(bin.region == item.region);
        CHECK(item.cost > 0);
        if (item.session_key == "zhang-desimone-it-1001") cost_of[item.target] = item.cost;
        // The RNG key is the population's and the set's: the other set draws other numbers.
        auto other = item;
        other.scope = "geometry/other";
        CHECK(other.rng_key() != item.rng_key());
    }
    CHECK(per_target ==
          std::map<std::string, int>{{"stimulus_ID", 21}, {"stimulus_ID*stimulus_position", 21}});
    // Same trials and units; 21 conditions instead of 7 make the few-shot episodes 9x dearer.
    CHECK(cost_of.at("stimulus_ID*stimulus_position") > cost_of.at("stimulus_ID"));
    CHECK(plan.items.size() == 21 * 6); // bin, pca, cvpca, fa and two geometry sets
}
