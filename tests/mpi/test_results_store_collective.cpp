// The results store's collective write on its own (io/result_store.hpp): item files -> merge
// plan -> write_collective over the world communicator (the layout broadcast in chunks, encoded
// and decoded on every rank; chunks of 1 and 3 entries cut every pass into several) -> the serial
// pass -> read back, equal to what the items wrote. Here because write_collective needs MPI
// initialised; on the one rank of this process every large dataset is rank 0's, the 2- and
// 3-rank cases are run end to end by test_run_determinism.cpp.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "engine/runtime/mpi_context.hpp"
#include "io/result_store.hpp"
#include "tests/io/results_store_fixtures.hpp"
#include "tests/support/support.hpp"

namespace io = neuropop::io;
namespace results = neuropop::test::results;
using neuropop::test::TempDir;

TEST_CASE("a collective write of item files on one rank reads back equal to the items",
          "[mpi][results_store]") {
    neuropop::engine::ensure_mpi();
    const neuropop::engine::Context ctx;
    REQUIRE(ctx.size() == 1);
    TempDir tmp("collective-store");
    const auto a = (tmp / "0.h5").string();
    const auto b = (tmp / "1.h5").string();
    const io::ResultBlock item_a = results::item_a();
    const io::ResultBlock item_b = results::item_b();
    io::write_item_file(a, {0, "a", 0, 0}, item_a);
    io::write_item_file(b, {1, "b", 0, 0}, item_b);
    std::vector<io::ResultBlock> inline_blocks{results::inline_block()};
    const io::Attributes root{{"description", std::string("collective test")}};
    // 64 bytes: the rates and counts go through collective transfers, the rest through the
    // serial pass (strings always).
    const io::MergeLayout layout = io::plan_merge({a, b}, inline_blocks, root, 1, 64);
    const std::size_t chunk = GENERATE(as<std::size_t>{}, 1, 3, io::default_layout_chunk);
    INFO("chunks of " << chunk);
    REQUIRE(layout.groups.size() > 3);
    REQUIRE(layout.dataset_count() > 3);
    std::int64_t marked = 0;
    for (const auto& d : layout.all_datasets())
        marked += d.collective ? 1 : 0;
    REQUIRE(marked == 2);

    const auto out = (tmp / "results.h5").string();
    const io::MpioCounts counts = io::write_collective(
        out, ctx.comm(), layout, inline_blocks,
        [&ctx](std::vector<std::uint8_t>& bytes) { ctx.broadcast(bytes); }, nullptr, chunk);
    CHECK(counts.collective + counts.independent == marked);
    const io::Attributes extra{{"items", std::int64_t{2}},
                               {"mpio_collective_writes", counts.collective}};
    io::write_serial_pass(out, layout, inline_blocks, extra);

    // Everything the items wrote, with the coordinates the merge attached: the time axis its own
    // scale, every unnamed axis the index dataset named after its label.
    const io::ResultBlock back = io::read_results_group(out, "/sessions", true);
    const auto scales_of = [](const io::DatasetBlock& d) {
        std::vector<std::string> s;
        for (std::size_t i = 0; i < d.dims.size(); ++i)
            s.push_back(d.scales[i].empty() ? d.dims[i] : d.scales[i]);
        return s;
    };
    for (const auto* block : {&item_a, &item_b})
        for (const auto& want : block->datasets)
            results::require_same_dataset(want, back.at(want.path), scales_of(want));
    CHECK(back.at("/sessions/s1/VISp/unit").i64() == std::vector<std::int64_t>{0, 1});
    CHECK(back.at("/sessions/s2/CA1/unit").i64() == std::vector<std::int64_t>{0, 1, 2});
    for (const auto* block : {&item_a, &item_b}) {
        const auto& want = block->groups.front();
        bool found = false;
        for (const auto& g : back.groups)
            if (g.path == want.path) {
                found = true;
                CHECK(results::sorted(g.attributes) == results::sorted(want.attributes));
            }
        CHECK(found);
    }
    const io::ResultBlock inventory = io::read_results_group(out, "/inventory", true);
    CHECK(inventory.at("/inventory/sessions/key").text() == std::vector<std::string>{"s1", "s2"});
    CHECK(inventory.at("/inventory/sessions/n_units").i64() == std::vector<std::int64_t>{2, 3});
    CHECK(results::sorted(io::read_root_attributes(out)) ==
          results::sorted({root.front(), extra[0], extra[1]}));
    CHECK(io::read_root_groups(out) == std::vector<std::string>{"/inventory", "/sessions"});

    // An independent reader sees the same bytes of the collectively written counts.
    CHECK(neuropop::test::run_python(R"(import sys, h5py
c = h5py.File(sys.argv[1], "r")["sessions/s1/VISp/counts"]
print(c.dtype, c.shape, int(c[0, 0, 1]), int(c[-1, -1, -1]))
)",
                                     {out}) == "uint32 (2, 4, 3) 7 4294967295\n");
}
