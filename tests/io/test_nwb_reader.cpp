// NwbReader on the NWB files in data/: the 21 Zhang–Desimone IT sessions (expected figures from
// data/zhang-desimone-it/nwb/README.md), the small real files written by other tools
// (data/nwb-small-real/README.md) and the pynwb reference file (data/nwb-reference/README.md).
// Spike values are compared with h5py run by the test itself.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <sstream>
#include <stdexcept>

#include "io/errors.hpp"
#include "io/nwb_reader.hpp"
#include "tests/support/support.hpp"

using neuropop::io::InputError;
using neuropop::io::NwbReader;
using neuropop::io::ReadOptions;
namespace test = neuropop::test;

namespace {

// One row of the "Files" table of data/zhang-desimone-it/nwb/README.md.
struct ItSession {
    int session;
    std::size_t units, trials, spikes;
    std::vector<std::string> unit_names;
};

const std::vector<ItSession>& it_sessions() {
    static const std::vector<ItSession> table = {
        {1001, 4, 420, 7557, {"ch1a", "ch2a", "ch3a", "ch4a"}},
        {1002, 4, 420, 14378, {"ch1a", "ch2a", "ch3a", "ch4a"}},
        {1003, 6, 420, 14103, {"ch1a", "ch2a", "ch3a", "ch3b", "ch4a", "ch4b"}},
        {1004, 5, 420, 16779, {"ch1a", "ch2a", "ch3a", "ch4a", "ch4b"}},
        {1005, 6, 420, 39395, {"ch1a", "ch2a", "ch3a", "ch4a", "ch4b", "ch4c"}},
        {1006, 7, 419, 28297, {"ch1a", "ch2a", "ch2b", "ch3a", "ch3b", "ch4a", "ch4b"}},
        {1007, 5, 420, 41873, {"ch1a", "ch2a", "ch3a", "ch4a", "ch4b"}},
        {1008, 5, 420, 12556, {"ch1a", "ch2a", "ch2b", "ch3a", "ch4a"}},
        {1009, 6, 420, 42119, {"ch1a", "ch2a", "ch2b", "ch3a", "ch4a", "ch4b"}},
        {1010, 6, 420, 37980, {"ch1a", "ch1b", "ch2a", "ch2b", "ch3a", "ch4a"}},
        {1011, 5, 420, 33624, {"ch1a", "ch1b", "ch2a", "ch3a", "ch4a"}},
        {1012, 5, 420, 16789, {"ch1a", "ch2a", "ch3a", "ch3b", "ch4a"}},
        {1013, 5, 420, 21481, {"ch1a", "ch1b", "ch2a", "ch3a", "ch4a"}},
        {1014, 6, 420, 52476, {"ch1a", "ch1b", "ch2a", "ch2b", "ch3a", "ch4a"}},
        {1015,
         9,
         420,
         22007,
         {"ch1a", "ch1b", "ch1c", "ch2a", "ch2b", "ch3a", "ch4a", "ch4b", "ch4c"}},
        {1016, 6, 420, 26157, {"ch1a", "ch1b", "ch2a", "ch3a", "ch3b", "ch4a"}},
        {1017, 7, 420, 28621, {"ch1a", "ch1b", "ch2a", "ch2b", "ch3a", "ch3b", "ch4a"}},
        {1018,
         11,
         420,
         61820,
         {"ch1a", "ch1b", "ch1c", "ch1d", "ch2a", "ch2b", "ch3a", "ch3b", "ch3c", "ch4a", "ch4b"}},
        {1019, 8, 420, 27980, {"ch1a", "ch1b", "ch2a", "ch2b", "ch2c", "ch3a", "ch4a", "ch4b"}},
        {1020, 8, 420, 22742, {"ch1a", "ch1b", "ch2a", "ch2b", "ch3a", "ch3b", "ch3c", "ch4a"}},
        {1021, 8, 420, 34269, {"ch1a", "ch2a", "ch3a", "ch3b", "ch3c", "ch4a", "ch4b", "ch4c"}},
    };
    return table;
}

std::string it_file(int session) {
    return (test::it_sessions_dir() / ("zhang-desimone-it-" + std::to_string(session) + ".nwb"))
        .string();
}

std::vector<std::size_t> all_rows(const NwbReader& r) {
    std::vector<std::size_t> rows(r.info().unit_ids.size());
    std::iota(rows.begin(), rows.end(), std::size_t{0});
    return rows;
}

// h5py's view of a file's units: line 1 the ids, line 2 the index, then one line per unit with
// repr() of every spike time (repr round-trips a double exactly, so the comparison is exact).
const char* const h5py_units = R"(
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
u = f["units"]
print(" ".join(str(int(v)) for v in u["id"][:]))
idx = u["spike_times_index"][:].astype(np.int64)
print(" ".join(str(int(v)) for v in idx))
t = u["spike_times"][:]
start = 0
for end in idx:
    seg = t[start:end]
    if len(sys.argv) > 2 and sys.argv[2] == "sort":
        seg = np.sort(seg)
    print(" ".join(repr(float(v)) for v in seg) if len(seg) else "")
    start = end
)";

// Compares every unit's spikes, read unit by unit, with h5py's.
void check_against_h5py(const std::string& file, const ReadOptions& options, bool sort) {
    NwbReader r(file, options);
    std::string out = test::run_python(h5py_units, sort ? std::vector<std::string>{file, "sort"}
                                                        : std::vector<std::string>{file});
    std::istringstream lines(out);
    std::string line;
    std::getline(lines, line);
    std::vector<double> ids = test::parse_doubles(line);
    std::getline(lines, line);
    std::vector<double> index = test::parse_doubles(line);
    REQUIRE(ids.size() == r.info().unit_ids.size());
    REQUIRE(index.size() == r.info().spike_end.size());
    for (std::size_t u = 0; u < ids.size(); ++u) {
        CHECK(static_cast<double>(r.info().unit_ids[u]) == ids[u]);
        CHECK(static_cast<double>(r.info().spike_end[u]) == index[u]);
    }
    for (std::size_t u = 0; u < ids.size(); ++u) {
        std::getline(lines, line);
        std::vector<double> expected = test::parse_doubles(line);
        std::size_t row[] = {u};
        auto got = r.read_spikes(row);
        REQUIRE(got.units() == 1);
        auto span = got.unit(0);
        REQUIRE(span.size() == expected.size());
        CHECK(std::equal(span.begin(), span.end(), expected.begin()));
    }
}

} // namespace

TEST_CASE("IT sessions: counts, regions, trials and unit names match the README table",
          "[nwb][it]") {
    std::size_t total_units = 0, total_spikes = 0;
    for (const auto& s : it_sessions()) {
        INFO("session " << s.session);
        NwbReader r(it_file(s.session));
        const auto& info = r.info();
        CHECK(info.identifier == "zhang-desimone-it-" + std::to_string(s.session));
        CHECK(info.subject_id == "monkey-ZD");
        CHECK(info.nwb_version == "2.6.0");
        // session_start_time is 2010-01-01 plus (session - 1001) days: sessions 1001..1021 all
        // fall in January 2010.
        char date[32];
        std::snprintf(date, sizeof date, "2010-01-%02d", s.session - 1000);
        CHECK(info.session_start_time.rfind(date, 0) == 0);

        REQUIRE(info.unit_ids.size() == s.units);
        for (std::size_t u = 0; u < s.units; ++u)
            CHECK(info.unit_ids[u] == static_cast<std::int64_t>(u)); // ids 0..n-1
        CHECK(info.n_spikes == s.spikes);
        CHECK(info.spike_end.back() == s.spikes);
        CHECK(info.regions() == std::vector<std::string>{"IT"});
        CHECK(info.units_in("IT").size() == s.units);
        CHECK(info.region_source == "/units/location");
        CHECK(info.unsorted_units.empty());
        auto names = r.unit_column("unit_name");
        CHECK(names.is_string);
        CHECK(names.strings == s.unit_names);

        REQUIRE(info.trials);
        const auto& t = *info.trials;
        REQUIRE(t.rows() == s.trials);
        std::vector<std::string> cols;
        for (const auto& c : t.columns)
            cols.push_back(c.name);
        CHECK(cols == std::vector<std::string>{"start_time", "stop_time", "stimulus_ID",
                                               "stimulus_position", "combined_ID_position",
                                               "stim_on_time"});
        CHECK(t.skipped.empty());
        // README: start_time = 1.0 + 1.5 k, stop_time = start + 1.0, stim_on_time = start + 0.5,
        // "equal the formulas above exactly" (all are exact in binary floating point).
        bool times_ok = true;
        for (std::size_t k = 0; k < t.rows(); ++k) {
            double start = 1.0 + 1.5 * static_cast<double>(k);
            times_ok = times_ok && t.ids[k] == static_cast<std::int64_t>(k) &&
                       t.start_time[k] == start && t.stop_time[k] == start + 1.0 &&
                       t.find("stim_on_time")->numbers[k] == start + 0.5;
        }
        CHECK(times_ok);
        // 7 objects x 3 positions (session_description).
        CHECK(t.find("stimulus_ID")->distinct() == 7);
        CHECK(t.find("stimulus_position")->distinct() == 3);
        CHECK(t.find("combined_ID_position")->distinct() == 21);
        CHECK(t.find("stimulus_ID")->dtype == "vlen utf-8 string");

        // README: every spike lies in [start_time, stop_time) of its trial, trial
        // k = floor((t - 1.0) / 1.5).
        auto spikes = r.read_spikes(all_rows(r));
        REQUIRE(spikes.times.size() == s.spikes);
        bool in_trials = true;
        for (double x : spikes.times) {
            auto k = static_cast<std::size_t>(std::floor((x - 1.0) / 1.5));
            in_trials = in_trials && k < t.rows() && x >= t.start_time[k] && x < t.stop_time[k];
        }
        CHECK(in_trials);
        total_units += s.units;
        total_spikes += s.spikes;
    }
    // README totals: 132 units, 603,003 spikes.
    CHECK(total_units == 132);
    CHECK(total_spikes == 603003);
}

TEST_CASE("IT session 1018: every unit's spikes equal h5py's, whatever the scan block size",
          "[nwb][it][h5py]") {
    ReadOptions options;
    options.spike_scan_block = 1000; // 61,820 spikes: many block edges inside units
    check_against_h5py(it_file(1018), options, false);
    NwbReader full(it_file(1018));
    NwbReader tiny(it_file(1018), ReadOptions{true, 7, false});
    ReadOptions no_scan;
    no_scan.scan_spikes = false;
    NwbReader quick(it_file(1018), no_scan);
    CHECK(full.info().first_spike == tiny.info().first_spike);
    CHECK(full.info().last_spike == tiny.info().last_spike);
    CHECK(full.info().first_spike == quick.info().first_spike);
    CHECK(full.info().last_spike == quick.info().last_spike);
    // The extent is the min / max over all spikes.
    auto all = full.read_spikes(all_rows(full));
    CHECK(full.info().first_spike == *std::min_element(all.times.begin(), all.times.end()));
    CHECK(full.info().last_spike == *std::max_element(all.times.begin(), all.times.end()));
}

TEST_CASE("read_spikes returns the asked rows in the asked order", "[nwb][it]") {
    NwbReader r(it_file(1003));
    auto all = r.read_spikes(all_rows(r));
    std::vector<std::size_t> rows = {4, 0, 4};
    auto some = r.read_spikes(rows);
    REQUIRE(some.units() == 3);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        auto a = some.unit(i), b = all.unit(rows[i]);
        CHECK(std::equal(a.begin(), a.end(), b.begin(), b.end()));
    }
    auto none = r.read_spikes(std::vector<std::size_t>{});
    CHECK(none.units() == 0);
    CHECK(none.times.empty());
    std::size_t bad[] = {6};
    CHECK_THROWS_AS(r.read_spikes(bad), std::out_of_range);
}

TEST_CASE("pynwb reference file: ids, uint16 index, trials and regions via electrodes",
          "[nwb][reference]") {
    std::string file =
        (test::repo_data() / "nwb-reference" / "synthetic_units_trials.nwb").string();
    NwbReader r(file);
    const auto& info = r.info();
    // data/nwb-reference/README.md "Expected contents".
    CHECK(info.nwb_version == "2.6.0");
    CHECK(info.unit_ids == std::vector<std::int64_t>{100, 101, 102, 103, 104, 105, 106, 107});
    CHECK(info.spike_end ==
          std::vector<std::uint64_t>{328, 885, 1090, 1439, 1861, 2367, 2914, 3352});
    CHECK(info.n_spikes == 3352);
    // The file has no /general/subject.
    CHECK(info.subject_id == "unknown");
    // No /units/location: regions come through units/electrodes (first electrode of each unit,
    // electrodes_index is ragged) into the electrodes table, whose location column is
    // "synthetic" in all 16 rows (h5dump -d /general/extracellular_ephys/electrodes/location).
    CHECK(info.region_source == "/general/extracellular_ephys/electrodes/location");
    CHECK(info.unit_regions == std::vector<std::string>(8, "synthetic"));

    auto quality = r.unit_column("quality");
    CHECK(quality.is_string);
    CHECK(quality.dtype == "vlen utf-8 string");
    CHECK(quality.size() == 8);

    REQUIRE(info.trials);
    const auto& t = *info.trials;
    CHECK(t.rows() == 48);
    std::vector<std::string> names, dtypes;
    for (const auto& c : t.columns) {
        names.push_back(c.name);
        dtypes.push_back(c.dtype);
    }
    CHECK(names == std::vector<std::string>{"start_time", "stop_time", "stimulus", "stim_id",
                                            "stim_on_time"});
    CHECK(dtypes ==
          std::vector<std::string>{"float64", "float64", "vlen utf-8 string", "int64", "float64"});
    // 4 conditions x 12 repeats.
    std::map<std::string, int> per_condition;
    for (const auto& s : t.find("stimulus")->strings)
        ++per_condition[s];
    CHECK(per_condition == std::map<std::string, int>{{"grating_0deg", 12},
                                                      {"grating_45deg", 12},
                                                      {"grating_90deg", 12},
                                                      {"grating_135deg", 12}});
    CHECK(t.find("stim_id")->distinct() == 4);
    CHECK_FALSE(t.find("stim_id")->is_string);
    // Trials last 1.0 s with 0.5 s between them, the first at 1.0 s; pynwb stored the values
    // computed in double, so 1e-9 s only absorbs their rounding.
    for (std::size_t k = 0; k < t.rows(); ++k) {
        CHECK(t.start_time[k] == Approx(1.0 + 1.5 * static_cast<double>(k)).margin(1e-9));
        CHECK(t.stop_time[k] == Approx(t.start_time[k] + 1.0).margin(1e-9));
    }
    check_against_h5py(file, ReadOptions{}, false);
}

TEST_CASE("unit_column refuses ragged, reference and absent columns", "[nwb][reference]") {
    std::string file =
        (test::repo_data() / "nwb-reference" / "synthetic_units_trials.nwb").string();
    NwbReader r(file);
    auto refused = [&](const std::string& name, const std::string& rule_part) {
        INFO(name);
        try {
            r.unit_column(name);
            FAIL("no InputError");
        } catch (const InputError& e) {
            CHECK(e.file() == file);
            CHECK(e.path() == "/units/" + name);
            CHECK_THAT(e.rule(), Catch::Contains(rule_part));
        }
    };
    refused("electrodes", "ragged (has electrodes_index)");
    refused("spike_times", "ragged (has spike_times_index)");
    refused("electrode_group", "object references");
    refused("no_such_column", "no such unit column");
    CHECK(r.unit_column("id").numbers.size() == 8);
}

TEST_CASE("DANDI NWB 2.0.2 files: int32 index, fixed-length colnames, NaN stop_time, unsorted "
          "spikes sorted by default and refused when strict",
          "[nwb][real]") {
    struct Expect {
        std::string name, subject, quality, cell_type;
        std::size_t spikes, trials;
        std::uint64_t inversions;
    };
    // data/nwb-small-real/README.md
    const std::vector<Expect> files = {
        {"sub-anm369963_ses-20170228.nwb", "anm369963", "Excellent", "PTlower", 1679, 178, 21},
        {"sub-anm372793_ses-20170508.nwb", "anm372793", "Good", "PTupper", 2434, 340, 20},
    };
    for (const auto& x : files) {
        std::string file = (test::repo_data() / "nwb-small-real" / x.name).string();
        INFO(file);
        // The unit's spike times are stored out of order (h5py: 21 and 20 places where a time
        // is smaller than the one before): counted and sorted by default, refused when strict.
        ReadOptions strict_options;
        strict_options.sort_unsorted_spikes = false;
        try {
            NwbReader strict(file, strict_options);
            FAIL("unsorted spikes accepted");
        } catch (const InputError& e) {
            CHECK(e.file() == file);
            CHECK(e.path() == "/units/spike_times");
            CHECK_THAT(e.rule(), Catch::StartsWith("spike times not sorted within unit row 0 "
                                                   "(id 1001)"));
        }
        NwbReader r(file);
        const auto& info = r.info();
        CHECK(info.nwb_version == "2.0.2");
        CHECK(info.subject_id == x.subject);
        CHECK(info.unit_ids == std::vector<std::int64_t>{1001});
        CHECK(info.n_spikes == x.spikes);
        CHECK(info.spike_end == std::vector<std::uint64_t>{x.spikes});
        CHECK(info.unsorted_units == std::vector<std::size_t>{0});
        CHECK(info.spike_inversions == x.inversions);
        CHECK(r.unit_column("quality").strings == std::vector<std::string>{x.quality});
        CHECK(r.unit_column("cell_type").strings == std::vector<std::string>{x.cell_type});
        // Region: the location of the unit's first electrode, as h5py reads it.
        std::string region = test::run_python(R"(
import sys, h5py
f = h5py.File(sys.argv[1], "r")
row = int(f["units/electrodes"][0])
print(f["general/extracellular_ephys/electrodes/location"][row].decode())
)",
                                              {file});
        region.erase(region.find_last_not_of('\n') + 1);
        CHECK(info.unit_regions == std::vector<std::string>{region});

        REQUIRE(info.trials);
        const auto& t = *info.trials;
        CHECK(t.rows() == x.trials);
        std::set<std::string> names;
        for (const auto& c : t.columns)
            names.insert(c.name);
        CHECK(names == std::set<std::string>{"start_time", "stop_time", "type", "response",
                                             "is_good", "stim_present", "pole_in_time",
                                             "pole_out_time", "cue_start_time"});
        CHECK(std::all_of(t.stop_time.begin(), t.stop_time.end(),
                          [](double v) { return std::isnan(v); }));
        CHECK(t.find("stop_time")->distinct() == 1); // all NaN count as one value
        auto type = t.find("type")->strings;
        CHECK(std::set<std::string>(type.begin(), type.end()) ==
              std::set<std::string>{"lick left", "lick right"});
        auto response = t.find("response")->strings;
        CHECK(std::set<std::string>(response.begin(), response.end()) ==
              std::set<std::string>{"correct", "incorrect", "early lick", "no response"});
        CHECK(t.find("is_good")->dtype == "int32");
        check_against_h5py(file, ReadOptions{}, true);
    }
}

TEST_CASE("pynapple NWB 2.4.0 file: uint16 index, empty locations, no trials table",
          "[nwb][real]") {
    std::string file = (test::repo_data() / "nwb-small-real" / "A8604-211122.nwb").string();
    NwbReader r(file);
    const auto& info = r.info();
    // data/nwb-small-real/README.md
    CHECK(info.nwb_version == "2.4.0");
    CHECK(info.identifier == "A8604-211122");
    CHECK(info.unit_ids == std::vector<std::int64_t>{6, 191, 206});
    CHECK(info.spike_end == std::vector<std::uint64_t>{11020, 15710, 21354});
    CHECK(info.n_spikes == 21354);
    CHECK_FALSE(info.trials.has_value());
    // /units/location holds "" for every unit (and subject_id is ""): both read as "unknown".
    CHECK(info.unit_regions == std::vector<std::string>(3, "unknown"));
    CHECK(info.subject_id == "unknown");
    // Spikes lie within the single epoch, 0-1087.53 s.
    CHECK(info.first_spike >= 0.0);
    CHECK(info.last_spike <= 1087.53);
    auto spikes = r.read_spikes(all_rows(r));
    CHECK(spikes.offsets == std::vector<std::size_t>{0, 11020, 15710, 21354});
}

TEST_CASE("expand_session_paths: files, folders, globs, and errors", "[nwb][paths]") {
    using neuropop::io::expand_session_paths;
    std::string dir = test::it_sessions_dir().string();
    auto all = expand_session_paths({dir});
    REQUIRE(all.size() == 21);
    CHECK(std::is_sorted(all.begin(), all.end()));
    CHECK(all.front() == it_file(1001));
    CHECK(all.back() == it_file(1021));
    auto glob = expand_session_paths({dir + "/zhang-desimone-it-101?.nwb"});
    CHECK(glob.size() == 10); // 1010..1019
    CHECK(glob.front() == it_file(1010));
    // Overlapping arguments give each file once, sorted.
    auto mixed = expand_session_paths({it_file(1005), dir, it_file(1001)});
    CHECK(mixed == all);

    auto refused = [](const std::vector<std::string>& args, const std::string& file,
                      const std::string& rule) {
        try {
            expand_session_paths(args);
            FAIL("no InputError");
        } catch (const InputError& e) {
            CHECK(e.file() == file);
            CHECK(e.path() == "/");
            CHECK_THAT(e.rule(), Catch::Contains(rule));
        }
    };
    refused({dir + "/nope.nwb"}, dir + "/nope.nwb", "no such file or folder");
    refused({dir + "/*.h5"}, dir + "/*.h5", "matches no file");
    test::TempDir empty("empty-folder");
    refused({empty.path().string()}, empty.path().string(), "no *.nwb file");
}

TEST_CASE("trials columns of every kind: fixed/vlen, ASCII/UTF-8, ragged, references, 2-D",
          "[nwb][columns][h5py]") {
    test::TempDir dir("nwb-columns");
    std::string file = (dir / "columns.nwb").string();
    // A copy of the reference file with extra trial and unit columns, written by h5py.
    test::run_python(
        R"(
import sys, shutil, h5py, numpy as np
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "r+") as f:
    t = f["intervals/trials"]
    n = len(t["id"])
    t.create_dataset("label_fixed", data=np.array([b"ab", b"cde"] * (n // 2), dtype="S4"))
    t.create_dataset("label_ascii", data=np.array(["x", "y", "z"] * (n // 3), dtype=object),
                     dtype=h5py.string_dtype("ascii"))
    t.create_dataset("note_utf8", data=np.array(["\u00e9t\u00e9", "hiver"] * (n // 2),
                     dtype=object), dtype=h5py.string_dtype("utf-8"))
    t.create_dataset("tags", data=np.array(["a", "b", "c"], dtype=object),
                     dtype=h5py.string_dtype("utf-8"))
    t.create_dataset("tags_index", data=np.r_[np.zeros(n - 1), 3].astype(np.uint8))
    refs = t.create_dataset("series", (n,), dtype=h5py.ref_dtype)
    for i in range(n):
        refs[i] = f["acquisition/running_speed"].ref
    region = t.create_dataset("electrode", data=np.arange(n) % 16)
    region.attrs["neurodata_type"] = "DynamicTableRegion"
    t.create_dataset("position", data=np.zeros((n, 2)))
    t.attrs["colnames"] = np.array(list(t.attrs["colnames"]) + ["label_fixed", "label_ascii",
        "note_utf8", "tags", "series", "electrode", "position"], dtype=object)
    f["units"].create_dataset("label", data=np.array([b"u%d" % i for i in range(8)], dtype="S3"))
)",
        {(test::repo_data() / "nwb-reference" / "synthetic_units_trials.nwb").string(), file});
    NwbReader r(file);
    REQUIRE(r.info().trials);
    const auto& t = *r.info().trials;
    std::vector<std::string> names;
    for (const auto& c : t.columns)
        names.push_back(c.name);
    CHECK(names == std::vector<std::string>{"start_time", "stop_time", "stimulus", "stim_id",
                                            "stim_on_time", "label_fixed", "label_ascii",
                                            "note_utf8"});
    CHECK(t.skipped ==
          std::vector<std::string>{"tags: ragged (has tags_index), several values per row",
                                   "series: object references",
                                   "electrode: DynamicTableRegion (row references into another "
                                   "table)",
                                   "position: 2-D values per row"});
    CHECK(t.find("label_fixed")->dtype == "fixed ascii string[4]");
    CHECK(t.find("label_fixed")->strings[1] == "cde");
    CHECK(t.find("label_fixed")->distinct() == 2);
    CHECK(t.find("label_ascii")->dtype == "vlen ascii string");
    CHECK(t.find("label_ascii")->distinct() == 3);
    CHECK(t.find("note_utf8")->strings[0] == "\u00e9t\u00e9");
    CHECK(r.unit_column("label").strings[7] == "u7");

    auto run = test::run_command(test::shell_quote(test::binary().string()) + " inspect " +
                                 test::shell_quote(file));
    CHECK(run.exit_code == 0);
    CHECK(run.out.find("    skipped tags: ragged (has tags_index)") != std::string::npos);
    CHECK(run.out.find("    label_fixed   fixed ascii string[4]  2\n") != std::string::npos);
}
