// geometry.model_file: the CSV reader (io/model_rdm_file.hpp), its checks, and the symmetric
// matrix it rebuilds from an upper triangle.

#include <catch2/catch.hpp>

#include <fstream>

#include "io/errors.hpp"
#include "io/model_rdm_file.hpp"
#include "tests/support/support.hpp"

namespace t = neuropop::test;
using neuropop::io::InputError;
using neuropop::io::read_model_rdm_file;

namespace {

std::string write(const t::TempDir& dir, const std::string& name, const std::string& text) {
    const auto path = (dir / name).string();
    std::ofstream(path) << text;
    return path;
}

// The message of the InputError reading `file` throws ("" when none).
std::string error_of(const std::string& file) {
    try {
        read_model_rdm_file(file);
    } catch (const InputError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("model RDM file: upper triangles row by row, comments and blank lines skipped",
          "[geometry][model-file]") {
    t::TempDir dir("model-file");
    const auto file = write(dir, "models.csv",
                            "# name, d01, d02, d03, d12, d13, d23\n"
                            "\n"
                            "ramp, 1, 2, 3, 4, 5, 6\n"
                            "  halves ,0,+1,1,1,1,0  \n");
    const auto m = read_model_rdm_file(file);
    REQUIRE(m.conditions == 4);
    REQUIRE(m.models.size() == 2);
    CHECK(m.models[0].name == "ramp");
    CHECK(m.models[1].name == "halves");
    // Row-major 4 x 4, zero diagonal, symmetric: entry (i, j) above the diagonal is the
    // (i, j)-th value in the order (0,1), (0,2), (0,3), (1,2), (1,3), (2,3).
    const std::vector<double> ramp{0, 1, 2, 3, 1, 0, 4, 5, 2, 4, 0, 6, 3, 5, 6, 0};
    CHECK(m.matrix(0) == ramp);
    const std::vector<double> halves{0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 0, 0};
    CHECK(m.matrix(1) == halves);
}

TEST_CASE("model RDM file: every bad file is one InputError naming file, line and rule",
          "[geometry][model-file]") {
    t::TempDir dir("model-file-bad");
    const auto missing = (dir / "absent.csv").string();
    CHECK(error_of(missing) ==
          missing + ": : cannot open the model RDM file (geometry.model_file)");
    const auto empty = write(dir, "empty.csv", "# nothing\n\n");
    CHECK(error_of(empty).find(empty + ": : no model") == 0);
    const auto not_triangle = write(dir, "four.csv", "m, 1, 2, 3, 4\n");
    CHECK(error_of(not_triangle).find(not_triangle + ": line 1: model 'm' has 4 values") == 0);
    const auto unequal = write(dir, "unequal.csv", "a, 1, 2, 3\n# c\nb, 1\n");
    CHECK(error_of(unequal) == unequal + ": line 3: model 'b' has 1 values, line 1 has 3");
    const auto nan = write(dir, "nan.csv", "a, 1, nan, 3\n");
    CHECK(error_of(nan) == nan + ": line 1: value 2 ('nan') of model 'a' is not a finite number");
    const auto twice = write(dir, "twice.csv", "a, 1, 2, 3\na, 3, 2, 1\n");
    CHECK(error_of(twice) == twice + ": line 2: model name 'a' used twice");
    const auto unnamed = write(dir, "unnamed.csv", ", 1, 2, 3\n");
    CHECK(error_of(unnamed) == unnamed + ": line 1: the model has no name");
    for (const auto& f : {missing, empty, not_triangle, unequal, nan, twice, unnamed}) {
        INFO(f);
        CHECK(error_of(f).find('\n') == std::string::npos); // one line
    }
}
