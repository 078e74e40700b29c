// The decode plan (jobs/planner_decode.cpp) and target labels (jobs/decode_targets.hpp), on
// sessions built in code: which items exist, what they need, how permutations are split, that a
// decode item and its null items share an RNG key, and every rule a target is checked against.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <optional>
#include <string>

#include "engine/runtime/scheduler.hpp"
#include "jobs/decode_targets.hpp"
#include "jobs/planner.hpp"

using namespace neuropop::jobs;

namespace {

// A session with units in regions A (3 units) and B (2), 20 trials, a string column `stim`
// (4 classes of 5) and a numeric column `speed`.
SessionEntry session(const std::string& key) {
    SessionEntry e;
    e.key = key;
    auto& info = e.info;
    info.file = key + ".nwb";
    info.identifier = key;
    info.unit_ids = {0, 1, 2, 3, 4};
    info.unit_regions = {"A", "A", "A", "B", "B"};
    info.spike_end = {10, 20, 30, 40, 50};
    neuropop::io::TrialsTable t;
    neuropop::io::Column on{"stim_on_time", "float64", false, {}, {}};
    neuropop::io::Column stim{"stim", "vlen utf-8 string", true, {}, {}};
    neuropop::io::Column speed{"speed", "float64", false, {}, {}};
    for (int i = 0; i < 20; ++i) {
        t.ids.push_back(i);
        t.start_time.push_back(i);
        t.stop_time.push_back(i + 1);
        on.numbers.push_back(i + 0.5);
        stim.strings.push_back("s" + std::to_string(i % 4));
        speed.numbers.push_back(i * 0.5);
    }
    t.columns = {on, stim, speed};
    info.trials = t;
    e.regions = {"A", "B"};
    return e;
}

JobSpec decode_spec(std::size_t permutations, std::size_t per_item) {
    JobSpec spec;
    spec.align.event = "stim_on_time";
    spec.pca.enabled = spec.cvpca.enabled = spec.fa.enabled = false;
    spec.decode.enabled = true;
    spec.decode.targets = {{"stim", {}}, {"speed", {}}};
    spec.decode.permutations = permutations;
    spec.decode.permutations_per_item = per_item;
    return spec;
}

std::vector<const WorkItem*> with(const Plan& plan, ItemKind kind) {
    std::vector<const WorkItem*> out;
    for (const auto& i : plan.items)
        if (i.kind == kind) out.push_back(&i);
    return out;
}

} // namespace

TEST_CASE("decode plan: null blocks tile the permutations, decode needs its bin and null items, "
          "one summary per target",
          "[decode][plan]") {
    const auto plan = make_plan(decode_spec(10, 4), {session("s2"), session("s1")});
    // 2 sessions x 2 regions = 4 populations, 2 targets: 8 decode items, each with
    // ceil(10 / 4) = 3 null blocks [0,4) [4,8) [8,10).
    const auto decodes = with(plan, ItemKind::Decode);
    const auto nulls = with(plan, ItemKind::DecodeNull);
    const auto summaries = with(plan, ItemKind::DecodeSummary);
    REQUIRE(decodes.size() == 8);
    REQUIRE(nulls.size() == 24);
    REQUIRE(summaries.size() == 2);
    for (const auto* d : decodes) {
        CHECK(d->stage() == Stage::Analyse);
        CHECK_FALSE(d->intermediate);
        CHECK(d->scope == "decode/" + d->target);
        REQUIRE(d->needs.size() == 4);
        CHECK(plan.items.at(d->needs[0]).kind == ItemKind::Bin);
        CHECK(plan.items.at(d->needs[0]).region == d->region);
        std::uint64_t next = 0;
        for (std::size_t k = 1; k < 4; ++k) {
            const auto& n = plan.items.at(d->needs[k]);
            CHECK(n.kind == ItemKind::DecodeNull);
            CHECK(n.intermediate);
            CHECK(n.first == next);
            CHECK(n.last == std::min<std::uint64_t>(next + 4, 10));
            next = n.last;
            // Same population, same scope: the same CounterRng key, so fold ids and permutation
            // b are what the decode item would draw itself.
            CHECK(n.rng_key() == d->rng_key());
            CHECK(n.needs == std::vector<std::uint64_t>{d->needs[0]});
            CHECK(n.id < d->id);
        }
        CHECK(next == 10);
    }
    // Different populations and targets draw differently.
    std::map<std::uint64_t, int> keys;
    for (const auto* d : decodes)
        ++keys[d->rng_key()];
    CHECK(keys.size() == 8);
    for (const auto* s : summaries) {
        CHECK(s->stage() == Stage::Summarise);
        CHECK(s->session_key.empty());
        // Every decode item of the target, every region and session (BH runs over regions).
        std::vector<std::uint64_t> expected;
        for (const auto* d : decodes)
            if (d->target == s->target) expected.push_back(d->id);
        auto needs = s->needs;
        std::sort(needs.begin(), needs.end());
        CHECK(needs == expected);
        CHECK(s->id > expected.back());
    }
}

TEST_CASE("decode plan: costs grow with permutations, units and classes, and the scheduler "
          "hands out the largest first",
          "[decode][plan]") {
    // One session: region A has 3 units, B 2, the same 20 trials; `stim` has 4 classes, `speed`
    // 20 distinct values (20 classes to the cost model). Null blocks [0,4) [4,8) [8,10).
    const auto plan = make_plan(decode_spec(10, 4), {session("s1")});
    const auto cost = [&](neuropop::jobs::ItemKind kind, const std::string& region,
                          const std::string& target, std::uint64_t first) {
        for (const auto& i : plan.items)
            if (i.kind == kind && i.region == region && i.target == target &&
                (kind != neuropop::jobs::ItemKind::DecodeNull || i.first == first))
                return i.cost;
        FAIL("no " << neuropop::jobs::to_string(kind) << " item " << region << " " << target << " "
                   << first);
        return 0.0;
    };
    for (const std::string target : {"stim", "speed"}) {
        for (const std::string region : {"A", "B"}) {
            // Cost is proportional to the permutations a block fits: the last block has 2 of 4.
            const double full = cost(neuropop::jobs::ItemKind::DecodeNull, region, target, 0);
            CHECK(full > 0);
            CHECK(cost(neuropop::jobs::ItemKind::DecodeNull, region, target, 4) == full);
            CHECK(cost(neuropop::jobs::ItemKind::DecodeNull, region, target, 8) ==
                  Approx(full / 2).epsilon(1e-15));
        }
        // The same fits on 3 units cost 3/2 of those on 2 units.
        CHECK(cost(neuropop::jobs::ItemKind::Decode, "A", target, 0) ==
              Approx(1.5 * cost(neuropop::jobs::ItemKind::Decode, "B", target, 0)).epsilon(1e-15));
        CHECK(cost(neuropop::jobs::ItemKind::DecodeNull, "A", target, 0) ==
              Approx(1.5 * cost(neuropop::jobs::ItemKind::DecodeNull, "B", target, 0))
                  .epsilon(1e-15));
    }
    // More classes, more cost: 20 against 4.
    CHECK(cost(neuropop::jobs::ItemKind::DecodeNull, "A", "speed", 0) ==
          Approx(5 * cost(neuropop::jobs::ItemKind::DecodeNull, "A", "stim", 0)).epsilon(1e-15));

    // The scheduler (engine/runtime/scheduler.hpp) orders by these costs: once the bin items are
    // done, the null blocks come out in non-increasing cost, the largest (speed on A) first.
    std::vector<neuropop::engine::SchedItem> items;
    for (const auto& i : plan.items)
        items.push_back({i.id, i.name(), i.needs, i.cost});
    neuropop::engine::Master master(items);
    std::vector<std::uint64_t> bins;
    while (const auto id = master.next(0))
        bins.push_back(*id);
    REQUIRE(bins.size() == 2);
    for (auto id : bins) {
        REQUIRE(plan.items.at(id).kind == neuropop::jobs::ItemKind::Bin);
        master.finish({id, true, false, 0, 0.0, ""});
    }
    std::vector<double> handed;
    std::optional<std::uint64_t> first;
    while (const auto id = master.next(0)) {
        if (!first) first = *id;
        CHECK(plan.items.at(*id).kind ==
              neuropop::jobs::ItemKind::DecodeNull); // decode items need their nulls
        handed.push_back(plan.items.at(*id).cost);
    }
    CHECK(handed.size() == 2 * 2 * 3);
    CHECK(std::is_sorted(handed.rbegin(), handed.rend()));
    REQUIRE(first);
    CHECK(plan.items.at(*first).region == "A");
    CHECK(plan.items.at(*first).target == "speed");
    CHECK(plan.items.at(*first).first == 0);
}

TEST_CASE("decode plan: no null items without permutations, no summaries when switched off",
          "[decode][plan]") {
    auto spec = decode_spec(0, 25);
    spec.run.summaries = false;
    const auto plan = make_plan(spec, {session("s1")});
    CHECK(with(plan, ItemKind::Decode).size() == 4);
    CHECK(with(plan, ItemKind::DecodeNull).empty());
    CHECK(with(plan, ItemKind::DecodeSummary).empty());
    for (const auto* d : with(plan, ItemKind::Decode))
        CHECK(d->needs.size() == 1);
    spec.decode.enabled = false;
    CHECK(make_plan(spec, {session("s1")}).items.size() == 2); // the bin items only
}

TEST_CASE("decode labels: classes sorted (numbers by value), a subset keeps its trials only",
          "[decode][labels]") {
    DecodeSection d;
    d.folds = 2;
    std::vector<std::size_t> rows(8);
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    std::vector<std::string> problems;
    const std::vector<double> numbers{10, 2, 10, 2, 3, 3, 10, 2};
    auto l = decode_labels(d, {"n", {}}, false, {}, numbers, rows, problems);
    CHECK(problems.empty());
    CHECK(l.classes == std::vector<std::string>{"2", "3", "10"});
    CHECK(l.labels == std::vector<int>{2, 0, 2, 0, 1, 1, 2, 0});
    CHECK(l.trials == rows);

    const std::vector<std::string> strings{"b", "a", "c", "a", "b", "c", "a", "b"};
    l = decode_labels(d, {"s", {"b", "a"}}, true, strings, {}, rows, problems);
    CHECK(problems.empty());
    CHECK(l.classes == std::vector<std::string>{"a", "b"});
    CHECK(l.trials == std::vector<std::size_t>{0, 1, 3, 4, 6, 7});
    CHECK(l.labels == std::vector<int>{1, 0, 0, 1, 0, 1});
    // A numeric subset entry names its value whatever its spelling ("2.0" is the label "2").
    l = decode_labels(d, {"n", {"2.0", "10"}}, false, {}, numbers, rows, problems);
    CHECK(problems.empty());
    CHECK(l.classes == std::vector<std::string>{"2", "10"});

    // Only the given rows count (the trials that can be aligned).
    l = decode_labels(d, {"s", {}}, true, strings, {}, {1, 3, 6, 0, 4, 7}, problems);
    CHECK(problems.empty());
    CHECK(l.classes == std::vector<std::string>{"a", "b"});
    CHECK(l.trials.size() == 6);

    d.decoder = neuropop::kernels::DecoderKind::Ridge;
    l = decode_labels(d, {"n", {}}, false, {}, numbers, rows, problems);
    CHECK(problems.empty());
    CHECK(l.regression);
    CHECK(l.values == numbers);
}

TEST_CASE("decode labels: every rule a target can break, one problem each", "[decode][labels]") {
    DecodeSection d;
    d.folds = 3;
    std::vector<std::size_t> rows(6);
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    const auto problems_of = [&](const DecodeSection& section, const DecodeSection::Target& t,
                                 bool is_string, const std::vector<std::string>& s,
                                 const std::vector<double>& n) {
        std::vector<std::string> p;
        decode_labels(section, t, is_string, s, n, rows, p);
        return p;
    };
    const auto one = [](const std::vector<std::string>& p, const std::string& part) {
        INFO(part);
        REQUIRE(p.size() == 1);
        CHECK(p[0].find(part) != std::string::npos);
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    one(problems_of(d, {"s", {}}, true, {"x", "x", "x", "x", "x", "x"}, {}), "a single class ('x'");
    one(problems_of(d, {"n", {}}, false, {}, {0, 1, nan, 0, 1, 0}),
        "1 trial(s) hold NaN or infinity (rows 2)");
    one(problems_of(d, {"s", {}}, true, {"a", "a", "a", "a", "b", "b"}, {}),
        "class 'b' (2) with fewer trials than decode.folds = 3");
    auto p = problems_of(d, {"s", {"a", "z"}}, true, {"a", "a", "a", "a", "b", "b"}, {});
    REQUIRE(p.size() == 2); // the unknown class, and then a single class is left
    CHECK(p[0].find("class 'z' of the target's subset is no value of the column") !=
          std::string::npos);
    // A subset leaving the NaN trials out raises no NaN problem (only class 1 with 2 trials).
    CHECK(problems_of(d, {"n", {"0", "1"}}, false, {}, {0, 1, nan, 0, 1, 0}).size() == 1);
    auto r = d;
    r.decoder = neuropop::kernels::DecoderKind::Ridge;
    one(problems_of(r, {"s", {}}, true, {"a", "b", "a", "b", "a", "b"}, {}),
        "decode.decoder = ridge regresses numbers");
    one(problems_of(r, {"n", {}}, false, {}, {0, 1, nan, 0, 1, 0}), "NaN or infinity");
    r.folds = 7;
    one(problems_of(r, {"n", {}}, false, {}, {0, 1, 2, 3, 4, 5}),
        "6 trials, fewer than decode.folds = 7");
}
