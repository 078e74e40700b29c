// Rank 0 holds the merge layout packed (io/result_layout_packed.hpp): every field must come
// back as it went in, and the layout of a large results file must stay a small number of bytes
// per dataset, so that rank 0's merge memory does not grow with the dataset count again.

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "io/result_store.hpp"
#include "tests/io/results_store_fixtures.hpp"

namespace io = neuropop::io;

namespace {

// Items shaped like bench_merge's synthetic decoding item (benchmarks/bench_merge.cpp), shapes
// only (without its p_value): 7 datasets, 6 of them with axes, 6 axes without a scale.
io::ResultBlock item(std::size_t i) {
    const std::string g = "/sessions/s" + std::to_string(i / 40) + "/item" + std::to_string(i);
    io::ResultBlock b;
    b.group(g, {{"item", static_cast<std::int64_t>(i)}, {"target", std::string("stimulus")}});
    b.add_f64(g + "/time", {50}, std::vector<double>(50), "s", "bin centre", {{"time", "time"}});
    b.add_f64(g + "/accuracy", {50}, std::vector<double>(50), "1", "held-out accuracy",
              {{"time", "time"}});
    b.add_f64(g + "/confusion", {50, 4, 4}, std::vector<double>(800), "trials", "confusion counts",
              {{"time", "time"}, {"true_class", ""}, {"predicted_class", ""}});
    b.add_f64(g + "/null_accuracy", {200, 50}, std::vector<double>(10000), "1",
              "accuracy under shuffled labels", {{"permutation", ""}, {"time", "time"}});
    b.add_strings(g + "/class_labels", {"a", "bb", "ccc", "dddd"}, "class names", {{"class", ""}});
    b.add_i64(g + "/fold_ids", {1, 300}, std::vector<std::int64_t>(300), "1", "fold of each trial",
              {{"repeat", ""}, {"trial", ""}});
    b.add_scalar(g + "/chance", 0.25, "1", "chance accuracy");
    return b;
}

io::MergeLayout plan_items(std::size_t items) {
    std::vector<std::string> sources;
    std::vector<io::ResultBlock> blocks;
    for (std::size_t i = 0; i < items; ++i) {
        sources.push_back("/scratch/items/" + std::to_string(i) + ".h5");
        blocks.push_back(item(i));
    }
    return io::plan_merge(sources, blocks, {}, {{"description", std::string("t")}}, 4);
}

} // namespace

TEST_CASE("a packed layout dataset comes back with every field as it went in", "[results_store]") {
    io::LayoutDataset a;
    a.path = "/sessions/s1/VISp/rates";
    a.type = io::ElementType::UInt32;
    a.shape = {2, std::numeric_limits<std::uint64_t>::max(), 0};
    a.attributes = {{"units", std::string("Hz")},
                    {"description", std::string(200, 'x')},
                    {"labels", std::vector<std::string>{"", "a", "Hz"}},
                    {"scale", -0.0},
                    {"big", 1e300},
                    {"offset", std::numeric_limits<std::int64_t>::min()},
                    {"empty", std::vector<std::string>{}}};
    a.dims = {"unit", "time", ""};
    a.scales = {"", "/sessions/s1/VISp/time"}; // fewer scales than axes: kept as they are
    a.is_scale = true;
    a.collective = true;
    a.source = 7;
    a.inline_block = 3;
    a.owner = 5;
    io::LayoutDataset b; // paths without a '/' and at the root, no axes, an index scale
    b.path = "loose";
    b.type = io::ElementType::String;
    b.source = io::index_scale_source;
    io::LayoutDataset c;
    c.path = "/top";
    c.shape = {3};
    c.dims = {"x"};
    c.scales = {"/top"};
    c.source = -1;

    io::PackedDatasets packed;
    for (const auto* d : {&a, &b, &c})
        packed.push_back(*d);
    REQUIRE(packed.size() == 3);
    neuropop::test::results::check_same_dataset(a, packed[0]);
    neuropop::test::results::check_same_dataset(b, packed[1]);
    neuropop::test::results::check_same_dataset(c, packed[2]);
    CHECK(packed.key("/sessions/s1/VISp/rates") ==
          packed.key(std::string("/sessions/s1/VISp/") + "rates"));
    CHECK(packed.key("/sessions/s1/VISp/rates") != packed.key("/sessions/s1/VISp/time"));
    CHECK(packed.key("loose") != packed.key("/loose"));

    // What the planner changes after adding: the scales (as many as the room the axes leave),
    // the placement; nothing else moves.
    a.scales = {"/sessions/s1/VISp/unit", "/sessions/s1/VISp/time", "/x/y"};
    packed.set_scales(0, a.scales);
    a.is_scale = false;
    a.collective = false;
    a.owner = 0;
    packed.set_placement(0, a.is_scale, a.collective, a.owner);
    neuropop::test::results::check_same_dataset(a, packed[0]);
    neuropop::test::results::check_same_dataset(b, packed[1]);
    CHECK_THROWS_AS(packed.set_scales(2, {"/top", "/top"}), std::logic_error);

    io::LayoutDataset wide;
    wide.path = "/wide";
    wide.shape.assign(256, 1);
    CHECK_THROWS_WITH(packed.push_back(wide), Catch::Contains("/wide"));
}

// The bound: a bench_merge-shaped dataset packs into ~25 words (its path, shape, labels and
// scales as string ids, two attributes) plus its offset, ~110 B; the vectors' doubling can
// leave up to as much again unused, and the string table adds each group's path. 256 B per
// dataset allows that and fails for the LayoutDatasets rank 0 held before (~1.2 KB each with
// the index scales' values, measured with heaptrack).
TEST_CASE("rank 0's merge layout stays a few hundred bytes per dataset at any dataset count",
          "[results_store]") {
    const io::MergeLayout small = plan_items(50);
    const io::MergeLayout large = plan_items(400);
    // 7 datasets per item and 6 index scales (true_class, predicted_class, permutation, class,
    // repeat, trial), which hold no values.
    REQUIRE(small.dataset_count() == 50 * 13);
    REQUIRE(large.dataset_count() == 400 * 13);
    CHECK(large.datasets.empty());
    const double per_dataset =
        static_cast<double>(large.packed.bytes()) / static_cast<double>(large.dataset_count());
    INFO("packed layout: " << large.packed.bytes() << " B for " << large.dataset_count()
                           << " datasets");
    CHECK(per_dataset < 256.0);
    // The growth from 650 to 5 200 datasets is per dataset no more than that either.
    const double growth = static_cast<double>(large.packed.bytes() - small.packed.bytes()) /
                          static_cast<double>(large.dataset_count() - small.dataset_count());
    CHECK(growth < 256.0);
    // And the index scales of the last item are there, valueless, with their axes pointed at
    // them.
    const auto last = large.dataset(large.dataset_count() - 1);
    CHECK(last.path == "/sessions/s9/item399/trial");
    CHECK(last.source == io::index_scale_source);
    CHECK(last.shape == std::vector<std::uint64_t>{300});
    CHECK(last.is_scale);
}
