// Inventory and planner on the 21 Zhang–Desimone IT sessions. Expected sessions and unit counts
// are read from the "Files" table of data/zhang-desimone-it/nwb/README.md by the test itself.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jobs/inventory.hpp"
#include "jobs/job_parser.hpp"
#include "jobs/planner.hpp"
#include "jobs/text_values.hpp"
#include "tests/support/support.hpp"

namespace fs = std::filesystem;
using namespace neuropop::jobs;
using Lines = std::vector<std::string>;

namespace {

// identifier -> units, from the README's table rows "| `file` | `identifier` | session | date |
// labels agree | units | ...".
std::map<std::string, std::size_t> readme_units() {
    std::ifstream in(neuropop::test::it_sessions_dir() / "README.md");
    std::map<std::string, std::size_t> units;
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("| `zhang-desimone-it-", 0) != 0) continue;
        std::vector<std::string> fields;
        std::size_t start = 1;
        for (auto bar = line.find('|', start); bar != std::string::npos;
             start = bar + 1, bar = line.find('|', start))
            fields.push_back(text::trim(line.substr(start, bar - start)));
        REQUIRE(fields.size() >= 6);
        auto identifier = fields[1];
        identifier.erase(std::remove(identifier.begin(), identifier.end(), '`'), identifier.end());
        units[identifier] = std::stoul(fields[5]);
    }
    return units;
}

std::string it_job() {
    return (fs::path(NEUROPOP_SOURCE_DIR) / "examples" / "jobs" / "zhang-desimone-it.ini").string();
}

std::string it_file(int session) {
    return (neuropop::test::it_sessions_dir() /
            ("zhang-desimone-it-" + std::to_string(session) + ".nwb"))
        .string();
}

std::size_t count_with(const Lines& problems, std::initializer_list<std::string> parts) {
    return static_cast<std::size_t>(
        std::count_if(problems.begin(), problems.end(), [&](const std::string& p) {
            return std::all_of(parts.begin(), parts.end(),
                               [&](const std::string& part) { return p.find(part) != p.npos; });
        }));
}

std::string joined(const Lines& lines) {
    std::string out;
    for (const auto& l : lines)
        out += l + "\n";
    return out;
}

std::vector<std::string> bin_sessions(const Plan& plan) {
    std::vector<std::string> keys;
    for (const auto& item : plan.items)
        if (item.kind == ItemKind::Bin) keys.push_back(item.session_key);
    return keys;
}

} // namespace

TEST_CASE("the IT job plans one bin item per session and analyses that need it", "[planner]") {
    const auto units = readme_units();
    REQUIRE(units.size() == 21); // the README's 21 files
    // Geometry items are counted by tests/io/test_geometry_planner.cpp.
    const auto spec = parse_job(it_job(), {"--geometry.enabled", "false", "--decode.enabled",
                                           "false", "--pseudo.enabled", "false"});
    const auto inventory = take_inventory(spec);
    REQUIRE(inventory.size() == units.size());
    for (const auto& entry : inventory) {
        REQUIRE(units.count(entry.key) == 1);
        CHECK(entry.info.unit_ids.size() == units.at(entry.key));
        CHECK(entry.regions == Lines{"IT"});
    }

    const auto plan = make_plan(spec, inventory);
    REQUIRE(plan.sessions.size() == 21);
    CHECK(std::is_sorted(plan.sessions.begin(), plan.sessions.end(),
                         [](const auto& a, const auto& b) { return a.key < b.key; }));
    // Every session has >= 4 units (README), above both min_units = 4 and fa.factors = 3.
    CHECK(plan.skipped.empty());
    REQUIRE(plan.items.size() == 21 * 4); // bin, pca, cvpca, fa
    std::map<std::string, std::size_t> per_analysis;
    for (std::size_t i = 0; i < plan.items.size(); ++i) {
        const auto& item = plan.items[i];
        CHECK(item.id == i);
        CHECK(item.session_key == plan.sessions.at(item.session).key);
        CHECK(item.region == "IT");
        ++per_analysis[to_string(item.kind)];
        if (item.kind == ItemKind::Bin) {
            CHECK(item.stage() == Stage::Bin);
            CHECK(item.needs.empty());
            CHECK(i < 21); // stage 1 first
            CHECK(item.session == i);
            continue;
        }
        CHECK(item.stage() == Stage::Analyse);
        REQUIRE(item.needs.size() == 1);
        const auto& bin = plan.items.at(item.needs[0]);
        CHECK(bin.kind == ItemKind::Bin);
        CHECK(bin.session == item.session);
        CHECK(bin.region == item.region);
    }
    CHECK(per_analysis ==
          std::map<std::string, std::size_t>{{"bin", 21}, {"pca", 21}, {"cvpca", 21}, {"fa", 21}});
    CHECK(plan.items[21].name() == "pca/zhang-desimone-it-1001/IT/0");

    // Costs only order the items for the scheduler (ready items largest first,
    // engine/runtime/scheduler.hpp), so they must grow with the work. PCA of condition means costs
    // U^2 x samples + U^3 per window, and every session has the same 21 conditions and bins:
    // the pca items rank as their sessions' unit counts do.
    std::vector<std::pair<std::size_t, double>> pca; // (units, cost)
    for (const auto& item : plan.items)
        if (item.kind == neuropop::jobs::ItemKind::Pca)
            pca.emplace_back(units.at(item.session_key), item.cost);
    std::sort(pca.begin(), pca.end());
    REQUIRE(pca.size() == 21);
    REQUIRE(pca.front().first < pca.back().first);
    for (std::size_t i = 1; i < pca.size(); ++i) {
        INFO(pca[i - 1].first << " units: " << pca[i - 1].second << ", " << pca[i].first
                              << " units: " << pca[i].second);
        if (pca[i].first > pca[i - 1].first)
            CHECK(pca[i].second > pca[i - 1].second);
        else
            CHECK(pca[i].second == pca[i - 1].second);
    }
    // Twice the cvPCA shuffles cost more cvPCA, fewer EM iterations (capped at 100 in the cost)
    // less FA; every other item keeps its cost.
    const auto changed =
        make_plan(parse_job(it_job(), {"--geometry.enabled", "false", "--decode.enabled", "false",
                                       "--pseudo.enabled", "false", "--cvpca.shuffles", "20",
                                       "--fa.max_iter", "50"}),
                  take_inventory(spec));
    REQUIRE(changed.items.size() == plan.items.size());
    for (std::size_t i = 0; i < plan.items.size(); ++i) {
        const auto& a = plan.items[i];
        const auto& b = changed.items[i];
        INFO(a.name());
        REQUIRE(b.name() == a.name());
        if (a.kind == neuropop::jobs::ItemKind::CvPca)
            CHECK(b.cost > a.cost);
        else if (a.kind == neuropop::jobs::ItemKind::Fa)
            CHECK(b.cost < a.cost);
        else
            CHECK(b.cost == a.cost);
    }

    // Planned again from a fresh inventory, in reverse order: the same items, ids and costs.
    auto reversed = take_inventory(spec);
    std::reverse(reversed.begin(), reversed.end());
    const auto again = make_plan(spec, reversed);
    REQUIRE(again.items.size() == plan.items.size());
    for (std::size_t i = 0; i < plan.items.size(); ++i) {
        CHECK(again.items[i].name() == plan.items[i].name());
        CHECK(again.items[i].needs == plan.items[i].needs);
        CHECK(again.items[i].cost == plan.items[i].cost);
    }
}

TEST_CASE("raising min_units keeps the sessions the README counts enough units in", "[planner]") {
    const auto units = readme_units();
    std::vector<std::string> expected;
    std::size_t exactly_eight = 0;
    for (const auto& [key, n] : units) {
        if (n >= 8) expected.push_back(key);
        if (n == 8) ++exactly_eight;
    }
    REQUIRE(!expected.empty());
    REQUIRE(expected.size() < units.size());

    const auto spec =
        parse_job(it_job(), {"--data.min_units", "8", "--fa.factors", "8", "--geometry.enabled",
                             "false", "--decode.enabled", "false", "--pseudo.enabled", "false"});
    const auto plan = make_plan(spec, take_inventory(spec));
    CHECK(bin_sessions(plan) == expected);
    // Sessions left out keep their place in the inventory, with no qualifying region.
    CHECK(plan.sessions.size() == units.size());
    for (const auto& s : plan.sessions)
        CHECK(s.regions.empty() == (units.at(s.key) < 8));
    INFO(joined(plan.skipped));
    CHECK(count_with(plan.skipped, {"/IT: ", "units, fewer than data.min_units = 8"}) ==
          units.size() - expected.size());
    // Populations of exactly 8 units cannot fit 8 factors: FA alone is skipped for them.
    CHECK(count_with(plan.skipped, {"/IT: fa: 8 units, fa.factors = 8"}) == exactly_eight);
    CHECK(plan.items.size() == expected.size() * 4 - exactly_eight);
}

TEST_CASE("a missing alignment or condition column is named for every session", "[planner]") {
    const auto units = readme_units();
    SECTION("alignment column") {
        const auto spec = parse_job(it_job(), {"--align.event", "stim_onset"});
        const auto result = check_inventory(spec);
        INFO(joined(result.problems));
        CHECK(result.problems.size() == units.size());
        for (const auto& [key, n] : units)
            CHECK(count_with(result.problems,
                             {key + ".nwb: /intervals/trials: no column 'stim_onset' for "
                                    "align.event",
                              "(columns: start_time, stop_time, stimulus_ID", "stim_on_time"}) ==
                  1);
        try {
            take_inventory(spec);
            FAIL("take_inventory accepted a missing alignment column");
        } catch (const JobError& e) {
            CHECK(e.problems() == result.problems);
            CHECK(std::string(e.what()).find(": data: 21 problems\n") != std::string::npos);
        }
    }
    SECTION("condition column") {
        const auto spec = parse_job(it_job(), {"--conditions.columns", "stimulus_ID, object"});
        const auto result = check_inventory(spec);
        INFO(joined(result.problems));
        CHECK(result.problems.size() == units.size());
        CHECK(count_with(result.problems,
                         {"/intervals/trials: no column 'object' for conditions.columns"}) ==
              units.size());
    }
    SECTION("a string column cannot be the alignment event") {
        const auto spec = parse_job(it_job(), {"--align.event", "stimulus_ID"});
        const auto result = check_inventory(spec);
        CHECK(count_with(result.problems, {"/intervals/trials/stimulus_ID: ",
                                           "align.event needs numeric times"}) == units.size());
    }
}

TEST_CASE("sessions without trials, unmatched regions and unreachable min_units are refused",
          "[planner]") {
    const auto units = readme_units();
    SECTION("a file without a trials table") {
        // data/nwb-small-real/README.md: A8604-211122.nwb has no trials table.
        const auto other = (neuropop::test::repo_data() / "nwb-small-real" / "A8604-211122.nwb");
        const auto spec =
            parse_job(it_job(), {"--data.sessions", it_file(1001) + "," + other.string(),
                                 "--data.regions", ""});
        const auto result = check_inventory(spec);
        INFO(joined(result.problems));
        CHECK(count_with(result.problems,
                         {"A8604-211122.nwb: /intervals/trials: absent", "stim_on_time"}) == 1);
        CHECK(result.problems.size() == 1);
    }
    SECTION("a region no session has") {
        const auto spec = parse_job(it_job(), {"--data.regions", "IT, V1"});
        const auto result = check_inventory(spec);
        INFO(joined(result.problems));
        CHECK(result.problems ==
              Lines{"data.regions: 'V1' matches no unit in any session (regions present: IT)"});
    }
    SECTION("more units than any session has") {
        const auto largest = std::max_element(units.begin(), units.end(),
                                              [](auto& a, auto& b) { return a.second < b.second; });
        const auto spec =
            parse_job(it_job(), {"--data.min_units", std::to_string(largest->second + 1)});
        const auto result = check_inventory(spec);
        INFO(joined(result.problems));
        CHECK(
            count_with(result.problems, {"data.min_units = " + std::to_string(largest->second + 1),
                                         "largest: " + largest->first + "/IT with " +
                                             std::to_string(largest->second)}) == 1);
        CHECK(result.problems.size() == 1);
    }
    SECTION("a file named twice is one session") {
        const auto spec =
            parse_job(it_job(), {"--data.sessions",
                                 neuropop::test::it_sessions_dir().string() + "," + it_file(1003) +
                                     "," + (neuropop::test::it_sessions_dir() / "*.nwb").string()});
        const auto inventory = take_inventory(spec);
        CHECK(inventory.size() == units.size());
    }
}

TEST_CASE("coupling plans one item per population up to coupling.max_units, costs growing with "
          "units",
          "[planner]") {
    const auto units = readme_units();
    const Lines base = {"--geometry.enabled",
                        "false",
                        "--decode.enabled",
                        "false",
                        "--pseudo.enabled",
                        "false",
                        "--pca.enabled",
                        "false",
                        "--cvpca.enabled",
                        "false",
                        "--fa.enabled",
                        "false",
                        "--coupling.enabled",
                        "true",
                        "--coupling.window",
                        "0:0.5",
                        "--coupling.history",
                        "0.15",
                        "--coupling.history_basis",
                        "3",
                        "--coupling.stimulus_basis",
                        "4",
                        "--coupling.max_units",
                        "6"};
    const auto spec = parse_job(it_job(), base);
    const auto plan = make_plan(spec, take_inventory(spec));
    std::size_t planned = 0, too_many = 0;
    for (const auto& [key, n] : units)
        (n <= 6 ? planned : too_many) += 1;
    REQUIRE(planned > 0);
    REQUIRE(too_many > 0);
    // One line per skipped population, naming the count and the key.
    INFO(joined(plan.skipped));
    CHECK(plan.skipped.size() == too_many);
    CHECK(count_with(plan.skipped, {": coupling: ", "units, more than coupling.max_units = 6"}) ==
          too_many);
    std::vector<std::pair<std::size_t, double>> costs; // (units, cost)
    for (const auto& item : plan.items) {
        if (item.kind != ItemKind::Coupling) continue;
        CHECK(item.stage() == Stage::Analyse);
        REQUIRE(item.needs.size() == 1);
        CHECK(plan.items.at(item.needs[0]).kind == ItemKind::Bin);
        CHECK(plan.items.at(item.needs[0]).session == item.session);
        CHECK(units.at(item.session_key) <= 6);
        costs.emplace_back(units.at(item.session_key), item.cost);
    }
    CHECK(costs.size() == planned);
    CHECK(plan.items.size() == 21 + planned);
    // Sessions differ in trials and conditions as well as units, so compare the mean cost of the
    // smallest and the largest populations, and check that a longer lambda grid (9 values, the
    // default has 7) raises the cost of every item.
    std::sort(costs.begin(), costs.end());
    double low = 0, high = 0;
    std::size_t n_low = 0, n_high = 0;
    for (const auto& [u, c] : costs)
        if (u == costs.front().first) {
            low += c;
            ++n_low;
        } else if (u == costs.back().first) {
            high += c;
            ++n_high;
        }
    REQUIRE(costs.front().first < costs.back().first);
    CHECK(high / static_cast<double>(n_high) > low / static_cast<double>(n_low));
    Lines more = base;
    more.insert(more.end(), {"--coupling.lambdas", "1000,316,100,31.6,10,3.16,1,0.316,0.1"});
    const auto bigger = make_plan(parse_job(it_job(), more), take_inventory(spec));
    REQUIRE(bigger.items.size() == plan.items.size());
    for (std::size_t i = 0; i < plan.items.size(); ++i)
        if (plan.items[i].kind == ItemKind::Coupling)
            CHECK(bigger.items[i].cost > plan.items[i].cost);
}
