// The fuzz targets' inputs, replayed without clang: every file kept in tests/fuzz/corpus/<target>
// (minimised crash inputs, each one a bug that was fixed) and the seeds go through the same
// harness functions the libFuzzer targets call. A clean refusal is fine; any other exception, a
// sanitizer report (the ASan tier runs these too) or HDF5's own error stack on stderr fails.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include "io/errors.hpp"
#include "io/h5.hpp"
#include "io/nwb_reader.hpp"
#include "tests/fuzz/hdf5_mutator.hpp"
#include "tests/fuzz/job_parser_harness.hpp"
#include "tests/fuzz/nwb_reader_harness.hpp"
#include "tests/support/support.hpp"

namespace fs = std::filesystem;
namespace fuzz = neuropop::fuzz;
namespace test = neuropop::test;

namespace {

fs::path fuzz_dir() {
    return fs::path(NEUROPOP_SOURCE_DIR) / "tests" / "fuzz";
}

std::vector<fs::path> files_in(const fs::path& dir) {
    std::vector<fs::path> out;
    if (fs::is_directory(dir))
        for (const auto& e : fs::directory_iterator(dir))
            if (e.is_regular_file() && e.path().filename() != "README.md") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::uint8_t> bytes_of(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Everything written to file descriptor 2 while `f` runs (HDF5 prints its stack there).
template <typename F>
std::string stderr_of(F&& f) {
    std::fflush(stderr);
    const fs::path capture =
        fs::temp_directory_path() / ("neuropop-fuzz-stderr-" + std::to_string(::getpid()) + ".txt");
    std::FILE* sink = std::fopen(capture.c_str(), "w+");
    REQUIRE(sink != nullptr);
    const int saved = ::dup(2);
    ::dup2(::fileno(sink), 2);
    try {
        f();
    } catch (...) {
        std::fflush(stderr);
        ::dup2(saved, 2);
        ::close(saved);
        std::fclose(sink);
        fs::remove(capture);
        throw;
    }
    std::fflush(stderr);
    ::dup2(saved, 2);
    ::close(saved);
    std::fclose(sink);
    std::ifstream in(capture);
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    fs::remove(capture);
    return text;
}

} // namespace

TEST_CASE("fuzz corpus: every kept NWB input is read or refused cleanly", "[fuzz][nwb]") {
    auto files = files_in(fuzz_dir() / "corpus" / "nwb_reader");
    const auto seeds = files_in(fuzz_dir() / "seeds" / "nwb_reader");
    files.insert(files.end(), seeds.begin(), seeds.end());
    for (const auto& file : files) {
        INFO(file.string());
        std::string err;
        REQUIRE_NOTHROW(err = stderr_of([&] { (void)fuzz::check_nwb_file(file.string()); }));
        CHECK(err.find("HDF5-DIAG") == std::string::npos);
    }
}

TEST_CASE("fuzz harness: the NWB seeds are accepted by both readings", "[fuzz][nwb]") {
    for (const fs::path& file : {test::repo_data() / "nwb-reference" / "synthetic_units_trials.nwb",
                                 test::it_sessions_dir() / "zhang-desimone-it-1001.nwb"}) {
        INFO(file.string());
        // Through the bytes, as the fuzz target gets them.
        const auto outcome = fuzz::check_nwb_bytes(bytes_of(file));
        CHECK(outcome.inspect == fuzz::Outcome::Accepted);
        CHECK(outcome.run == fuzz::Outcome::Accepted);
    }
}

TEST_CASE("fuzz mutator: value mutants of a real file are read or refused cleanly", "[fuzz][nwb]") {
    const auto seed = bytes_of(test::it_sessions_dir() / "zhang-desimone-it-1001.nwb");
    std::mt19937_64 rng(20261206);
    {
        // Metadata mutants are not read here: damaged HDF5 metadata can make Debian's HDF5 1.10
        // itself read out of bounds (scripts/fuzz counts those apart), which the ASan tier would
        // report. Only check that the mutator finds its places in an ordinary pynwb file.
        auto mutant = seed;
        CHECK(fuzz::mutate_hdf5_metadata(mutant.data(), mutant.size(), rng) == mutant.size());
        CHECK(mutant != seed);
    }
    // Value mutants change numbers in datasets (spike times, indexes, trial times), which HDF5
    // only copies: every outcome is the reader's.
    std::size_t refused = 0;
    const int n = 60;
    for (int i = 0; i < n; ++i) {
        auto mutant = seed;
        REQUIRE(fuzz::mutate_hdf5_values(mutant.data(), mutant.size(), rng) == mutant.size());
        INFO("mutant " << i);
        std::string err;
        fuzz::NwbOutcome outcome;
        REQUIRE_NOTHROW(err = stderr_of([&] { outcome = fuzz::check_nwb_bytes(mutant); }));
        CHECK(err.find("HDF5-DIAG") == std::string::npos);
        refused += outcome.inspect == fuzz::Outcome::Refused;
    }
    // All refused, or all accepted, would mean the mutations miss their mark.
    CHECK(refused > 0);
    CHECK(refused < static_cast<std::size_t>(n));
}

TEST_CASE("fuzz corpus: every kept job input is checked without an exception", "[fuzz][jobs]") {
    auto files = files_in(fuzz_dir() / "corpus" / "job_parser");
    const auto seeds = files_in(fuzz_dir() / "seeds" / "job_parser");
    files.insert(files.end(), seeds.begin(), seeds.end());
    for (const auto& file : files_in(fs::path(NEUROPOP_SOURCE_DIR) / "examples" / "jobs"))
        if (file.extension() == ".ini") files.push_back(file);
    for (const auto& file : files) {
        INFO(file.string());
        REQUIRE_NOTHROW(fuzz::check_job_bytes(bytes_of(file)));
    }
}

TEST_CASE("fuzz harness: the job input splits into INI text and one flag per line",
          "[fuzz][jobs]") {
    const std::string raw = std::string("[pca]\ncomponents = 3\n") + '\0' + "--force\n\n--seed\n7";
    const auto in =
        fuzz::split_job_input({reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()});
    CHECK(in.ini_text == "[pca]\ncomponents = 3\n");
    CHECK(in.flags == std::vector<std::string>{"--force", "--seed", "7"});
    CHECK(fuzz::check_job_input(
              {"[data]\nsessions = a.nwb\n[conditions]\ncolumns = s\n", {"--force"}}) == 0);
    CHECK(fuzz::check_job_input({"[pca]\ncomponents = x\n", {}}) > 0);
}

// Found by the NWB fuzz target: a damaged dataspace made /units/id declare about 4.5e16 elements
// in a 190 KB file, and the reader tried to allocate them. Reduced here to its cause: a dataset
// that declares far more than the file stores is refused before any allocation.
TEST_CASE("a dataset declaring far more elements than the file stores is refused", "[fuzz][nwb]") {
    test::TempDir dir("fuzz-declared-size");
    const auto file = (dir / "declared.nwb").string();
    {
        neuropop::h5::File f = neuropop::h5::File::create(file, true);
        f.write_attribute("neurodata_type", std::string_view("NWBFile"));
        f.write_attribute("nwb_version", std::string_view("2.6.0"));
        f.write_strings("identifier", {"declared"}, true);
        // Never written: contiguous storage stays unallocated, so the file holds 0 bytes of it.
        f.create_group("units").create_dataset<std::int64_t>("id", {hsize_t{1} << 45});
    }
    try {
        neuropop::io::NwbReader reader(file);
        FAIL("the file was accepted");
    } catch (const neuropop::io::InputError& e) {
        CHECK(e.path() == "/units/id");
        CHECK(e.rule().find("declares 35184372088832 elements of 8 bytes but the file stores 0 "
                            "bytes") != std::string::npos);
    }
}

// Found by the NWB fuzz target in CI: a read of [start, start + count) allocated `count` elements
// before HDF5 checked the selection, so a damaged index asked operator new for 824 GB. The range
// is now checked first (under the ASan tier an allocation that size would itself fail the test).
TEST_CASE("a row range outside a dataset is refused before any allocation", "[fuzz][nwb]") {
    test::TempDir dir("fuzz-read-range");
    const auto file = (dir / "range.h5").string();
    {
        neuropop::h5::File f = neuropop::h5::File::create(file, true);
        f.write_dataset("x", std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    }
    neuropop::h5::File f = neuropop::h5::File::open(file);
    const auto x = f.open_dataset("x");
    CHECK(x.read_range<double>(8, 2) == std::vector<double>{8, 9});
    CHECK(x.read_range<double>(10, 0).empty());
    CHECK_THROWS_WITH(x.read_range<double>(8, hsize_t{1} << 40),
                      Catch::Contains("rows [8, 8 + 1099511627776) outside the dataset's 10 rows"));
    CHECK_THROWS_AS(x.read_range<double>(11, 0), neuropop::h5::Error);
}
