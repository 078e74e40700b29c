// `neuropop inspect` as users run it: folders, globs, the human table, --json (parsed by Python's
// json module), --help, usage errors and a bad file among good ones. Expected figures come from
// the data READMEs (data/zhang-desimone-it/nwb/README.md, data/nwb-small-real/README.md).

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "tests/support/support.hpp"

namespace test = neuropop::test;
namespace fs = std::filesystem;

namespace {

test::CommandResult inspect(const std::string& args) {
    return test::run_command(test::shell_quote(test::binary().string()) + " inspect " + args);
}

std::string q(const fs::path& p) {
    return test::shell_quote(p.string());
}

std::size_t count_lines(const std::string& s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

std::size_t count_of(const std::string& s, const std::string& needle) {
    std::size_t n = 0;
    for (auto pos = s.find(needle); pos != std::string::npos; pos = s.find(needle, pos + 1))
        ++n;
    return n;
}

// Parses inspect's JSON with Python's json module and prints "<sessions> <units> <spikes>
// <errors>" followed by each session's trial rows (-1 when trials is null).
const char* const json_summary = R"(
import json, sys
d = json.load(open(sys.argv[1]))
s = d["sessions"]
print(len(s), sum(x["units"] for x in s), sum(x["spikes"] for x in s), len(d["errors"]),
      " ".join(str(x["trials"]["rows"] if x["trials"] else -1) for x in s))
)";

} // namespace

TEST_CASE("inspect on the IT folder lists all 21 sessions quickly", "[inspect][it]") {
    auto t0 = std::chrono::steady_clock::now();
    auto r = inspect(q(test::it_sessions_dir()));
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    for (int s = 1001; s <= 1021; ++s)
        CHECK(count_of(r.out,
                       "identifier          zhang-desimone-it-" + std::to_string(s) + "\n") == 1);
    CHECK(count_of(r.out, "subject             monkey-ZD\n") == 21);
    // README totals: 132 units, 603,003 spikes.
    CHECK(r.out.find("21 of 21 sessions read: 132 units, 603003 spikes\n") != std::string::npos);
    // 1.5 MB of spikes and 21 small trials tables: measured ~0.05 s; 10 s leaves room for a
    // loaded machine and sanitizer builds while still catching a per-spike HDF5 call.
    CHECK(seconds < 10.0);
}

TEST_CASE("inspect prints one IT session's metadata, regions, trials and columns",
          "[inspect][it]") {
    auto r = inspect(q(test::it_sessions_dir() / "zhang-desimone-it-1006.nwb"));
    CHECK(r.exit_code == 0);
    CHECK(r.err.empty());
    // Session 1006 (README table): 7 units, 419 trials, 28,297 spikes; all units in IT.
    for (const char* line : {
             "  identifier          zhang-desimone-it-1006\n",
             "  nwb_version         2.6.0\n",
             "  session_start_time  2010-01-06",
             "  units               7 in 1 region (region from /units/location)\n",
             "         7  IT\n",
             "  spikes              28297\n",
             "first to last spike",
             "  trials              419, 1 to 629 s\n", // last stop: 1.0 + 1.5 * 418 + 1.0
             "    stimulus_ID           vlen utf-8 string  7\n",
             "    stimulus_position     vlen utf-8 string  3\n",
             "    combined_ID_position  vlen utf-8 string  21\n",
             "    start_time            float64            419\n",
         }) {
        INFO(line);
        CHECK(r.out.find(line) != std::string::npos);
    }
    // A single file gets no totals line.
    CHECK(r.out.find("sessions read") == std::string::npos);
}

TEST_CASE("inspect --json is valid JSON with the README's counts", "[inspect][json]") {
    test::TempDir dir("inspect-json");
    auto r = inspect("--json " + q(test::it_sessions_dir()) + " " +
                     q(test::repo_data() / "nwb-small-real"));
    CHECK(r.exit_code == 0);
    // The two DANDI files store their spikes unsorted: one warning line each, nothing else.
    CHECK(count_lines(r.err) == 2);
    CHECK(count_of(r.err, "inversions within units; sorted on read") == 2);
    std::ofstream(dir / "out.json") << r.out;
    auto summary = test::run_python(json_summary, {(dir / "out.json").string()});
    // 21 IT sessions (132 units, 603,003 spikes) + A8604 (3 units, 21,354 spikes, no trials) +
    // the two DANDI files (1 unit each, 1,679 and 2,434 spikes; 178 and 340 trials); files sorted
    // by path, so the small-real files come first.
    std::string expected_rows = "-1 178 340";
    for (int s = 1001; s <= 1021; ++s)
        expected_rows += s == 1006 ? " 419" : " 420";
    CHECK(summary == "24 137 628470 0 " + expected_rows + "\n");
}

TEST_CASE("inspect reads quoted globs itself", "[inspect][paths]") {
    auto r = inspect(q(test::it_sessions_dir() / "zhang-desimone-it-100?.nwb"));
    CHECK(r.exit_code == 0);
    CHECK(count_of(r.out, "  identifier  ") == 9); // 1001..1009
    CHECK(r.out.find("9 of 9 sessions read") != std::string::npos);
    auto none = inspect(q(test::it_sessions_dir() / "*.h5"));
    CHECK(none.exit_code == 2);
    CHECK(count_lines(none.err) == 1);
    CHECK(none.err.find("pattern matches no file") != std::string::npos);
}

TEST_CASE("a bad file among good ones: good ones reported, one stderr line, exit 2",
          "[inspect][bad-input]") {
    test::TempDir dir("inspect-mixed");
    for (int s : {1001, 1002})
        fs::copy_file(test::it_sessions_dir() / ("zhang-desimone-it-" + std::to_string(s) + ".nwb"),
                      dir / ("zhang-desimone-it-" + std::to_string(s) + ".nwb"));
    std::ofstream(dir / "broken.nwb") << "this is text, not HDF5\n";
    auto r = inspect(q(dir.path()));
    CHECK(r.exit_code == 2);
    CHECK(r.err == "neuropop inspect: " + (dir / "broken.nwb").string() +
                       ": /: not an HDF5 file (no HDF5 signature)\n");
    CHECK(count_of(r.out, "  identifier  ") == 2);
    CHECK(r.out.find("2 of 3 sessions read") != std::string::npos);
    CHECK(r.out.find("HDF5-DIAG") == std::string::npos);

    auto j = inspect("--json " + q(dir.path()));
    CHECK(j.exit_code == 2);
    CHECK(count_lines(j.err) == 1);
    std::ofstream(dir / "out.json") << j.out;
    CHECK(test::run_python(json_summary, {(dir / "out.json").string()}) ==
          "2 8 21935 1 420 420\n"); // 4 + 4 units, 7,557 + 14,378 spikes (README)
}

TEST_CASE("unsorted real spikes: sorted by default with one warning line, refused with --strict",
          "[inspect][real]") {
    fs::path file = test::repo_data() / "nwb-small-real" / "sub-anm369963_ses-20170228.nwb";
    auto strict = inspect("--strict " + q(file));
    CHECK(strict.exit_code == 2);
    CHECK(count_lines(strict.err) == 1);
    CHECK(strict.err.find(file.string() + ": /units/spike_times: spike times not sorted") !=
          std::string::npos);
    // h5py: 21 places where a time is smaller than the one before.
    const std::string warning = "neuropop inspect: " + file.string() +
                                ": /units/spike_times: 21 inversions within units; sorted on read "
                                "(--strict refuses)\n";
    auto lenient = inspect(q(file));
    CHECK(lenient.exit_code == 0);
    CHECK(lenient.err == warning);
    // --allow-unsorted is kept for old scripts and changes nothing.
    auto alias = inspect("--allow-unsorted " + q(file));
    CHECK(alias.exit_code == 0);
    CHECK(alias.err == warning);
    CHECK(alias.out == lenient.out);
    // README: 1 unit, 1,679 spikes, 178 trials, NWB 2.0.2, stop_time NaN everywhere (1 value).
    for (const char* line : {
             "  nwb_version         2.0.2\n",
             "  subject             anm369963\n",
             "  spikes              1679 (1 unit stores its times unsorted; sorted on read)\n",
             "  trials              178, ",
             "    stop_time       float64            1\n",
             "    type            vlen utf-8 string  2\n",
         }) {
        INFO(line);
        CHECK(lenient.out.find(line) != std::string::npos);
    }
}

TEST_CASE("inspect --help and usage errors", "[inspect][cli]") {
    auto help = inspect("--help");
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("usage: neuropop inspect") != std::string::npos);
    CHECK(help.out.find("--json") != std::string::npos);
    CHECK(help.err.empty());
    auto none = inspect("");
    CHECK(none.exit_code == 2);
    CHECK(count_lines(none.err) == 1);
    CHECK(none.err.find("see neuropop inspect --help") != std::string::npos);
    auto bogus = inspect("--bogus " + q(test::it_sessions_dir()));
    CHECK(bogus.exit_code == 2);
    CHECK(count_lines(bogus.err) == 1);
    auto missing = inspect(q(test::repo_data() / "no-such.nwb"));
    CHECK(missing.exit_code == 2);
    CHECK(missing.err == "neuropop inspect: " + (test::repo_data() / "no-such.nwb").string() +
                             ": /: no such file or folder\n");
}
