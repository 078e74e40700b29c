// `neuropop import phy|alf` as users run it: folders built with numpy, imported, and compared
// exactly with h5py (unit ids, per-unit spike times to 1e-12 s, regions, trial columns and
// types); an imported session feeds `neuropop run`; every malformed input exits 2 with one line
// naming the file and the rule.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/e2e/import_fixtures.hpp"
#include "tests/support/support.hpp"

namespace test = neuropop::test;
namespace fx = neuropop::test::import_fixtures;
namespace fs = std::filesystem;

namespace {

test::CommandResult import(const std::string& args) {
    return test::run_command(test::shell_quote(test::binary().string()) + " import " + args);
}

std::string q(const fs::path& p) {
    return test::shell_quote(p.string());
}

std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' '))
        s.pop_back();
    return s;
}

void write_file(const fs::path& p, const std::string& text) {
    std::ofstream(p) << text;
}

// Exit 2 and exactly one line on stderr that holds every needle.
void refused(const test::CommandResult& r, const std::vector<std::string>& needles) {
    INFO("stderr: " << r.err << "stdout: " << r.out);
    CHECK(r.exit_code == 2);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.rfind("neuropop import: ", 0) == 0);
    for (const auto& n : needles)
        CHECK(r.err.find(n) != std::string::npos);
}

struct PhyFolder {
    test::TempDir tmp{"import-phy"};
    fs::path dir = tmp / "ks";
    PhyFolder() { test::run_python(fx::make_phy, {dir.string()}); }
    std::string args(const std::string& extra, const std::string& out = "s.nwb") const {
        return q(dir) + " --trials " + q(dir / "trials.csv") + " --out " + q(tmp / out) + " " +
               extra;
    }
    void python(const std::string& code) const {
        test::run_python("import sys, os, numpy as np\nd = sys.argv[1]\n" + code, {dir.string()});
    }
};

} // namespace

TEST_CASE("import phy: spikes, unit ids, regions and trial columns round-trip exactly",
          "[import]") {
    PhyFolder f;
    SECTION("regions from a cluster_info.tsv column, good and mua") {
        auto r = import("phy " + f.args("--region-column brain_region --groups good,mua"));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(r.out.find("units=4 ") != std::string::npos);
        CHECK(r.out.find("trials=36 trial_columns=5 regions=CA1,VISp") != std::string::npos);
        CHECK(trim(test::run_python(fx::check_phy, {(f.tmp / "s.nwb").string(), f.dir.string(),
                                                    "good,mua", "column"})) == "ok");
    }
    SECTION("regions from channels, default groups (good)") {
        auto r = import("phy " + f.args("--channel-regions " + q(f.dir / "channel_regions.csv")));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(trim(test::run_python(fx::check_phy, {(f.tmp / "s.nwb").string(), f.dir.string(),
                                                    "good", "channel"})) == "ok");
    }
    SECTION("one region for all, spike_templates.npy when there is no curation") {
        fs::rename(f.dir / "spike_clusters.npy", f.dir / "spike_templates.npy");
        auto r = import("phy " + f.args("--region LGd --groups good,mua,noise --subject m7"));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(r.out.find("spike_templates.npy") != std::string::npos);
        fs::rename(f.dir / "spike_templates.npy", f.dir / "spike_clusters.npy");
        CHECK(trim(test::run_python(fx::check_phy, {(f.tmp / "s.nwb").string(), f.dir.string(),
                                                    "good,mua,noise", "LGd"})) == "ok");
        auto info = test::run_command(test::shell_quote(test::binary().string()) + " inspect " +
                                      q(f.tmp / "s.nwb"));
        CHECK(info.exit_code == 0);
        CHECK(info.out.find("subject             m7") != std::string::npos);
    }
}

TEST_CASE("import phy: an imported session runs through neuropop run (pca)", "[import]") {
    PhyFolder f;
    REQUIRE(import("phy " + f.args("--region-column brain_region --groups good,mua")).exit_code ==
            0);
    write_file(f.tmp / "job.ini", "[data]\nsessions = " + (f.tmp / "s.nwb").string() +
                                      "\nmin_units = 2\n[align]\nevent = stim_on_time\n"
                                      "start = -0.2\nstop = 0.6\nbin_width = 0.1\n"
                                      "[conditions]\ncolumns = stimulus\n[pca]\nenabled = true\n"
                                      "components = 2\nwindows = all:-0.2:0.6\n");
    auto r = test::run_command(
        test::shell_quote(test::binary().string()) + " run " + q(f.tmp / "job.ini") + " --output " +
        q(f.tmp / "res.h5") +
        " --quiet --cvpca.enabled false --fa.enabled false --geometry.enabled false"
        " --decode.enabled false --pseudo.enabled false");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto out = test::run_python(R"(
import sys, h5py
with h5py.File(sys.argv[1], 'r') as f:
    s = list(f['sessions'])
    print(s[0], sorted(f['sessions'][s[0]]), 'pca' in f['sessions'][s[0]]['CA1'])
)",
                                {(f.tmp / "res.h5").string()});
    CHECK(trim(out) == "s ['CA1', 'VISp'] True");
}

TEST_CASE("import phy: every malformed input exits 2 with one line naming file and rule",
          "[import]") {
    PhyFolder f;
    const std::string region = "--region X ";
    SECTION("bad magic") {
        write_file(f.dir / "spike_times.npy", "not numpy at all");
        refused(import("phy " + f.args(region)), {"spike_times.npy: header/magic: bad magic"});
    }
    SECTION("unsupported dtype") {
        f.python("np.save(os.path.join(d, 'spike_clusters.npy'), np.zeros(1000, np.complex64))");
        refused(import("phy " + f.args(region)),
                {"spike_clusters.npy: header/descr: unsupported dtype '<c8'"});
    }
    SECTION("float spike times") {
        f.python("np.save(os.path.join(d, 'spike_times.npy'), np.zeros(1000))");
        refused(import("phy " + f.args(region)),
                {"spike_times.npy: header/descr: unsupported dtype '<f8' (integers"});
    }
    SECTION("spike_times and spike_clusters lengths disagree") {
        f.python("np.save(os.path.join(d, 'spike_clusters.npy'), np.zeros(999, np.int32) + 3)");
        refused(import("phy " + f.args(region)),
                {"spike_clusters.npy: header/shape: 999 entries, but", "has 1000"});
    }
    SECTION("a cluster missing from the group table") {
        write_file(f.dir / "cluster_group.tsv", "cluster_id\tgroup\n3\tgood\n7\tgood\n");
        refused(import("phy " + f.args(region)),
                {"cluster_group.tsv: cluster_id: cluster 8", "missing from the group table"});
    }
    SECTION("trials out of order: start_time decreasing") {
        write_file(f.dir / "trials.csv", "start_time,stop_time\n1,2\n3,4\n2.5,2.9\n");
        refused(import("phy " + f.args(region)),
                {"trials.csv: start_time: trial 2: start_time 2.5 is before the previous"});
    }
    SECTION("trials out of order: stop before start") {
        write_file(f.dir / "trials.csv", "start_time,stop_time\n1,2\n3,2.5\n");
        refused(import("phy " + f.args(region)),
                {"trials.csv: stop_time: trial 1: stop_time 2.5 < start_time 3"});
    }
    SECTION("a non-numeric start_time, a ragged row") {
        write_file(f.dir / "trials.csv", "start_time,stop_time\n1,2\nx,4\n");
        refused(import("phy " + f.args(region)), {"trials.csv: start_time: line 3: 'x'"});
        write_file(f.dir / "trials.csv", "start_time,stop_time\n1,2,3\n");
        refused(import("phy " + f.args(region)),
                {"trials.csv: line 2: 3 fields, the header has 2"});
    }
    SECTION("missing sample_rate") {
        write_file(f.dir / "params.py", "dat_path = 'x.bin'\nn_channels_dat = 385\n");
        refused(import("phy " + f.args(region)), {"params.py: sample_rate: missing sample_rate"});
    }
    SECTION("unknown region column") {
        refused(import("phy " + f.args("--region-column area")),
                {"cluster_info.tsv: area: unknown region column 'area'", "brain_region"});
    }
    SECTION("a channel with no region") {
        write_file(f.dir / "channel_regions.csv", "channel,region\n0,VISp\n1,VISp\n3,CA1\n");
        refused(import("phy " + f.args("--channel-regions " + q(f.dir / "channel_regions.csv") +
                                       " --groups good,mua")),
                {"channel_regions.csv: region: channel 2 (cluster 8) has no region"});
    }
    SECTION("an existing output without --force") {
        write_file(f.tmp / "s.nwb", "x");
        refused(import("phy " + f.args(region)), {"s.nwb exists; pass --force"});
    }
    CHECK(!fs::exists(f.tmp / "s.nwb.partial"));
}

TEST_CASE("import alf: a probe folder with the session's trials round-trips exactly", "[import]") {
    test::TempDir tmp("import-alf");
    test::run_python(fx::make_alf, {tmp.path().string()});
    const fs::path probe = tmp / "alf/probe00", out = tmp / "ibl.nwb";
    auto r = import("alf " + q(probe) + " --out " + q(out) + " --subject KS023");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("units=5 ") != std::string::npos);
    CHECK(r.out.find("regions=CA1,DG-mo,VISp5") != std::string::npos);
    CHECK(trim(test::run_python(fx::check_alf, {out.string(), tmp.path().string()})) == "ok");

    SECTION("unknown region column") {
        refused(
            import("alf " + q(probe) + " --out " + q(tmp / "b.nwb") + " --region-column acronym"),
            {"clusters.acronym.npy: acronym: unknown region column", "channels"});
    }
    SECTION("trials attribute of the wrong length") {
        test::run_python("import sys, numpy as np\nnp.save(sys.argv[1], np.zeros(39))",
                         {(tmp / "alf/_ibl_trials.choice.npy").string()});
        refused(import("alf " + q(probe) + " --out " + q(tmp / "b.nwb")),
                {"_ibl_trials.choice.npy: header/shape: 39 values", "40 trials"});
    }
    SECTION("pickled object array") {
        test::run_python("import sys, numpy as np\n"
                         "np.save(sys.argv[1], np.array(['a', None, 'b', 'c', 'd', 'e'], object))",
                         {(probe / "clusters.brainLocationAcronyms_ccf_2017.npy").string()});
        refused(import("alf " + q(probe) + " --out " + q(tmp / "b.nwb")),
                {"brainLocationAcronyms_ccf_2017.npy: header/descr: unsupported dtype '|O'",
                 "pickled"});
    }
}

TEST_CASE("import phy: labels from cluster_info.tsv or cluster_KSLabel.tsv, --groups all, TSV "
          "trials",
          "[import]") {
    PhyFolder f;
    fs::remove(f.dir / "cluster_group.tsv");
    SECTION("the group column of cluster_info.tsv") {
        auto r = import("phy " + f.args("--groups mua,good --region-column brain_region"));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(trim(test::run_python(fx::check_phy, {(f.tmp / "s.nwb").string(), f.dir.string(),
                                                    "good,mua", "column"})) == "ok");
    }
    SECTION("cluster_KSLabel.tsv when there is no curation") {
        fs::remove(f.dir / "cluster_info.tsv");
        write_file(f.dir / "cluster_KSLabel.tsv",
                   "cluster_id\tKSLabel\n3\tmua\n7\tgood\n8\tmua\n12\tgood\n20\tgood\n");
        auto r = import("phy " + f.args("--region X"));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(r.out.find("units=3 ") != std::string::npos);
    }
    SECTION("--groups all needs no label table; trials as TSV") {
        fs::remove(f.dir / "cluster_info.tsv");
        f.python("import csv\nrows = list(csv.reader(open(os.path.join(d, 'trials.csv'))))\n"
                 "open(os.path.join(d, 'trials.tsv'), 'w').write("
                 "''.join('\\t'.join(r) + '\\n' for r in rows))");
        auto r = import("phy " + q(f.dir) + " --trials " + q(f.dir / "trials.tsv") + " --out " +
                        q(f.tmp / "s.nwb") + " --groups all --region X");
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(r.out.find("units=5 spikes=1000 trials=36 trial_columns=5") != std::string::npos);
    }
    SECTION("no label table and no --groups all") {
        fs::remove(f.dir / "cluster_info.tsv");
        refused(import("phy " + f.args("--region X")),
                {"cluster_group.tsv: file: no cluster labels", "--groups all"});
    }
}

TEST_CASE("import: --force replaces an earlier import but never an input", "[import]") {
    PhyFolder f;
    REQUIRE(import("phy " + f.args("--region X")).exit_code == 0);
    CHECK(import("phy " + f.args("--region Y --force")).exit_code == 0);
    const std::string before = test::run_python("import sys; print(open(sys.argv[1]).read())",
                                                {(f.dir / "trials.csv").string()});
    auto r = import("phy " + q(f.dir) + " --trials " + q(f.dir / "trials.csv") + " --out " +
                    q(f.dir / "trials.csv") + " --region X --force");
    refused(r, {"trials.csv exists and is not an HDF5 file"});
    CHECK(test::run_python("import sys; print(open(sys.argv[1]).read())",
                           {(f.dir / "trials.csv").string()}) == before);
}

TEST_CASE("import alf: --trials CSV instead of the trials .npy, --region, --channel-regions",
          "[import]") {
    test::TempDir tmp("import-alf");
    test::run_python(fx::make_alf, {tmp.path().string()});
    const fs::path probe = tmp / "alf/probe00";
    write_file(tmp / "t.csv", "start_time,stop_time,side\n1,2,left\n3,4,right\n");
    auto r = import("alf " + q(probe) + " --out " + q(tmp / "a.nwb") + " --region PO --trials " +
                    q(tmp / "t.csv"));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("units=5 spikes=800 trials=2 trial_columns=3 regions=PO") !=
          std::string::npos);
    write_file(tmp / "ch.csv", "channel,region\n0,VISp\n1,VISp\n2,CA1\n3,DG\n");
    r = import("alf " + q(probe) + " --out " + q(tmp / "b.nwb") + " --channel-regions " +
               q(tmp / "ch.csv"));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("units=5 ") != std::string::npos);
    CHECK(r.out.find("regions=CA1,DG,VISp") != std::string::npos);
    fs::remove(tmp / "alf/_ibl_trials.intervals.npy");
    refused(import("alf " + q(probe) + " --out " + q(tmp / "c.nwb")),
            {"_ibl_trials.intervals.npy: file: missing here and in the parent folder"});
}
