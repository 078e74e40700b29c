// The results store below the engine (io/result_store.hpp, io/result_block.hpp): item files
// round-trip every element type and attribute, the checksum catches damage, the merge plan
// orders, scales and spreads datasets as documented, and the layout survives its byte encoding.
// The collective write of such a plan is in tests/mpi/test_results_store_collective.cpp, where
// MPI is initialised.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/io_bytes.hpp"
#include "io/result_store.hpp"
#include "tests/io/results_store_fixtures.hpp"
#include "tests/support/support.hpp"

namespace io = neuropop::io;
namespace results = neuropop::test::results;
using neuropop::test::TempDir;

namespace {

io::LayoutDataset layout_dataset(const io::MergeLayout& layout, const std::string& path) {
    for (const auto& d : layout.all_datasets())
        if (d.path == path) return d;
    FAIL("the layout has no dataset " << path);
    throw std::logic_error("unreachable");
}

const io::GroupBlock* find_group(const io::ResultBlock& block, const std::string& path) {
    for (const auto& g : block.groups)
        if (g.path == path) return &g;
    return nullptr;
}

} // namespace

TEST_CASE("DatasetBlock values carry their element type and must match the shape",
          "[results_store]") {
    io::ResultBlock b;
    CHECK(b.add_f64("/a", {2}, {1, 2}, "1", "", {{"x", ""}}).type() == io::ElementType::Float64);
    CHECK(b.add_i64("/b", {1}, {3}, "1", "", {{"x", ""}}).type() == io::ElementType::Int64);
    CHECK(b.add_u32("/c", {}, {4}, "1", "").type() == io::ElementType::UInt32);
    CHECK(b.add_strings("/d", {"x"}, "", {{"x", ""}}).type() == io::ElementType::String);
    CHECK(b.at("/c").u32() == std::vector<std::uint32_t>{4});
    CHECK_THROWS_AS(b.at("/c").f64(), std::bad_variant_access);
    CHECK_THROWS_WITH(b.add_f64("/e", {2, 2}, {1, 2, 3}, "1", "", {{"x", ""}, {"y", ""}}),
                      Catch::Contains("/e: 3 values for shape of 4"));
    CHECK_THROWS_WITH(b.add_i64("/f", {2}, {1, 2}, "1", "", {{"x", ""}, {"y", ""}}),
                      Catch::Contains("/f: 2 axis names for 1 axes"));
    io::DatasetValues v = io::empty_values(io::ElementType::UInt32);
    io::append_values(v, std::vector<std::uint32_t>{1, 2});
    io::append_values(v, std::vector<std::uint32_t>{3});
    CHECK(std::get<std::vector<std::uint32_t>>(v) == std::vector<std::uint32_t>{1, 2, 3});
    CHECK(io::value_count(v) == 3);
    CHECK_THROWS_AS(io::append_values(v, std::vector<double>{1.0}), std::invalid_argument);
    for (auto t : {io::ElementType::Float64, io::ElementType::Int64, io::ElementType::UInt32,
                   io::ElementType::String})
        CHECK(static_cast<io::ElementType>(io::empty_values(t).index()) == t);
}

TEST_CASE("an item file gives back every dataset, attribute and group it was written with",
          "[results_store]") {
    TempDir tmp("item-file");
    const auto path = (tmp / "7.h5").string();
    const io::ResultBlock block = results::item_a();
    io::write_item_file(path, {7, "pca/s1/VISp/0", 1, 2.5}, block);

    CHECK_FALSE(io::check_item_file(path).has_value());
    const auto header = io::read_item_header(path);
    REQUIRE(header.has_value());
    CHECK(header->id == 7);
    CHECK(header->name == "pca/s1/VISp/0");
    CHECK(header->rank == 1);
    CHECK(header->seconds == 2.5);

    const io::ResultBlock back = io::read_item_file(path);
    REQUIRE(back.datasets.size() == block.datasets.size());
    for (const auto& want : block.datasets)
        results::require_same_dataset(want, back.at(want.path), want.scales);
    const auto* g = find_group(back, "/sessions/s1/VISp");
    REQUIRE(g != nullptr);
    CHECK(results::sorted(g->attributes) == results::sorted(block.groups.front().attributes));
    // Parents are created on the way, without attributes.
    REQUIRE(find_group(back, "/sessions/s1") != nullptr);
    CHECK(find_group(back, "/sessions/s1")->attributes.empty());

    // Without values: numbers keep their type and shape only, strings are read anyway.
    const io::ResultBlock shapes = io::read_item_file(path, false);
    CHECK(shapes.at("/sessions/s1/VISp/counts").type() == io::ElementType::UInt32);
    CHECK(shapes.at("/sessions/s1/VISp/counts").shape == std::vector<std::uint64_t>{2, 4, 3});
    CHECK(shapes.at("/sessions/s1/VISp/counts").u32().empty());
    CHECK(shapes.at("/sessions/s1/VISp/conditions").text() ==
          block.at("/sessions/s1/VISp/conditions").text());

    // With a selector: the chosen numbers' values, the others' shapes, strings anyway; the
    // selector sees every dataset's shape and axes.
    std::size_t seen = 0;
    const io::ResultBlock some = io::read_item_file(
        path, io::WantedValues([&](const io::ResultBlock& all, const io::DatasetBlock& d) {
            seen = all.datasets.size();
            return d.path == "/sessions/s1/VISp/rates";
        }));
    CHECK(seen == block.datasets.size());
    CHECK(some.at("/sessions/s1/VISp/rates").f64() == block.at("/sessions/s1/VISp/rates").f64());
    CHECK(some.at("/sessions/s1/VISp/counts").u32().empty());
    CHECK(some.at("/sessions/s1/VISp/counts").shape == std::vector<std::uint64_t>{2, 4, 3});
    CHECK(some.at("/sessions/s1/VISp/time").f64().empty());
    CHECK(some.at("/sessions/s1/VISp/conditions").text() ==
          block.at("/sessions/s1/VISp/conditions").text());
}

namespace {

// Every group (with attributes) and dataset (with values, attributes and axes) of two blocks, in
// order: what a reader of either could tell apart.
void require_same_block(const io::ResultBlock& a, const io::ResultBlock& b) {
    REQUIRE(a.groups.size() == b.groups.size());
    for (std::size_t i = 0; i < a.groups.size(); ++i) {
        CHECK(a.groups[i].path == b.groups[i].path);
        CHECK(a.groups[i].attributes == b.groups[i].attributes);
    }
    REQUIRE(a.datasets.size() == b.datasets.size());
    for (std::size_t i = 0; i < a.datasets.size(); ++i) {
        const auto &x = a.datasets[i], &y = b.datasets[i];
        CHECK(x.path == y.path);
        CHECK(x.values == y.values);
        CHECK(x.shape == y.shape);
        CHECK(x.units == y.units);
        CHECK(x.description == y.description);
        CHECK(x.dims == y.dims);
        CHECK(x.scales == y.scales);
        CHECK(x.attributes == y.attributes);
    }
}

} // namespace

TEST_CASE("an item file's image held in memory reads as the file does, without counting a read",
          "[results_store]") {
    TempDir tmp("item-image");
    const auto path = (tmp / "7.h5").string();
    const io::ResultBlock block = results::item_a();
    std::vector<char> image;
    io::write_item_file(path, {7, "pca/s1/VISp/0", 1, 2.5}, block, &image);
    REQUIRE_FALSE(image.empty());
    // The image is the file's bytes after its 512-byte checksum block.
    CHECK(image.size() + 512 == std::filesystem::file_size(path));

    const io::WantedValues rates = [](const io::ResultBlock&, const io::DatasetBlock& d) {
        return d.path == "/sessions/s1/VISp/rates";
    };
    const auto before = io::io_bytes().read;
    const auto all = io::read_item_image(image, path),
               shapes = io::read_item_image(image, path, false),
               some = io::read_item_image(image, path, rates);
    CHECK(io::io_bytes().read == before);
    require_same_block(all, io::read_item_file(path));
    require_same_block(shapes, io::read_item_file(path, false));
    require_same_block(some, io::read_item_file(path, rates));
    // The file's reads are counted (the values of the numeric datasets at least).
    CHECK(io::io_bytes().read - before >= 3 * sizeof(double) * 8);
    // The image is named after its file in errors, and no file of that name is needed.
    std::filesystem::remove(path);
    require_same_block(io::read_item_image(image, path), all);
    CHECK_THROWS_WITH(io::read_item_image(std::vector<char>(64, 'x'), path),
                      Catch::Contains(path + " (image in memory)"));
}

TEST_CASE("a damaged item file is reported, a missing one has no header", "[results_store]") {
    TempDir tmp("item-damage");
    const auto path = (tmp / "1.h5").string();
    io::write_item_file(path, {1, "fa/s2/CA1/0", 0, 0.1}, results::item_b());
    REQUIRE_FALSE(io::check_item_file(path).has_value());
    const auto size = std::filesystem::file_size(path);
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(size - 100));
        char c = 0;
        f.read(&c, 1);
        f.seekp(static_cast<std::streamoff>(size - 100));
        c = static_cast<char>(c ^ 0x5a);
        f.write(&c, 1);
    }
    CHECK_THAT(io::check_item_file(path).value_or(""), Catch::Contains("CRC-32"));
    std::filesystem::resize_file(path, size - 10);
    CHECK_THAT(io::check_item_file(path).value_or(""), Catch::Contains("truncated"));
    CHECK_FALSE(io::read_item_header((tmp / "none.h5").string()).has_value());
}

TEST_CASE("the merge plan keeps item order, adds index scales, spreads large datasets and "
          "survives its encoding",
          "[results_store]") {
    TempDir tmp("merge-plan");
    const auto a = (tmp / "0.h5").string();
    const auto b = (tmp / "1.h5").string();
    io::write_item_file(a, {0, "a", 0, 0}, results::item_a());
    io::write_item_file(b, {1, "b", 0, 0}, results::item_b());
    std::vector<io::ResultBlock> inline_blocks{results::inline_block()};
    const io::Attributes root{{"description", std::string("test")}, {"seed", std::int64_t{7}}};
    // 64 bytes: the 2 x 4 rates (64 B) and the counts (96 B) are written collectively, the
    // 4-element time axis (32 B) is not.
    const io::MergeLayout layout = io::plan_merge({a, b}, inline_blocks, root, 2, 64);

    CHECK(layout.sources == std::vector<std::string>{a, b});
    CHECK(layout.root == root);
    // Item a's datasets, then item b's, then the inline block's, then the index scales.
    std::vector<std::string> order;
    for (const auto& d : layout.all_datasets())
        order.push_back(d.path);
    const auto at = [&](const std::string& p) {
        return std::find(order.begin(), order.end(), p) - order.begin();
    };
    CHECK(at("/sessions/s1/VISp/r2") < at("/sessions/s2/CA1/loadings"));
    CHECK(at("/sessions/s2/CA1/names") < at("/inventory/sessions/key"));
    for (std::size_t i = 1; i < layout.groups.size(); ++i)
        CHECK(layout.groups[i - 1].path < layout.groups[i].path); // parents before children

    const auto& rates = layout_dataset(layout, "/sessions/s1/VISp/rates");
    CHECK(rates.type == io::ElementType::Float64);
    CHECK(rates.source == 0);
    CHECK(rates.collective);
    // An item file lists its datasets in name order, so the counts came first and took rank 0.
    CHECK(rates.owner == 1);
    CHECK(rates.attributes.at(0) == io::Attribute{"units", std::string("Hz")});
    CHECK(rates.attributes.at(1).name == "description");
    // The unnamed unit axis got an index dataset in the same group; the time axis kept its own.
    CHECK(rates.scales ==
          std::vector<std::string>{"/sessions/s1/VISp/unit", "/sessions/s1/VISp/time"});
    const auto& unit = layout_dataset(layout, "/sessions/s1/VISp/unit");
    CHECK(unit.type == io::ElementType::Int64);
    CHECK(unit.shape == std::vector<std::uint64_t>{2});
    CHECK(unit.is_scale);
    // Its values (0, 1) are made when written: no block holds them.
    CHECK(unit.source == io::index_scale_source);
    CHECK(unit.dims == std::vector<std::string>{"unit"});
    CHECK(unit.scales == std::vector<std::string>{"/sessions/s1/VISp/unit"});
    CHECK(inline_blocks.size() == 1);
    // Read back from a results file, such an index is told apart from the items' datasets.
    io::ResultBlock index;
    index.add_i64(unit.path, unit.shape, {0, 1}, "1",
                  std::get<std::string>(unit.attributes.at(1).value), {{"unit", "unit"}});
    CHECK(unit.attributes.at(0) == io::Attribute{"units", std::string("1")});
    CHECK(io::is_index_scale(index.at(unit.path)));
    for (const auto& item : {results::item_a(), results::item_b()})
        for (const auto& d : item.datasets)
            CHECK_FALSE(io::is_index_scale(d));
    CHECK(layout_dataset(layout, "/sessions/s1/VISp/time").is_scale);
    CHECK_FALSE(layout_dataset(layout, "/sessions/s1/VISp/time").collective);
    // The next large dataset goes to the less loaded rank; strings never go collectively.
    const auto& counts = layout_dataset(layout, "/sessions/s1/VISp/counts");
    CHECK(counts.collective);
    CHECK(counts.owner == 0);
    CHECK(at("/sessions/s1/VISp/counts") < at("/sessions/s1/VISp/rates"));
    CHECK(counts.type == io::ElementType::UInt32);
    CHECK(counts.bytes() == 96);
    CHECK_FALSE(layout_dataset(layout, "/sessions/s1/VISp/conditions").collective);
    CHECK(layout_dataset(layout, "/sessions/s2/CA1/names").source == 1);

    const auto bytes = io::encode(layout);
    const io::MergeLayout decoded = io::decode(bytes);
    CHECK(io::encode(decoded) == bytes);
    CHECK(decoded.root == layout.root);
    CHECK(decoded.sources == layout.sources);
    REQUIRE(decoded.groups.size() == layout.groups.size());
    for (std::size_t i = 0; i < layout.groups.size(); ++i) {
        CHECK(decoded.groups[i].path == layout.groups[i].path);
        CHECK(decoded.groups[i].attributes == layout.groups[i].attributes);
    }
    // The planned layout is packed; decoded, the same datasets in plain form.
    CHECK(layout.datasets.empty());
    REQUIRE(decoded.datasets.size() == layout.dataset_count());
    for (std::size_t i = 0; i < layout.dataset_count(); ++i) {
        results::check_same_dataset(layout.dataset(i), decoded.datasets[i]);
    }
    // A truncated encoding is refused, not read past its end.
    CHECK_THROWS(io::decode(std::vector<std::uint8_t>(bytes.begin(), bytes.end() - 3)));
}

TEST_CASE("two items writing the same results dataset are refused naming both", "[results_store]") {
    TempDir tmp("merge-clash");
    const auto a = (tmp / "0.h5").string();
    const auto b = (tmp / "1.h5").string();
    io::write_item_file(a, {0, "a", 0, 0}, results::item_b());
    io::write_item_file(b, {1, "b", 0, 0}, results::item_b());
    std::vector<io::ResultBlock> inline_blocks;
    CHECK_THROWS_WITH(io::plan_merge({a, b}, inline_blocks, {}, 1),
                      Catch::Contains("/sessions/s2/CA1/loadings") && Catch::Contains(a) &&
                          Catch::Contains(b));
}

// write_collective's passes walk rank 0's layout in the chunks layout_chunk cuts (the other ranks
// never hold the whole layout): put back together, each pass's chunks must give exactly the
// groups or datasets that pass walks, in layout order, each chunk within its size, with the
// fields the pass uses equal to the layout's and its sources naming the same files.
TEST_CASE("the merge layout's chunks give every pass its groups and datasets in order",
          "[results_store]") {
    TempDir tmp("merge-chunks");
    const auto a = (tmp / "0.h5").string();
    const auto b = (tmp / "1.h5").string();
    io::write_item_file(a, {0, "a", 0, 0}, results::item_a());
    io::write_item_file(b, {1, "b", 0, 0}, results::item_b());
    std::vector<io::ResultBlock> inline_blocks{results::inline_block()};
    const io::Attributes root{{"description", std::string("test")}};
    // 1 byte: every numeric dataset is collective, from both item files and the inline blocks,
    // so the write pass's chunks renumber sources.
    const io::MergeLayout layout = io::plan_merge({a, b}, inline_blocks, root, 2, 1);
    REQUIRE(layout.groups.size() > 3);
    REQUIRE(layout.dataset_count() > 3);
    const std::size_t chunk = GENERATE(as<std::size_t>{}, 1, 2, 3, 1000);
    INFO("chunks of " << chunk);
    // Every chunk of a pass, through the byte encoding, as write_collective sends them.
    const auto chunks = [&](io::MergePass pass) {
        std::vector<io::MergeLayout> out;
        std::size_t cursor = 0;
        while (auto c = io::layout_chunk(layout, pass, cursor, chunk)) {
            out.push_back(io::decode(io::encode(*c)));
            REQUIRE(out.size() <= layout.dataset_count() + layout.groups.size() + 1);
        }
        CHECK_FALSE(io::layout_chunk(layout, pass, cursor, chunk)); // stays done
        return out;
    };

    const auto root_chunks = chunks(io::MergePass::Root);
    REQUIRE(root_chunks.size() == 1);
    CHECK(root_chunks[0].root == root);
    CHECK(root_chunks[0].groups.empty());
    CHECK(root_chunks[0].datasets.empty());

    std::size_t g = 0;
    const auto group_chunks = chunks(io::MergePass::Groups);
    CHECK(group_chunks.size() == (layout.groups.size() + chunk - 1) / chunk);
    for (const auto& c : group_chunks) {
        CHECK(c.groups.size() <= chunk);
        CHECK(c.datasets.empty());
        for (const auto& x : c.groups) {
            REQUIRE(g < layout.groups.size());
            CHECK(x.path == layout.groups[g].path);
            CHECK(x.attributes == layout.groups[g].attributes);
            ++g;
        }
    }
    CHECK(g == layout.groups.size());

    // Each dataset pass: the datasets it walks, in order, with its fields.
    const auto check_pass = [&](io::MergePass pass, auto walks, auto same) {
        const std::vector<io::LayoutDataset> all = layout.all_datasets();
        std::vector<const io::LayoutDataset*> want;
        for (const auto& d : all)
            if (walks(d)) want.push_back(&d);
        REQUIRE_FALSE(want.empty());
        std::size_t i = 0;
        const auto pass_chunks = chunks(pass);
        CHECK(pass_chunks.size() == (want.size() + chunk - 1) / chunk);
        for (const auto& c : pass_chunks) {
            CHECK(c.datasets.size() <= chunk);
            CHECK(c.groups.empty());
            for (const auto& y : c.datasets) {
                REQUIRE(i < want.size());
                INFO(want[i]->path);
                CHECK(y.path == want[i]->path);
                CHECK(y.is_scale == want[i]->is_scale);
                same(*want[i], y, c);
                ++i;
            }
        }
        CHECK(i == want.size());
    };
    check_pass(
        io::MergePass::Create, [](const io::LayoutDataset&) { return true; },
        [](const io::LayoutDataset& x, const io::LayoutDataset& y, const io::MergeLayout& c) {
            CHECK(y.type == x.type);
            CHECK(y.shape == x.shape);
            CHECK(y.attributes == x.attributes);
            CHECK(c.sources.empty());
        });
    check_pass(
        io::MergePass::Attach, [](const io::LayoutDataset& d) { return !d.dims.empty(); },
        [](const io::LayoutDataset& x, const io::LayoutDataset& y, const io::MergeLayout&) {
            CHECK(y.dims == x.dims);
            CHECK(y.scales == x.scales);
            CHECK(y.attributes.empty()); // not sent: the pass does not use them
        });
    check_pass(
        io::MergePass::Write, [](const io::LayoutDataset& d) { return d.collective; },
        [&](const io::LayoutDataset& x, const io::LayoutDataset& y, const io::MergeLayout& c) {
            CHECK(y.collective);
            CHECK(y.type == x.type);
            CHECK(y.shape == x.shape);
            CHECK(y.owner == x.owner);
            CHECK(y.inline_block == x.inline_block);
            REQUIRE((y.source < 0) == (x.source < 0));
            if (x.source >= 0) {
                // Renumbered within the chunk, naming the same file.
                REQUIRE(static_cast<std::size_t>(y.source) < c.sources.size());
                CHECK(c.sources[static_cast<std::size_t>(y.source)] ==
                      layout.sources[static_cast<std::size_t>(x.source)]);
            }
            CHECK(c.sources.size() <= c.datasets.size());
            CHECK(y.attributes.empty());
        });
    std::size_t cursor = 0;
    CHECK_THROWS_AS(io::layout_chunk(layout, io::MergePass::Create, cursor, 0),
                    std::invalid_argument);
}
