// bin_spikes on the 21 real Zhang–Desimone IT sessions, read with io::NwbReader, against numpy's
// searchsorted on the same files read with h5py (docs/ANALYSES.md §1: searchsorted differences give
// the identical counts). Every count is compared exactly.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <regex>
#include <string>
#include <vector>

#include "io/nwb_reader.hpp"
#include "kernels/binning.hpp"
#include "tests/support/support.hpp"

namespace fs = std::filesystem;
using neuropop::kernels::BinWindow;
using neuropop::kernels::CountTensor;

namespace {

struct Config {
    std::string column; // trials column the window is aligned to
    BinWindow window;
};

// Per file and config, writes the counts [trials, units, bins] in sparse form (flat indices of
// the non-zero counts as uint64, their values as uint32) and prints "shape t u b".
const char* reference_script = R"PY(
import os, sys
import h5py
import numpy as np

out = sys.argv[1]
configs = [c.split(":") for c in sys.argv[2].split(",")]
for fi, path in enumerate(sys.argv[3:]):
    with h5py.File(path, "r") as f:
        spikes = f["units/spike_times"][:]
        end = f["units/spike_times_index"][:].astype(np.int64)
        trials = f["intervals/trials"]
        columns = {name: trials[name][:] for name, _, _, _ in configs}
    begin = np.concatenate([[0], end[:-1]])
    for ci, (name, start, stop, width) in enumerate(configs):
        start, stop, width = float(start), float(stop), float(width)
        bins = int(round((stop - start) / width))
        align = columns[name]
        align = align[~np.isnan(align)]
        edges = ((align[:, None] + start) + np.arange(bins + 1) * width).ravel()
        counts = np.empty((align.size, end.size, bins), dtype=np.uint32)
        for u in range(end.size):
            idx = np.searchsorted(spikes[begin[u]:end[u]], edges, side="left")
            counts[:, u, :] = np.diff(idx.reshape(align.size, bins + 1), axis=1)
        flat = counts.ravel()
        nz = np.flatnonzero(flat)
        stem = os.path.join(out, "%d_%d" % (fi, ci))
        nz.astype("<u8").tofile(stem + ".idx")
        flat[nz].astype("<u4").tofile(stem + ".val")
        print("shape", *counts.shape)
)PY";

std::string format_configs(const std::vector<Config>& configs) {
    std::string s;
    for (const auto& c : configs) {
        char buf[128];
        std::snprintf(buf, sizeof buf, "%s:%.17g:%.17g:%.17g", c.column.c_str(), c.window.start,
                      c.window.stop, c.window.width);
        s += (s.empty() ? "" : ",") + std::string(buf);
    }
    return s;
}

template <typename T>
std::vector<T> read_raw(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    REQUIRE(in.good());
    std::vector<T> v(fs::file_size(file) / sizeof(T));
    in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(T)));
    return v;
}

std::vector<std::string> session_files() {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(neuropop::test::it_sessions_dir()))
        if (e.path().extension() == ".nwb") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

// The per-file spike totals of the README's "Files" table, e.g.
// | `zhang-desimone-it-1001.nwb` | ... | 4 | 420 | 7,557 | 341,640 | ... |
std::map<std::string, std::uint64_t> readme_spike_totals() {
    std::ifstream in(neuropop::test::it_sessions_dir() / "README.md");
    const std::regex row(R"(^\| `([^`]+\.nwb)` \|[^|]*\|[^|]*\|[^|]*\|[^|]*\| (\d+) \| (\d+) \| )"
                         R"(([\d,]+) \|)");
    std::map<std::string, std::uint64_t> totals;
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
        if (std::regex_search(line, m, row)) {
            std::string digits = m[4].str();
            digits.erase(std::remove(digits.begin(), digits.end(), ','), digits.end());
            totals[m[1].str()] = std::stoull(digits);
        }
    return totals;
}

struct Binned {
    CountTensor counts;
    std::uint64_t total = 0;
};

// Bins every config on every file with NwbReader + bin_spikes, runs the numpy reference on the
// same files and requires every count to be identical. Returns our tensors [file][config].
std::vector<std::vector<Binned>> compare_with_numpy(const std::vector<std::string>& files,
                                                    const std::vector<Config>& configs) {
    neuropop::test::TempDir tmp("binning-ref");
    std::vector<std::string> args{tmp.path().string(), format_configs(configs)};
    args.insert(args.end(), files.begin(), files.end());
    const std::vector<double> shapes = neuropop::test::parse_doubles(std::regex_replace(
        neuropop::test::run_python(reference_script, args), std::regex("shape"), ""));
    REQUIRE(shapes.size() == 3 * files.size() * configs.size());

    std::vector<std::vector<Binned>> result(files.size());
    for (std::size_t fi = 0; fi < files.size(); ++fi) {
        neuropop::io::NwbReader reader(files[fi]);
        const auto& info = reader.info();
        std::vector<std::size_t> rows(info.unit_ids.size());
        std::iota(rows.begin(), rows.end(), 0);
        const auto spikes = reader.read_spikes(rows);
        REQUIRE(info.trials.has_value());
        for (std::size_t ci = 0; ci < configs.size(); ++ci) {
            INFO(files[fi] << " aligned to " << configs[ci].column << ", window ["
                           << configs[ci].window.start << ", " << configs[ci].window.stop
                           << ") width " << configs[ci].window.width);
            const auto* column = info.trials->find(configs[ci].column);
            REQUIRE(column != nullptr);
            Binned ours{neuropop::kernels::bin_spikes(spikes, column->numbers, configs[ci].window)};
            const CountTensor& c = ours.counts;
            const std::size_t shape_at = 3 * (fi * configs.size() + ci);
            REQUIRE(static_cast<double>(c.n_trials) == shapes[shape_at]);
            REQUIRE(static_cast<double>(c.n_units) == shapes[shape_at + 1]);
            REQUIRE(static_cast<double>(c.n_bins) == shapes[shape_at + 2]);

            const fs::path stem = tmp / (std::to_string(fi) + "_" + std::to_string(ci));
            const auto idx = read_raw<std::uint64_t>(stem.string() + ".idx");
            const auto val = read_raw<std::uint32_t>(stem.string() + ".val");
            REQUIRE(idx.size() == val.size());
            // Same non-zero count, and every numpy non-zero equal to ours: the tensors are equal.
            std::size_t ours_nonzero = 0, mismatches = 0;
            for (std::uint32_t v : c.values) {
                ours_nonzero += v != 0;
                ours.total += v;
            }
            for (std::size_t i = 0; i < idx.size(); ++i)
                mismatches += idx[i] >= c.values.size() || c.values[idx[i]] != val[i];
            CHECK(ours_nonzero == idx.size());
            CHECK(mismatches == 0);
            result[fi].push_back(std::move(ours));
        }
    }
    return result;
}

} // namespace

TEST_CASE("IT sessions: stim-aligned counts equal numpy searchsorted", "[binning][reference]") {
    const auto files = session_files();
    REQUIRE(files.size() == 21); // README: "21 NWB files"
    // The README's reference windows: [-0.5, 0.5) in 50 ms bins and its decoding feature, one
    // bin 0.1-0.5 s after stimulus onset.
    const std::vector<Config> configs{{"stim_on_time", {-0.5, 0.5, 0.05}},
                                      {"stim_on_time", {0.1, 0.5, 0.4}}};
    const auto binned = compare_with_numpy(files, configs);

    // README: "the number of spikes with stim_on_time + 0.1 <= t < stim_on_time + 0.5 ... The
    // mean count is 4.61 spikes per unit per trial", over all 132 units. It is printed to two
    // decimals, so the mean must round to it: within 0.005.
    std::uint64_t spikes = 0, unit_trials = 0, units = 0;
    for (const auto& file : binned) {
        spikes += file[1].total;
        unit_trials += file[1].counts.n_trials * file[1].counts.n_units;
        units += file[1].counts.n_units;
    }
    CHECK(units == 132);
    CHECK(std::abs(static_cast<double>(spikes) / static_cast<double>(unit_trials) - 4.61) <= 0.005);
}

TEST_CASE("IT sessions: 1 ms bins between and on the spikes equal numpy searchsorted",
          "[binning][reference]") {
    const auto files = session_files();
    REQUIRE(files.size() == 21);
    // Spikes sit at bin centres start_time + j * 0.001 + 0.0005 (README "Timing convention"):
    // [0, 1) puts every edge half a bin from the spikes, [0.0005, 1.0005) puts the edges on the
    // spikes (all but ~0.3% of them compare equal to an edge), where only the exact edge
    // arithmetic and the half-open rule decide the bin.
    const std::vector<Config> configs{{"start_time", {0.0, 1.0, 0.001}},
                                      {"start_time", {0.0005, 1.0005, 0.001}}};
    const auto binned = compare_with_numpy(files, configs);

    // README: every spike lies in [start_time, stop_time) = [start, start + 1) of its trial, so
    // the [0, 1) window counts each file's spikes exactly once; totals from the README table.
    const auto totals = readme_spike_totals();
    REQUIRE(totals.size() == 21);
    std::uint64_t all = 0;
    for (std::size_t fi = 0; fi < files.size(); ++fi) {
        const std::string name = fs::path(files[fi]).filename().string();
        INFO(name);
        REQUIRE(totals.count(name) == 1);
        CHECK(binned[fi][0].total == totals.at(name));
        all += binned[fi][0].total;
    }
    CHECK(all == 603003); // README: "603,003 spikes in total"
}
