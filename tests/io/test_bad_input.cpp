// Malformed NWB files, written by the test itself: each must be refused with an InputError naming
// the file, the HDF5 path and the broken rule, and `neuropop inspect` must print exactly that one
// line on stderr, exit 2 and never let HDF5's own error stack (HDF5-DIAG) through.

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "io/errors.hpp"
#include "io/h5.hpp"
#include "io/nwb_reader.hpp"
#include "tests/support/support.hpp"

using neuropop::io::InputError;
using neuropop::io::NwbReader;
using neuropop::io::ReadOptions;
namespace h5 = neuropop::h5;
namespace test = neuropop::test;
namespace fs = std::filesystem;

namespace {

// A small valid NWB 2.x session; each variant changes one thing before write().
struct MiniNwb {
    bool nwb_root = true;
    std::string nwb_version = "2.6.0";
    bool identifier = true;
    bool units = true;
    std::vector<std::int64_t> ids{10, 11, 12};
    // Unit 2 starts before unit 1 ends: only order within a unit is a rule.
    std::vector<double> spike_times{0.1, 0.2, 0.3, 1.0, 1.5, 0.05, 2.1, 2.2, 2.3};
    std::vector<std::int64_t> index{3, 5, 9};
    bool index_as_float = false;
    bool spike_times_as_strings = false;
    bool spike_times_2d = false;
    std::vector<std::int64_t> electrodes;       // units/electrodes rows when not empty
    std::vector<std::int64_t> electrodes_index; // units/electrodes_index when not empty
    std::vector<std::string> unit_location;     // units/location when not empty
    bool electrode_locations = true;            // the electrodes table has a location column
    bool trials = true;
    std::vector<std::int64_t> trial_ids{0, 1, 2, 3};
    std::vector<double> start{1.0, 2.5, 4.0, 5.5};
    std::vector<double> stop{2.0, 3.5, 5.0, 6.5};
    std::vector<std::string> stimulus{"a", "b", "a", "b"};
    bool start_as_int = false;
    std::vector<std::string> extra_colnames; // listed in trials colnames without a dataset

    void write(const fs::path& path) const {
        h5::File f = h5::File::create(path.string(), true);
        if (nwb_root) {
            f.write_attribute("neurodata_type", std::string_view("NWBFile"));
            f.write_attribute("namespace", std::string_view("core"));
            f.write_attribute("nwb_version", std::string_view(nwb_version));
        }
        if (identifier) f.write_strings("identifier", {"mini-session"}, true);
        f.write_strings("session_start_time", {"2024-01-01T00:00:00+00:00"}, true);
        f.create_group("general").create_group("subject").write_strings("subject_id", {"m1"}, true);
        if (units) write_units(f);
        if (trials) write_trials(f);
    }

    void write_units(const h5::File& f) const {
        h5::Group u = f.create_group("units");
        u.write_attribute("neurodata_type", std::string_view("Units"));
        u.write_attribute("colnames", std::vector<std::string>{"spike_times"});
        u.write_dataset("id", ids);
        if (spike_times_as_strings) {
            std::vector<std::string> s;
            for (double t : spike_times)
                s.push_back(std::to_string(t));
            u.write_strings("spike_times", s);
        } else if (spike_times_2d) {
            u.create_dataset<double>("spike_times", {3, 3}).write(spike_times);
        } else {
            u.write_dataset("spike_times", spike_times);
        }
        if (index_as_float) {
            std::vector<double> v(index.begin(), index.end());
            u.write_dataset("spike_times_index", v);
        } else {
            // uint16 as in the IT files; negative entries need a signed type.
            bool negative = std::any_of(index.begin(), index.end(), [](auto v) { return v < 0; });
            if (negative) {
                std::vector<std::int32_t> v(index.begin(), index.end());
                u.write_dataset("spike_times_index", v);
            } else {
                std::vector<std::uint16_t> v(index.begin(), index.end());
                u.write_dataset("spike_times_index", v);
            }
        }
        if (!unit_location.empty()) u.write_strings("location", unit_location);
        if (!electrodes.empty()) {
            u.write_dataset("electrodes", electrodes);
            if (!electrodes_index.empty()) u.write_dataset("electrodes_index", electrodes_index);
            h5::Group e = f.create_group("general/extracellular_ephys").create_group("electrodes");
            e.write_dataset("id", std::vector<std::int64_t>{0, 1});
            if (electrode_locations) e.write_strings("location", {"CA1", "CA3"});
        }
    }

    void write_trials(const h5::File& f) const {
        h5::Group t = f.create_group("intervals").create_group("trials");
        std::vector<std::string> colnames{"start_time", "stop_time", "stimulus"};
        colnames.insert(colnames.end(), extra_colnames.begin(), extra_colnames.end());
        t.write_attribute("colnames", colnames);
        t.write_dataset("id", trial_ids);
        if (start_as_int) {
            std::vector<std::int64_t> v(start.begin(), start.end());
            t.write_dataset("start_time", v);
        } else {
            t.write_dataset("start_time", start);
        }
        t.write_dataset("stop_time", stop);
        t.write_strings("stimulus", stimulus);
    }
};

struct Case {
    std::string name;
    std::function<void(const fs::path&)> make;
    std::string path;          // expected HDF5 path
    std::string rule_part;     // expected part of the rule
    bool only_on_read = false; // a spike-value rule: also check read_spikes with the scan off
    std::size_t unit_row = 0;  // the unit whose read_spikes must fail
    // A rule only kept on request (ReadOptions::sort_unsorted_spikes = false, inspect --strict):
    // by default such a file is read, counted and sorted.
    bool strict_only = false;
};

std::function<void(const fs::path&)> mini(std::function<void(MiniNwb&)> change) {
    return [change](const fs::path& p) {
        MiniNwb m;
        change(m);
        m.write(p);
    };
}

std::vector<Case> cases() {
    const fs::path reference = test::repo_data() / "nwb-reference" / "synthetic_units_trials.nwb";
    return {
        {"truncated",
         [reference](const fs::path& p) {
             fs::copy_file(reference, p);
             fs::resize_file(p, fs::file_size(p) / 2);
         },
         "/",
         "truncated or damaged HDF5 file, " + std::to_string(fs::file_size(reference) / 2) +
             " bytes"},
        {"text file", [](const fs::path& p) { std::ofstream(p) << "not an NWB file\n"; }, "/",
         "not an HDF5 file (no HDF5 signature)"},
        {"empty file", [](const fs::path& p) { std::ofstream{p}; }, "/",
         "not an HDF5 file (empty file)"},
        {"HDF5 but not NWB", mini([](MiniNwb& m) { m.nwb_root = false; }), "/", "not an NWB file"},
        {"NWB 1.x", mini([](MiniNwb& m) { m.nwb_version = "1.0.6"; }), "/@nwb_version",
         "unsupported NWB version"},
        {"no identifier", mini([](MiniNwb& m) { m.identifier = false; }), "/identifier", "missing"},
        {"missing units", mini([](MiniNwb& m) { m.units = false; }), "/units",
         "missing: the file has no units table"},
        {"empty units table", mini([](MiniNwb& m) {
             m.ids.clear();
             m.index.clear();
             m.spike_times.clear();
         }),
         "/units", "empty units table"},
        {"index out of range", mini([](MiniNwb& m) {
             m.index = {3, 12, 9};
         }),
         "/units/spike_times_index", "index out of range: entry 1 is 12 > 9"},
        {"negative index", mini([](MiniNwb& m) {
             m.index = {-1, 5, 9};
         }),
         "/units/spike_times_index", "index out of range: entry 0 is negative"},
        {"non-monotonic index", mini([](MiniNwb& m) {
             m.index = {5, 3, 9};
         }),
         "/units/spike_times_index", "not monotonic non-decreasing: entry 1 (3) < entry 0 (5)"},
        {"index short of the data", mini([](MiniNwb& m) {
             m.index = {3, 5, 8};
         }),
         "/units/spike_times_index", "last index entry 8 != 9"},
        {"id and index lengths differ", mini([](MiniNwb& m) {
             m.ids = {10, 11};
         }),
         "/units/id", "length 2 != length 3"},
        {"NaN spike time", mini([](MiniNwb& m) { m.spike_times[4] = std::nan(""); }),
         "/units/spike_times", "non-finite spike time nan at position 4 (unit row 1, id 11)", true,
         1},
        {"infinite spike time",
         mini([](MiniNwb& m) { m.spike_times[8] = std::numeric_limits<double>::infinity(); }),
         "/units/spike_times", "non-finite spike time inf at position 8 (unit row 2, id 12)", true,
         2},
        {"unsorted spikes within a unit", mini([](MiniNwb& m) { m.spike_times[7] = 2.0; }),
         "/units/spike_times",
         "spike times not sorted within unit row 2 (id 12): position 7 has 2 after 2.1", true, 2,
         true},
        {"spike_times as strings", mini([](MiniNwb& m) { m.spike_times_as_strings = true; }),
         "/units/spike_times", "wrong dtype vlen utf-8 string, expected a floating-point type"},
        {"spike_times 2-D", mini([](MiniNwb& m) { m.spike_times_2d = true; }), "/units/spike_times",
         "expected a 1-D dataset, found shape (3, 3)"},
        {"index as float", mini([](MiniNwb& m) { m.index_as_float = true; }),
         "/units/spike_times_index", "wrong dtype float64, expected an integer type"},
        {"electrode row out of range", mini([](MiniNwb& m) {
             m.electrodes = {0, 1, 7};
         }),
         "/units/electrodes", "electrode row 7 of unit row 2 out of range"},
        // Regions from /units/location: the electrodes are still row references that must hold.
        {"electrode row out of range beside /units/location", mini([](MiniNwb& m) {
             m.unit_location = {"CA1", "CA1", "CA3"};
             m.electrodes = {0, 2, 1};
         }),
         "/units/electrodes",
         "electrode row 2 of unit row 1 out of range of /general/extracellular_ephys/electrodes "
         "(2 rows)"},
        {"negative electrode row beside /units/location", mini([](MiniNwb& m) {
             m.unit_location = {"CA1", "CA1", "CA3"};
             m.electrodes = {0, -1, 1};
         }),
         "/units/electrodes",
         "electrode row -1 of unit row 1 out of range of /general/extracellular_ephys/electrodes "
         "(2 rows)"},
        // A unit's second electrode is as much a reference as its first.
        {"ragged electrodes: a later electrode out of range", mini([](MiniNwb& m) {
             m.electrodes = {0, 1, 5, 1};
             m.electrodes_index = {1, 3, 4};
         }),
         "/units/electrodes",
         "electrode row 5 of unit row 1 out of range of /general/extracellular_ephys/electrodes "
         "(2 rows)"},
        // Without a location column the table's ids still bound the rows.
        {"electrode row out of range of an electrodes table without location", mini([](MiniNwb& m) {
             m.electrodes = {0, 1, 3};
             m.electrode_locations = false;
         }),
         "/units/electrodes",
         "electrode row 3 of unit row 2 out of range of /general/extracellular_ephys/electrodes "
         "(2 rows)"},
        {"duplicate unit ids", mini([](MiniNwb& m) {
             m.ids = {10, 11, 10};
         }),
         "/units/id", "duplicate unit id 10 at rows 0 and 2 (unit ids must be unique)"},
        {"trial columns of unequal length", mini([](MiniNwb& m) {
             m.stimulus = {"a", "b", "a"};
         }),
         "/intervals/trials/stimulus", "trial column length 3 != 4 trial ids"},
        {"start_time not float", mini([](MiniNwb& m) { m.start_as_int = true; }),
         "/intervals/trials/start_time", "wrong dtype int64, expected a floating-point type"},
        {"colnames names a missing column", mini([](MiniNwb& m) { m.extra_colnames = {"choice"}; }),
         "/intervals/trials/choice", "missing (listed in colnames)"},
    };
}

// Checks the InputError of opening (and, for spike-value rules, of read_spikes with the open-time
// scan off), then the CLI's single stderr line. Returns the InputError's message.
void check_case(const Case& c, const fs::path& file) {
    INFO("variant: " << c.name);
    std::string message;
    ReadOptions options;
    options.sort_unsorted_spikes = !c.strict_only;
    try {
        NwbReader r(file.string(), options);
        FAIL("accepted: " << c.name);
    } catch (const InputError& e) {
        CHECK(e.file() == file.string());
        CHECK(e.path() == c.path);
        CHECK_THAT(e.rule(), Catch::Contains(c.rule_part));
        message = e.what();
    }
    if (c.only_on_read) {
        ReadOptions no_scan = options;
        no_scan.scan_spikes = false;
        NwbReader r(file.string(), no_scan);
        std::size_t rows[] = {c.unit_row};
        try {
            r.read_spikes(rows);
            FAIL("read_spikes accepted: " << c.name);
        } catch (const InputError& e) {
            CHECK(e.path() == c.path);
            CHECK_THAT(e.rule(), Catch::Contains(c.rule_part));
        }
    }
    auto run =
        test::run_command(test::shell_quote(test::binary().string()) + " inspect " +
                          (c.strict_only ? "--strict " : "") + test::shell_quote(file.string()));
    CHECK(run.exit_code == 2);
    CHECK(run.err == "neuropop inspect: " + message + "\n"); // one line: file, path, rule
    CHECK(run.err.find(file.filename().string()) != std::string::npos);
    CHECK(run.out.find("HDF5-DIAG") == std::string::npos);
    CHECK(run.err.find("HDF5-DIAG") == std::string::npos);
}

} // namespace

TEST_CASE("the valid mini session is accepted (control for every variant)", "[nwb][bad-input]") {
    test::TempDir dir("bad-input-control");
    fs::path file = dir / "valid.nwb";
    MiniNwb{}.write(file);
    NwbReader r(file.string());
    CHECK(r.info().unit_ids == std::vector<std::int64_t>{10, 11, 12});
    CHECK(r.info().n_spikes == 9);
    CHECK(r.info().first_spike == 0.05);
    CHECK(r.info().last_spike == 2.3);
    REQUIRE(r.info().trials);
    CHECK(r.info().trials->rows() == 4);
    MiniNwb with_electrodes;
    with_electrodes.electrodes = {0, 1, 1};
    fs::path file2 = dir / "valid-electrodes.nwb";
    with_electrodes.write(file2);
    CHECK(NwbReader(file2.string()).info().unit_regions ==
          std::vector<std::string>{"CA1", "CA3", "CA3"});
    auto run = test::run_command(test::shell_quote(test::binary().string()) + " inspect " +
                                 test::shell_quote(file.string()));
    CHECK(run.exit_code == 0);
    CHECK(run.err.empty());
}

TEST_CASE("malformed NWB files written by the test are refused with file, path and rule",
          "[nwb][bad-input]") {
    test::TempDir dir("bad-input");
    int n = 0;
    for (const auto& c : cases()) {
        fs::path file = dir / ("variant-" + std::to_string(n++) + ".nwb");
        c.make(file);
        check_case(c, file);
    }
    CHECK(n >= 10);
}

TEST_CASE("an unsorted unit is caught across a scan block edge: refused when strict, else sorted",
          "[nwb][bad-input]") {
    test::TempDir dir("bad-input-block");
    fs::path file = dir / "edge.nwb";
    MiniNwb m;
    // Unit 2 = positions 5..8 = 2.15 | 2.1, 2.2 | 2.3 with 2-value blocks [4,5] [6,7] [8]: the
    // decrease is exactly at a block edge.
    m.spike_times[5] = 2.15;
    m.write(file);
    for (std::size_t block : {std::size_t{2}, std::size_t{1} << 20}) {
        INFO("block " << block);
        ReadOptions o;
        o.spike_scan_block = block;
        o.sort_unsorted_spikes = false;
        try {
            NwbReader r(file.string(), o);
            FAIL("accepted");
        } catch (const InputError& e) {
            CHECK(e.path() == "/units/spike_times");
            CHECK_THAT(e.rule(), Catch::Contains("unit row 2 (id 12): position 6 has 2.1 after "
                                                 "2.15"));
        }
        o.sort_unsorted_spikes = true;
        NwbReader r(file.string(), o);
        CHECK(r.info().unsorted_units == std::vector<std::size_t>{2});
        CHECK(r.info().spike_inversions == 1);
        std::size_t rows[] = {2};
        auto s = r.read_spikes(rows);
        CHECK(std::vector<double>(s.times.begin(), s.times.end()) ==
              std::vector<double>{2.1, 2.15, 2.2, 2.3});
    }
}

TEST_CASE("real-file edits with h5py: missing units, short trial column, corrupt chunk",
          "[nwb][bad-input][h5py]") {
    test::TempDir dir("bad-input-h5py");
    const fs::path reference = test::repo_data() / "nwb-reference" / "synthetic_units_trials.nwb";
    // One script writes the three edited copies of the reference file.
    test::run_python(R"(
import sys, shutil, h5py, numpy as np
src, out = sys.argv[1], sys.argv[2]
shutil.copy(src, out + "/no-units.nwb")
with h5py.File(out + "/no-units.nwb", "r+") as f:
    del f["units"]
shutil.copy(src, out + "/short-column.nwb")
with h5py.File(out + "/short-column.nwb", "r+") as f:
    v = f["intervals/trials/stim_id"][:47]
    del f["intervals/trials/stim_id"]
    f["intervals/trials"].create_dataset("stim_id", data=v)
shutil.copy(src, out + "/corrupt-chunk.nwb")
with h5py.File(out + "/corrupt-chunk.nwb", "r+") as f:
    t = f["units/spike_times"][:]
    del f["units/spike_times"]
    d = f["units"].create_dataset("spike_times", data=t, chunks=(512,), compression="gzip")
    info = d.id.get_chunk_info(2)
    offset, size = info.byte_offset, info.size
with open(out + "/corrupt-chunk.nwb", "r+b") as raw:
    raw.seek(offset)
    raw.write(b"\xff" * size)
)",
                     {reference.string(), dir.path().string()});
    // The corrupt chunk is refused by HDF5 (deflate fails) while the spike scan reads it: the
    // h5::Error becomes an InputError on the dataset, naming the failed call.
    std::vector<Case> edited = {
        {"h5py: units deleted", nullptr, "/units", "missing: the file has no units table"},
        {"h5py: trial column cut to 47 rows", nullptr, "/intervals/trials/stim_id",
         "trial column length 47 != 48 trial ids"},
        {"h5py: corrupt gzip chunk of spike_times", nullptr, "/units/spike_times", "(H5Dread)"},
    };
    check_case(edited[0], dir / "no-units.nwb");
    check_case(edited[1], dir / "short-column.nwb");
    check_case(edited[2], dir / "corrupt-chunk.nwb");
}

TEST_CASE("real-file edits with h5py: broken electrode references and duplicate unit ids",
          "[nwb][bad-input][h5py]") {
    // The IT files take regions from /units/location and also hold /units/electrodes (ragged,
    // into a 4-row electrodes table): the references are checked all the same.
    test::TempDir dir("bad-input-h5py-units");
    const fs::path it = test::it_sessions_dir() / "zhang-desimone-it-1001.nwb";
    test::run_python(R"(
import sys, shutil, h5py
src, out = sys.argv[1], sys.argv[2]
for name, edit in [("electrode-9", lambda f: f["units/electrodes"].__setitem__(2, 9)),
                   ("electrode-neg", lambda f: f["units/electrodes"].__setitem__(0, -3)),
                   ("dup-id", lambda f: f["units/id"].__setitem__(3, 1))]:
    shutil.copy(src, out + "/" + name + ".nwb")
    with h5py.File(out + "/" + name + ".nwb", "r+") as f:
        edit(f)
)",
                     {it.string(), dir.path().string()});
    const std::vector<std::pair<Case, std::string>> edited = {
        {{"h5py: electrode row 9 of a 4-row table", nullptr, "/units/electrodes",
          "electrode row 9 of unit row 2 out of range of /general/extracellular_ephys/electrodes "
          "(4 rows)"},
         "electrode-9.nwb"},
        {{"h5py: negative electrode row", nullptr, "/units/electrodes",
          "electrode row -3 of unit row 0 out of range of /general/extracellular_ephys/electrodes "
          "(4 rows)"},
         "electrode-neg.nwb"},
        {{"h5py: unit id 1 twice", nullptr, "/units/id",
          "duplicate unit id 1 at rows 1 and 3 (unit ids must be unique)"},
         "dup-id.nwb"},
    };
    for (const auto& [c, name] : edited)
        check_case(c, dir / name);
}
