// Network activation files (io/model_file.hpp, docs/MODELS.md), written by the test itself: the
// valid layout is read (order attribute, repeats averaged, feature blocks), and each broken rule
// is refused with an InputError naming the file, the HDF5 path and the rule. (The job-level
// checks, labels against trials columns, run through the binary in tests/e2e/test_run_models.cpp.)

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "io/errors.hpp"
#include "io/h5.hpp"
#include "io/model_file.hpp"
#include "tests/support/support.hpp"

namespace h5 = neuropop::h5;
namespace io = neuropop::io;
namespace fs = std::filesystem;

namespace {

struct MiniModel {
    std::vector<std::string> stimuli{"a", "b", "c", "d", "e"};
    bool numeric = false;
    bool order = true;
    std::vector<std::string> order_names{"fc", "conv"};
    // conv: [5, 2, 3] (2 repeats), fc: [5, 4]
    std::vector<hsize_t> conv_dims{5, 2, 3};
    std::vector<hsize_t> fc_dims{5, 4};
    double poison = 0.0; // written at conv[1, 1, 2] when non-zero
    bool fc_as_int = false;

    void write(const fs::path& path) const {
        auto f = h5::File::create(path.string(), true);
        if (numeric) {
            std::vector<double> v;
            for (std::size_t i = 0; i < stimuli.size(); ++i)
                v.push_back(static_cast<double>(i) + 1.0);
            f.write_dataset("stimuli", v);
        } else {
            f.write_strings("stimuli", stimuli);
        }
        const auto layers = f.create_group("layers");
        if (order) layers.write_attribute("order", order_names);
        auto fill = [](const std::vector<hsize_t>& dims) {
            std::size_t n = 1;
            for (auto d : dims)
                n *= d;
            std::vector<double> v(n);
            for (std::size_t i = 0; i < n; ++i)
                v[i] = static_cast<double>(i);
            return v;
        };
        auto conv = fill(conv_dims);
        if (poison != 0.0 && conv.size() > 11) conv[11] = poison;
        layers.create_group("conv").create_dataset<double>("activations", conv_dims).write(conv);
        if (fc_as_int) {
            std::vector<std::int32_t> v(fc_dims[0] * fc_dims[1], 1);
            layers.create_group("fc").create_dataset<std::int32_t>("activations", fc_dims).write(v);
        } else {
            layers.create_group("fc")
                .create_dataset<double>("activations", fc_dims)
                .write(fill(fc_dims));
        }
    }
};

void expect_refused(const MiniModel& m, const std::string& path, const std::string& rule,
                    bool values = false) {
    neuropop::test::TempDir dir("model-file-bad");
    const auto file = (dir / "m.h5").string();
    m.write(file);
    try {
        const auto info = io::read_model_file_info(file);
        if (values) io::check_model_values(info, {}, 7);
        FAIL("accepted: " << rule);
    } catch (const io::InputError& e) {
        INFO(e.what());
        CHECK(e.file() == file);
        CHECK(e.path() == path);
        CHECK(e.rule().find(rule) != std::string::npos);
    }
}

} // namespace

TEST_CASE("a model file is read in the attribute's order, repeats averaged, in feature blocks",
          "[model-file]") {
    neuropop::test::TempDir dir("model-file");
    const auto file = (dir / "m.h5").string();
    MiniModel{}.write(file);
    const auto info = io::read_model_file_info(file);
    REQUIRE(info.layers.size() == 2);
    CHECK(info.layers[0].name == "fc");
    CHECK(info.layers[1].name == "conv");
    CHECK(info.layers[1].repeats == 2);
    CHECK(info.layers[1].features == 3);
    CHECK(info.stimulus_strings == std::vector<std::string>{"a", "b", "c", "d", "e"});
    // conv[s, r, f] = s*6 + r*3 + f; the mean over r is s*6 + 1.5 + f. Blocks of at most 10
    // numbers over 5 stimuli x 2 repeats: one feature per block.
    std::vector<std::size_t> firsts;
    io::for_each_feature_block(
        info, info.layers[1], 10,
        [&](const std::vector<double>& v, std::size_t first, std::size_t count) {
            REQUIRE(count == 1);
            REQUIRE(v.size() == 5);
            for (std::size_t s = 0; s < 5; ++s)
                CHECK(v[s] == static_cast<double>(s * 6 + first) + 1.5);
            firsts.push_back(first);
        });
    CHECK(firsts == std::vector<std::size_t>{0, 1, 2});
    io::check_model_values(info, {}, 7); // all finite
    MiniModel numeric;
    numeric.numeric = true;
    numeric.write(file);
    CHECK(io::read_model_file_info(file).stimulus_numbers == std::vector<double>{1, 2, 3, 4, 5});
}

TEST_CASE("bad model files are refused with file, path and rule", "[model-file][bad-input]") {
    MiniModel m;
    m.stimuli = {"a", "b", "c"};
    m.conv_dims = {3, 2, 3};
    m.fc_dims = {3, 4};
    expect_refused(m, "/stimuli", "3 stimuli; the comparisons need at least 4");
    m = {};
    m.stimuli = {"a", "b", "a", "d", "e"};
    expect_refused(m, "/stimuli", "label 'a' appears twice");
    m = {};
    m.fc_dims = {5, 1};
    expect_refused(m, "/layers/fc/activations", "1 feature(s); a layer needs at least 2");
    m = {};
    m.fc_dims = {6, 4};
    expect_refused(m, "/layers/fc/activations", "6 rows but /stimuli has 5 labels");
    m = {};
    m.fc_as_int = true;
    expect_refused(m, "/layers/fc/activations", "must be float32 or float64, not int32");
    m = {};
    m.order_names = {"fc"};
    expect_refused(m, "/layers", "layer 'conv' is missing from attribute order");
    m = {};
    m.order_names = {"fc", "conv", "pool"};
    expect_refused(m, "/layers", "attribute order names 'pool', which is not a layer");
    m = {};
    m.poison = std::numeric_limits<double>::quiet_NaN();
    expect_refused(m, "/layers/conv/activations", "NaN at stimulus 1, repeat 1, feature 2", true);
    m.poison = std::numeric_limits<double>::infinity();
    expect_refused(m, "/layers/conv/activations", "infinite value at stimulus 1, repeat 1", true);
    CHECK_THROWS_AS(io::read_model_file_info("/nonexistent/m.h5"), io::InputError);
}
