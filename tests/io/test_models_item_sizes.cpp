// Memory estimates of the brain <-> network items (jobs/item_sizes.cpp, what `neuropop plan`
// reports per rank): every model_layers, models and models_summary item is estimated, and the
// estimates grow with the stimuli squared (stimulus x stimulus matrices) and with the layers per
// block.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "io/model_file.hpp"
#include "io/nwb_writer.hpp"
#include "jobs/inventory.hpp"
#include "jobs/item_sizes.hpp"
#include "jobs/job_parser.hpp"
#include "jobs/planner.hpp"
#include "kernels/generator_layers.hpp"
#include "kernels/generator_model.hpp"
#include "tests/support/support.hpp"

namespace fs = std::filesystem;
using namespace neuropop::jobs;

namespace {

// One session of `stimuli` conditions and its model file (the generator's layers), as
// `neuropop generate --model-file` writes them.
void generate(const fs::path& dir, std::size_t stimuli) {
    neuropop::kernels::GeneratorConfig c;
    c.seed = 13;
    c.sessions = 1;
    c.subjects = 1;
    c.regions = {"A", "B"};
    c.encoding_regions = std::vector<std::string>{"A"};
    c.units_per_region = 6;
    c.conditions = stimuli;
    c.trials = 2 * stimuli;
    fs::create_directories(dir / "nwb");
    neuropop::io::generate_session_file(c, 0, (dir / "nwb").string(), false);
    const auto layers = neuropop::kernels::generator_layers(c);
    std::vector<std::vector<double>> values;
    std::vector<std::size_t> features;
    for (const auto& a : layers.activations) {
        std::vector<double> v;
        for (Eigen::Index r = 0; r < a.rows(); ++r)
            for (Eigen::Index col = 0; col < a.cols(); ++col)
                v.push_back(a(r, col));
        values.push_back(std::move(v));
        features.push_back(static_cast<std::size_t>(a.cols()));
    }
    neuropop::io::write_model_file((dir / "model.h5").string(), layers.stimuli, layers.names,
                                   values, features);
}

// Summed estimate per kind (one models_summary per region; models items: one per block).
std::map<ItemKind, std::vector<double>> estimates(const fs::path& dir, int layers_per_item) {
    const auto file = dir / "job.ini";
    std::ofstream(file) << "[data]\nsessions = nwb\n[align]\nevent = stim_on_time\nstart = 0\n"
                           "stop = 0.5\n[conditions]\ncolumns = stimulus\n[pca]\nenabled = "
                           "false\n[cvpca]\nenabled = false\n[fa]\nenabled = false\n"
                           "[models]\nenabled = true\nfile = "
                        << (dir / "model.h5").string()
                        << "\ncolumn = stimulus\nwindow = response:0:0.5\n"
                           "layers_per_item = "
                        << layers_per_item << "\n";
    const auto spec = parse_job(file.string(), {});
    const auto plan = make_plan(spec, take_inventory(spec));
    const auto bytes = item_bytes(spec, plan);
    std::map<ItemKind, std::vector<double>> out;
    for (const auto& item : plan.items)
        if (item.block == 0 || item.kind == ItemKind::ModelsSummary)
            out[item.kind].push_back(bytes.at(item.id));
    return out;
}

} // namespace

TEST_CASE("models items' memory estimates grow with stimuli^2 and layers per block",
          "[planner][models]") {
    neuropop::test::TempDir dir("models-item-sizes");
    generate(dir / "small", 8);
    generate(dir / "large", 16);
    const auto small1 = estimates(dir / "small", 1), small2 = estimates(dir / "small", 2),
               large1 = estimates(dir / "large", 1);
    for (const auto kind : {ItemKind::ModelLayers, ItemKind::Models, ItemKind::ModelsSummary}) {
        INFO(to_string(kind));
        REQUIRE(!small1.at(kind).empty());
        for (const double b : small1.at(kind))
            CHECK(b > 0);
    }
    const double n2 = 8.0 * 8.0 * 8.0; // 8 stimuli, doubles
    // A models item of block 0: its population's counts (the same at both block sizes) and
    // (4 k + 6) stimuli^2 doubles, so one more layer per block adds exactly 4 n^2 x 8 bytes (a
    // Gram and an RDM, each held twice).
    CHECK(small2.at(ItemKind::Models)[0] - small1.at(ItemKind::Models)[0] == 4 * n2);
    CHECK(small2.at(ItemKind::ModelLayers)[0] >= small1.at(ItemKind::ModelLayers)[0] + 4 * n2);
    // models_summary: one brain RDM per session, n^2 doubles: twice the stimuli, 4x the bytes.
    CHECK(large1.at(ItemKind::ModelsSummary)[0] == 4 * small1.at(ItemKind::ModelsSummary)[0]);
    CHECK(small1.at(ItemKind::ModelsSummary)[0] == n2);
    // model_layers: the matrices are (4 k + 3) n^2 doubles, the feature block linear in n, so
    // doubling the stimuli more than doubles the estimate and at most quadruples it.
    const double l1 = small1.at(ItemKind::ModelLayers)[0], l2 = large1.at(ItemKind::ModelLayers)[0];
    CHECK(l2 > 2 * l1);
    CHECK(l2 <= 4 * l1);
    CHECK(l1 >= 7 * n2);
}
