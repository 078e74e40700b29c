// Job files -> JobSpec: defaults, flags over the file, every problem reported at once, unknown
// keys rejected, and render/parse round trips. No NWB files are read here (see
// tests/io/test_planner.cpp for the inventory and the planner).

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "jobs/coupling_shape.hpp"
#include "jobs/inventory.hpp"
#include "jobs/job_keys.hpp"
#include "jobs/job_parser.hpp"
#include "jobs/pseudo_labels.hpp"
#include "jobs/windows.hpp"
#include "tests/support/support.hpp"

namespace fs = std::filesystem;
using namespace neuropop::jobs;
using neuropop::test::TempDir;
using Lines = std::vector<std::string>;

namespace {

fs::path write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
    return file;
}

// Problems that contain every one of `parts`.
std::size_t count_with(const Lines& problems, std::initializer_list<std::string> parts) {
    return static_cast<std::size_t>(
        std::count_if(problems.begin(), problems.end(), [&](const std::string& p) {
            return std::all_of(parts.begin(), parts.end(),
                               [&](const std::string& part) { return p.find(part) != p.npos; });
        }));
}

std::string joined(const Lines& lines) {
    std::string out;
    for (const auto& l : lines)
        out += l + "\n";
    return out;
}

const char* minimal_job = "[data]\nsessions = a.nwb\n[conditions]\ncolumns = stimulus\n";

} // namespace

TEST_CASE("a minimal job gets every default, with paths taken from the job's folder", "[jobs]") {
    TempDir dir("jobs-defaults");
    const auto file = write(dir / "sub/job.ini", "[data]\nsessions = ../nwb, /abs/x.nwb\n"
                                                 "[conditions]\ncolumns = stimulus\n");
    const auto spec = parse_job(file.string(), {});
    const JobSpec d;
    CHECK(spec.data.sessions == Lines{(dir / "nwb").string(), "/abs/x.nwb"});
    CHECK(spec.data.regions.empty());
    CHECK(spec.data.min_units == d.data.min_units);
    CHECK(spec.align.event == d.align.event);
    CHECK(spec.align.start == d.align.start);
    CHECK(spec.align.stop == d.align.stop);
    CHECK(spec.align.bin_width == d.align.bin_width);
    CHECK(spec.conditions.columns == Lines{"stimulus"});
    // The default results file sits next to the job file, as if written in it.
    CHECK(spec.output.path == (dir / "sub/results.h5").string());
    CHECK(spec.run.seed == d.run.seed);
    CHECK(spec.run.threads == d.run.threads);
    CHECK_FALSE(spec.run.force);
    CHECK_FALSE(spec.run.resume);
    CHECK_FALSE(spec.run.quiet);
    CHECK(spec.pca.enabled);
    CHECK(spec.pca.components == d.pca.components);
    CHECK(spec.pca.samples == PcaSamples::ConditionMeans);
    CHECK(spec.pca.windows.empty());
    CHECK(spec.cvpca.shuffles == d.cvpca.shuffles);
    CHECK(spec.cvpca.fit_first == d.cvpca.fit_first);
    CHECK(spec.cvpca.fit_last == d.cvpca.fit_last);
    CHECK(spec.fa.factors == d.fa.factors);
    CHECK(spec.fa.window.name == d.fa.window.name);
    CHECK(spec.fa.window.start == d.fa.window.start);
    CHECK(spec.fa.window.stop == d.fa.window.stop);
    CHECK(spec.fa.max_iter == d.fa.max_iter);
    CHECK(spec.fa.tol == d.fa.tol);
    CHECK(spec.job_file == file.string());
    CHECK(spec.job_text == render_job(spec));
    // No windows given: PCA runs on the whole aligned window.
    const auto windows = pca_windows(spec);
    REQUIRE(windows.size() == 1);
    CHECK(windows[0].name == "all");
}

TEST_CASE("a flag wins over the file, and the run shortcuts map onto their keys", "[jobs]") {
    TempDir dir("jobs-flags");
    const auto file = write(dir / "job.ini", std::string(minimal_job) +
                                                 "[run]\nthreads = 2\n[output]\npath = in.h5\n"
                                                 "[pca]\ncomponents = 5\nsamples = trials\n");
    const auto spec =
        parse_job(file.string(), {"--threads", "4", "--pca.components=7", "--force", "--output",
                                  "b.h5", "--pca.windows", "early:-0.5:0, late:0:0.5", "--quiet",
                                  "--data.regions", "VISp,CA1"});
    CHECK(spec.run.threads == 4);
    CHECK(spec.pca.components == 7);
    CHECK(spec.run.force);
    CHECK(spec.run.quiet);
    CHECK_FALSE(spec.run.resume);
    // Paths on the command line are taken from the current folder, not the job's.
    CHECK(spec.output.path == (fs::current_path() / "b.h5").string());
    CHECK(spec.pca.samples == PcaSamples::Trials); // from the file, no flag
    REQUIRE(spec.pca.windows.size() == 2);
    CHECK(spec.pca.windows[1].name == "late");
    CHECK(spec.pca.windows[1].start == 0.0);
    CHECK(spec.pca.windows[1].stop == 0.5);
    CHECK(spec.data.regions == Lines{"VISp", "CA1"});

    const auto dotted = parse_job(file.string(), {"--run.resume", "yes", "--run.threads", "3"});
    CHECK(dotted.run.resume);
    CHECK(dotted.run.threads == 3);
}

TEST_CASE("every bad value is reported at once, one line naming each key", "[jobs]") {
    TempDir dir("jobs-bad-values");
    const auto file = write(dir / "job.ini", "[data]\n"
                                             "sessions = a.nwb\n"
                                             "min_units = abc\n"
                                             "[align]\n"
                                             "bin_width = -0.05\n"
                                             "[conditions]\n"
                                             "columns = stimulus\n"
                                             "[run]\n"
                                             "seed = -1\n"
                                             "force = maybe\n"
                                             "[pca]\n"
                                             "components = 0\n"
                                             "samples = means\n"
                                             "windows = late:0.1\n"
                                             "componets = 4\n"
                                             "[cvpca]\n"
                                             "shuffles = 1.5\n"
                                             "[fa]\n"
                                             "tol = 0\n"
                                             "[decoding]\n"
                                             "target = stimulus\n"
                                             "folds = 5\n");
    const Lines flags = {"--fa.factors", "zero"};
    const auto result = check_job(file.string(), flags);
    const auto& p = result.problems;
    INFO(joined(p));
    CHECK(count_with(p, {"data.min_units = 'abc'", "not a whole number", "allowed:"}) == 1);
    CHECK(count_with(p, {"align.bin_width = '-0.05'", "must be > 0", "allowed: seconds > 0"}) == 1);
    CHECK(count_with(p, {"run.seed = '-1'", "not a whole number"}) == 1);
    CHECK(count_with(p, {"run.force = 'maybe'", "not a boolean", "true or false"}) == 1);
    CHECK(count_with(p, {"pca.components = '0'", "at least 1"}) == 1);
    CHECK(count_with(p, {"pca.samples = 'means'", "unknown value", "condition_means", "trials"}) ==
          1);
    CHECK(count_with(p, {"pca.windows = 'late:0.1'", "not name:start:stop"}) == 1);
    CHECK(count_with(p, {"pca.componets", "unknown key in [pca]", "pca.components?"}) == 1);
    CHECK(count_with(p, {"cvpca.shuffles = '1.5'", "not a whole number"}) == 1);
    CHECK(count_with(p, {"fa.tol = '0'", "must be > 0"}) == 1);
    // One line for the unknown section, not one per key inside it.
    CHECK(count_with(p, {"unknown section [decoding]", "sections: data, align"}) == 1);
    CHECK(count_with(p, {"fa.factors = 'zero' (--fa.factors)", "not a whole number"}) == 1);
    CHECK(p.size() == 12);

    // parse_job raises them together, one line each, as an io::InputError (exit code 2).
    try {
        parse_job(file.string(), flags);
        FAIL("parse_job accepted a bad job");
    } catch (const neuropop::io::InputError& e) {
        const std::string what = e.what();
        CHECK(what.find("12 problems") != std::string::npos);
        for (const auto& line : p)
            CHECK(what.find("\n  " + line) != std::string::npos);
    }
}

TEST_CASE("problems between keys name every key involved", "[jobs]") {
    TempDir dir("jobs-cross");
    SECTION("stop <= start") {
        const auto r = check_job_text(std::string(minimal_job) +
                                          "[align]\nstart = 0.5\nstop = 0.1\n[fa]\nenabled = no\n",
                                      (dir / "j.ini").string(), {});
        INFO(joined(r.problems));
        CHECK(count_with(r.problems, {"align.start = 0.5", "align.stop = 0.1",
                                      "stop must be greater than start"}) == 1);
        CHECK(r.problems.size() == 1);
    }
    SECTION("window not a whole number of bins") {
        const auto r = check_job_text(std::string(minimal_job) + "[align]\nstop = 0.52\n",
                                      (dir / "j.ini").string(), {});
        INFO(joined(r.problems));
        CHECK(count_with(r.problems, {"align.stop = 0.52", "align.bin_width = 0.05"}) == 1);
        CHECK(r.problems.size() == 1);
    }
    SECTION("analysis windows off the bins, outside the window, or named twice") {
        const auto r = check_job_text(
            std::string(minimal_job) +
                "[pca]\nwindows = a:0.1:0.33, b:0.4:0.7, a:-0.5:0\n[fa]\nwindow = 0.12:0.5\n",
            (dir / "j.ini").string(), {});
        INFO(joined(r.problems));
        CHECK(count_with(r.problems, {"pca.windows: window 'a' [0.1, 0.33)",
                                      "stop is not on a bin edge"}) == 1);
        CHECK(count_with(r.problems, {"pca.windows: window 'b' [0.4, 0.7)",
                                      "not inside the aligned window [-0.5, 0.5)"}) == 1);
        CHECK(count_with(r.problems, {"pca.windows: window name 'a' used twice"}) == 1);
        CHECK(count_with(r.problems, {"fa.window: window 'fa' [0.12, 0.5)",
                                      "start is not on a bin edge"}) == 1);
        CHECK(r.problems.size() == 4);
    }
    SECTION("fit range, force with resume, missing sessions and conditions") {
        const auto r = check_job_text("[cvpca]\nfit_first = 20\nfit_last = 10\n",
                                      (dir / "j.ini").string(), {"--force", "--resume"});
        INFO(joined(r.problems));
        CHECK(count_with(r.problems, {"cvpca.fit_last = 10", "cvpca.fit_first = 20"}) == 1);
        CHECK(count_with(r.problems, {"run.force and run.resume"}) == 1);
        CHECK(count_with(r.problems, {"data.sessions: required"}) == 1);
        CHECK(count_with(r.problems, {"conditions.columns: empty", "pca", "cvpca"}) == 1);
        CHECK(r.problems.size() == 4);
    }
    SECTION("without condition-based analyses, conditions may be empty") {
        const auto r = check_job_text(
            "[data]\nsessions = a.nwb\n[pca]\nsamples = trials\n[cvpca]\nenabled = false\n",
            (dir / "j.ini").string(), {});
        CHECK(r.problems.empty());
    }
}

TEST_CASE("unknown keys, sections and flags are rejected, never ignored", "[jobs]") {
    TempDir dir("jobs-unknown");
    const auto job = (dir / "j.ini").string();
    SECTION("in the file") {
        const auto r = check_job_text("sessions = x.nwb\n" + std::string(minimal_job) +
                                          "[pcaa]\nenabled = no\n[data]\nmin_units = 2\n"
                                          "[data]\nmin_units = 3\n",
                                      job, {});
        INFO(joined(r.problems));
        CHECK(count_with(r.problems, {"sessions: key outside any section", "data.sessions"}) == 1);
        CHECK(count_with(r.problems, {"pcaa.enabled: unknown section [pcaa]", "[pca]?"}) == 1);
        CHECK(count_with(r.problems, {"data.min_units: given twice in the job file"}) == 1);
        CHECK(r.problems.size() == 3);
    }
    SECTION("on the command line") {
        const auto r = check_job_text(minimal_job, job,
                                      {"--pca.componets", "5", "--outpt", "x.h5", "--out", "y.h5",
                                       "extra", "--threads", "2", "--run.threads", "3"});
        INFO(joined(r.problems));
        CHECK(count_with(r.problems, {"--pca.componets: unknown key in [pca]",
                                      "did you mean --pca.components?"}) == 1);
        CHECK(count_with(r.problems, {"--outpt: unknown flag", "did you mean --output?"}) == 1);
        // No prefix guessing: --out is not taken for --output.
        CHECK(count_with(r.problems, {"--out: unknown flag"}) == 1);
        CHECK(count_with(r.problems, {"unexpected argument 'extra'"}) == 1);
        CHECK(count_with(r.problems, {"run.threads: given twice on the command line",
                                      "--threads and --run.threads"}) == 1);
        CHECK(r.problems.size() == 5);
    }
}

TEST_CASE("a rendered job parses back to the same job, from any folder", "[jobs]") {
    TempDir dir("jobs-roundtrip");
    const auto file = write(dir / "a/job.ini", "[data]\n"
                                               "sessions = ../nwb/*.nwb, s1.nwb\n"
                                               "regions = VISp, CA1\n"
                                               "min_units = 7\n"
                                               "[align]\n"
                                               "event = stim_on_time\n"
                                               "start = -0.3\n"
                                               "stop = 0.6\n"
                                               "bin_width = 0.025\n"
                                               "[conditions]\n"
                                               "columns = contrast, side\n"
                                               "[output]\n"
                                               "path = out/r.h5\n"
                                               "[run]\n"
                                               "seed = 18446744073709551615\n"
                                               "threads = 3\n"
                                               "[pca]\n"
                                               "components = 4\n"
                                               "samples = trials\n"
                                               "windows = pre:-0.3:0, post:0.1:0.35\n"
                                               "[cvpca]\n"
                                               "enabled = off\n"
                                               "shuffles = 3\n"
                                               "fit_first = 2\n"
                                               "fit_last = 9\n"
                                               "[fa]\n"
                                               "factors = 2\n"
                                               "window = late:0.2:0.6\n"
                                               "max_iter = 50\n"
                                               "tol = 1e-7\n");
    const auto first = parse_job(file.string(), {"--resume"});
    const auto again = write(dir / "elsewhere/deeper/job.ini", first.job_text);
    const auto second = parse_job(again.string(), {});
    CHECK(second.job_text == first.job_text);
    CHECK(second.data.sessions == first.data.sessions);
    CHECK(second.data.sessions[0] == (dir / "nwb/*.nwb").string());
    CHECK(second.output.path == (dir / "a/out/r.h5").string());
    CHECK(second.run.seed == 18446744073709551615ULL);
    CHECK(second.run.resume);
    CHECK(second.align.bin_width == 0.025);
    CHECK(second.fa.tol == 1e-7);
    CHECK(second.fa.window.name == "late");
    CHECK_FALSE(second.cvpca.enabled);

    // The results scope leaves out what does not change results.
    const auto results_text = render_job(first, RenderScope::Results);
    CHECK(results_text.find("[output]") == std::string::npos);
    CHECK(results_text.find("threads") == std::string::npos);
    CHECK(results_text.find("resume") == std::string::npos);
    // A memory limit decides whether a job runs, never what it computes.
    CHECK(results_text.find("max_item_mb") == std::string::npos);
    CHECK(render_job(first).find("max_item_mb = 0") != std::string::npos);
    CHECK(results_text.find("seed = 18446744073709551615") != std::string::npos);
    CHECK(render_job(parse_job(file.string(), {"--threads", "1", "--output", "z.h5"}),
                     RenderScope::Results) == results_text);
}

TEST_CASE("job help lists every key with its default and what it allows", "[jobs]") {
    const auto help = job_help();
    const JobSpec defaults;
    for (const auto& k : detail::job_keys()) {
        const auto value = k.get(defaults);
        CHECK(help.find("  " + k.name + " = " + (value.empty() ? "(empty)" : value) + "\n") !=
              std::string::npos);
    }
    for (const auto& s : detail::job_sections())
        CHECK(help.find("[" + s.name + "]") != std::string::npos);
    CHECK(help.find("--force") != std::string::npos);
}

TEST_CASE("analysis windows map onto bins of the aligned window", "[jobs]") {
    // Bins of 0.05 s from -0.5 s: edge k is at -0.5 + 0.05 k, so 0.1 s is edge 12 and 0.5 s
    // edge 20 (closed form).
    const AlignSection align{"stim_on_time", -0.5, 0.5, 0.05};
    const auto response = window_bins(align, Window{"response", 0.1, 0.5});
    REQUIRE(response);
    CHECK(response->first == 12);
    CHECK(response->last == 20);
    const auto baseline = window_bins(align, Window{"baseline", -0.4, 0.0});
    REQUIRE(baseline);
    CHECK(baseline->first == 2);
    CHECK(baseline->last == 10);
    const auto all = window_bins(align, Window{"all", -0.5, 0.5});
    REQUIRE(all);
    CHECK(all->first == 0);
    CHECK(all->last == 20);
    std::string why;
    CHECK_FALSE(window_bins(align, Window{"x", -0.6, 0.0}, &why));
    CHECK(why.find("not inside") != std::string::npos);
}

TEST_CASE("session keys are path-safe and unique", "[jobs]") {
    const auto keys =
        session_keys({"lab/a", "x", "x", "x-2", "", "x"},
                     {"/d/1.nwb", "/d/2.nwb", "/d/3.nwb", "/d/4.nwb", "/d/sess.nwb", "/d/6.nwb"});
    // "x-2" is some session's own identifier, so the second "x" skips it.
    CHECK(keys == Lines{"lab_a", "x", "x-3", "x-2", "sess", "x-4"});
}

TEST_CASE("the example jobs parse", "[jobs]") {
    const fs::path jobs = fs::path(NEUROPOP_SOURCE_DIR) / "examples" / "jobs";
    const auto demo = check_job((jobs / "demo.ini").string(), {});
    INFO(joined(demo.problems));
    CHECK(demo.problems.empty());
    CHECK(demo.spec.data.sessions ==
          Lines{(fs::path(NEUROPOP_SOURCE_DIR) / "out/demo-data").lexically_normal().string()});
    CHECK(demo.spec.conditions.columns == Lines{"stimulus"});

    const auto it = check_job((jobs / "zhang-desimone-it.ini").string(), {});
    INFO(joined(it.problems));
    CHECK(it.problems.empty());
    CHECK(it.spec.align.event == "stim_on_time");
    CHECK(it.spec.conditions.columns == Lines{"stimulus_ID", "stimulus_position"});
    REQUIRE(it.spec.pca.windows.size() == 2);
    CHECK(it.spec.pca.windows[0].name == "baseline");
    CHECK(it.spec.fa.window.start == 0.1);

    const auto coupling = check_job((jobs / "demo-coupling.ini").string(), {});
    INFO(joined(coupling.problems));
    CHECK(coupling.problems.empty());
    CHECK(coupling.spec.coupling.enabled);
    const auto shape = coupling_shape(coupling.spec);
    REQUIRE(shape);
    CHECK(shape->lags == 10); // the generator's 0.1 s of history in 10 ms bins
}

TEST_CASE("the coupling section has its defaults, parses its keys and names bad combinations",
          "[jobs]") {
    TempDir dir("jobs-coupling");
    const CouplingSection d;
    SECTION("defaults: off, the kernel's lambda grid, the align bin") {
        const auto r = check_job_text(minimal_job, (dir / "j.ini").string(), {});
        REQUIRE(r.problems.empty());
        CHECK_FALSE(r.spec.coupling.enabled);
        CHECK(r.spec.coupling.bin == 0.0);
        CHECK(r.spec.coupling.history == 0.1);
        CHECK(r.spec.coupling.history_basis == 4);
        CHECK(r.spec.coupling.stimulus_basis == 5);
        CHECK(r.spec.coupling.folds == 5);
        CHECK(r.spec.coupling.max_units == 60);
        CHECK(r.spec.coupling.lambdas == d.lambdas);
        CHECK(r.spec.coupling.window.name == "coupling");
        CHECK_FALSE(r.spec.coupling.all_pairs);
        CHECK(r.spec.coupling.pairs.empty());
    }
    SECTION("every key parses") {
        const auto r = check_job_text(std::string(minimal_job) +
                                          "[align]\nstart = 0\nstop = 0.8\nbin_width = 0.01\n"
                                          "[coupling]\nenabled = true\nwindow = r:0:0.8\n"
                                          "bin = 0.02\nhistory = 0.1\nhistory_basis = 3\n"
                                          "stimulus_basis = 6\nlambdas = 100, 10, 0\n"
                                          "folds = 4\nmax_units = 12\npairs = A>B, B > C\n",
                                      (dir / "j.ini").string(), {});
        INFO(joined(r.problems));
        REQUIRE(r.problems.empty());
        const auto& c = r.spec.coupling;
        CHECK(c.enabled);
        CHECK(c.window.name == "r");
        CHECK(c.bin == 0.02);
        CHECK(c.history_basis == 3);
        CHECK(c.stimulus_basis == 6);
        CHECK(c.lambdas == std::vector<double>{100, 10, 0});
        CHECK(c.folds == 4);
        CHECK(c.max_units == 12);
        CHECK_FALSE(c.all_pairs);
        CHECK(c.pairs == std::vector<std::pair<std::string, std::string>>{{"A", "B"}, {"B", "C"}});
        const auto shape = coupling_shape(r.spec);
        REQUIRE(shape);
        CHECK(shape->merge == 2);
        CHECK(shape->bins == 40);
        CHECK(shape->lags == 5);
    }
    SECTION("bad values, one line each") {
        const auto r =
            check_job_text(std::string(minimal_job) + "[coupling]\nlambdas = 10, -1, x\nfolds = 1\n"
                                                      "history_basis = 1\nmax_units = 1\n"
                                                      "pairs = A>A, B\n",
                           (dir / "j.ini").string(), {});
        INFO(joined(r.problems));
        CHECK(count_with(r.problems, {"coupling.lambdas = '10, -1, x'", "-1 is not >= 0"}) == 1);
        CHECK(count_with(r.problems, {"coupling.folds = '1'"}) == 1);
        CHECK(count_with(r.problems, {"coupling.history_basis = '1'"}) == 1);
        CHECK(count_with(r.problems, {"coupling.max_units = '1'"}) == 1);
        CHECK(count_with(r.problems, {"coupling.pairs = 'A>A, B'", "source = target",
                                      "'B' is not SOURCE>TARGET"}) == 1);
        CHECK(r.problems.size() == 5);
    }
    SECTION("keys that do not fit the alignment, only when enabled") {
        const std::string keys = "[coupling]\nwindow = 0:0.5\nbin = 0.07\n";
        const auto off =
            check_job_text(std::string(minimal_job) + keys, (dir / "j.ini").string(), {});
        CHECK(off.problems.empty());
        const auto bin = check_job_text(std::string(minimal_job) + keys + "enabled = true\n",
                                        (dir / "j.ini").string(), {});
        INFO(joined(bin.problems));
        CHECK(count_with(bin.problems, {"coupling.bin: 0.07 s", "align.bin_width = 0.05"}) == 1);
        CHECK(bin.problems.size() == 1);
        const auto history = check_job_text(std::string(minimal_job) +
                                                "[coupling]\nenabled = true\nhistory = 0.05\n",
                                            (dir / "j.ini").string(), {});
        CHECK(count_with(history.problems, {"coupling.history: 0.05 s", ">= 2"}) == 1);
        const auto basis =
            check_job_text(std::string(minimal_job) + "[coupling]\nenabled = true\nhistory = 0.1\n"
                                                      "history_basis = 3\n",
                           (dir / "j.ini").string(), {});
        CHECK(count_with(basis.problems, {"coupling.history_basis: 3 functions over 2"}) == 1);
        const auto stim = check_job_text(std::string(minimal_job) +
                                             "[coupling]\nenabled = true\nhistory_basis = 2\n"
                                             "window = 0:0.2\nstimulus_basis = 5\n",
                                         (dir / "j.ini").string(), {});
        CHECK(count_with(stim.problems, {"coupling.stimulus_basis: 5 functions", "4 GLM bins"}) ==
              1);
    }
}

TEST_CASE("[interactions]: defaults, values and every bad key on its own line", "[jobs]") {
    TempDir dir("jobs-interactions");
    SECTION("defaults") {
        const auto r = check_job_text(minimal_job, (dir / "j.ini").string(), {});
        REQUIRE(r.problems.empty());
        const auto& in = r.spec.interactions;
        CHECK_FALSE(in.enabled);
        CHECK(in.all_pairs);
        CHECK(in.pairs.empty());
        CHECK(in.window.name == "interactions");
        CHECK(in.window.start == 0.0);
        CHECK(in.window.stop == 0.5);
        CHECK(in.residuals);
        CHECK(in.ranks == 10);
        CHECK(in.folds == 10);
        CHECK(in.ridge_lambdas.empty());
        CHECK(in.within_area);
        CHECK(in.permutations == 100);
        CHECK(in.folds_per_item == 0); // every fold in the pair's one item
    }
    SECTION("values parse and render back") {
        const auto r = check_job_text(std::string(minimal_job) +
                                          "[interactions]\nenabled = true\npairs = VISp>CA1, "
                                          "CA1>VISp\nwindow = late:0.1:0.4\nresiduals = no\n"
                                          "ranks = 4\nfolds = 5\nridge_lambdas = 10, 1, 0\n"
                                          "within_area = off\npermutations = 0\n"
                                          "folds_per_item = 2\n",
                                      (dir / "j.ini").string(), {});
        INFO(joined(r.problems));
        REQUIRE(r.problems.empty());
        const auto& in = r.spec.interactions;
        CHECK(in.enabled);
        CHECK_FALSE(in.all_pairs);
        REQUIRE(in.pairs.size() == 2);
        CHECK(in.pairs[0] == std::make_pair(std::string("VISp"), std::string("CA1")));
        CHECK(in.pairs[1] == std::make_pair(std::string("CA1"), std::string("VISp")));
        CHECK(in.window.name == "late");
        CHECK_FALSE(in.residuals);
        CHECK(in.ranks == 4);
        CHECK(in.folds == 5);
        CHECK(in.ridge_lambdas == std::vector<double>{10, 1, 0});
        CHECK_FALSE(in.within_area);
        CHECK(in.permutations == 0);
        CHECK(in.folds_per_item == 2);
        const auto* pairs = detail::find_key("interactions.pairs");
        REQUIRE(pairs != nullptr);
        CHECK(pairs->get(r.spec) == "VISp>CA1, CA1>VISp");
        CHECK(detail::find_key("interactions.ridge_lambdas")->get(r.spec) == "10, 1, 0");
    }
    SECTION("bad values") {
        const auto r = check_job_text(std::string(minimal_job) +
                                          "[interactions]\nenabled = true\npairs = VISp-CA1, "
                                          "CA1>CA1, A>B, A>B\nwindow = 0.12:0.5\nresiduals = "
                                          "maybe\nranks = 0\nfolds = 1\nridge_lambdas = 1, -2, "
                                          "x\nwithin_area = 2\npermutations = -1\nrank = 3\n"
                                          "folds_per_item = three\n",
                                      (dir / "j.ini").string(), {});
        const auto& p = r.problems;
        INFO(joined(p));
        CHECK(count_with(p, {"interactions.pairs = ", "'VISp-CA1' is not SOURCE>TARGET",
                             "'CA1>CA1': source = target", "'A>B' listed twice"}) == 1);
        CHECK(count_with(p, {"interactions.window: window 'interactions' [0.12, 0.5)",
                             "start is not on a bin edge"}) == 1);
        CHECK(count_with(p, {"interactions.residuals = 'maybe'", "not a boolean"}) == 1);
        CHECK(count_with(p, {"interactions.ranks = '0'", "at least 1"}) == 1);
        CHECK(count_with(p, {"interactions.folds = '1'", "at least 2"}) == 1);
        CHECK(count_with(p, {"interactions.ridge_lambdas = ", "-2: must be >= 0", "x: "}) == 1);
        CHECK(count_with(p, {"interactions.within_area = '2'", "not a boolean"}) == 1);
        CHECK(count_with(p, {"interactions.permutations = '-1'", "not a whole number"}) == 1);
        CHECK(count_with(p, {"interactions.rank", "unknown key in [interactions]"}) == 1);
        CHECK(count_with(p, {"interactions.folds_per_item = 'three'", "not a whole number"}) == 1);
        CHECK(p.size() == 10);
    }
}

TEST_CASE("[models] keys parse, default off, and name their problems", "[jobs][models]") {
    TempDir dir("jobs-models");
    const auto ok =
        check_job_text(std::string(minimal_job) + "[models]\nenabled = true\nfile = net/model.h5\n"
                                                  "column = stimulus\nlayers = conv1, fc\n"
                                                  "measures = debiased_cka, rsa\nrdm = crossnobis\n"
                                                  "layer_rdm = correlation\nwindow = r:0:0.5\n",
                       (dir / "j.ini").string(), {});
    INFO(joined(ok.problems));
    REQUIRE(ok.problems.empty());
    const auto& m = ok.spec.models;
    CHECK(m.enabled);
    CHECK(m.file == (dir / "net/model.h5").lexically_normal().string());
    CHECK(m.layers == std::vector<std::string>{"conv1", "fc"});
    CHECK(m.measures == std::vector<ModelMeasure>{ModelMeasure::DebiasedCka, ModelMeasure::Rsa});
    CHECK(m.rdm == RdmMeasure::Crossnobis);
    CHECK(m.layer_rdm == RdmMeasure::Correlation);
    CHECK(m.window.name == "r");
    CHECK(m.permutations == 1000);
    CHECK_FALSE(check_job_text(minimal_job, (dir / "j.ini").string(), {}).spec.models.enabled);

    const auto bad =
        check_job_text(std::string(minimal_job) + "[models]\nenabled = true\nrdm = euclidean\n"
                                                  "layer_rdm = crossnobis\nmeasures = cka, svcca\n",
                       (dir / "j.ini").string(), {});
    INFO(joined(bad.problems));
    CHECK(count_with(bad.problems, {"models.rdm", "unknown: euclidean"}) == 1);
    CHECK(count_with(bad.problems, {"models.layer_rdm", "unknown: crossnobis"}) == 1);
    CHECK(count_with(bad.problems, {"models.measures", "unknown: svcca"}) == 1);
    CHECK(count_with(bad.problems, {"models.file: empty, but models.enabled = true"}) == 1);
    CHECK(count_with(bad.problems, {"models.column: empty, but models.enabled = true"}) == 1);
}

TEST_CASE("pseudo.analyses takes models only with [models] enabled", "[jobs][models][pseudo]") {
    TempDir dir("jobs-pseudo-models");
    const std::string models = "[models]\nenabled = true\nfile = m.h5\ncolumn = stimulus\n";
    const auto ok = check_job_text(std::string(minimal_job) + models +
                                       "[pseudo]\nenabled = true\nanalyses = pca, models\n",
                                   (dir / "j.ini").string(), {});
    INFO(joined(ok.problems));
    REQUIRE(ok.problems.empty());
    CHECK(ok.spec.pseudo.analyses ==
          std::vector<PseudoAnalysis>{PseudoAnalysis::Pca, PseudoAnalysis::Models});
    // Pooled by the [models] column; one target, named as the per-session kind.
    const auto targets = pseudo_targets(ok.spec);
    REQUIRE(targets.size() == 2);
    CHECK(targets[1].name() == "models");
    CHECK(targets[1].columns == std::vector<std::string>{"stimulus"});
    CHECK(pooled_kind(PseudoAnalysis::Models) == ItemKind::Models);
    // Opt-in: the default pooled analyses stay decode, geometry and PCA.
    const auto defaults =
        check_job_text(std::string(minimal_job) + models + "[pseudo]\nenabled = true\n",
                       (dir / "j.ini").string(), {});
    CHECK(std::count(defaults.spec.pseudo.analyses.begin(), defaults.spec.pseudo.analyses.end(),
                     PseudoAnalysis::Models) == 0);

    const auto bad = check_job_text(std::string(minimal_job) +
                                        "[pseudo]\nenabled = true\nanalyses = models, pca\n",
                                    (dir / "j.ini").string(), {});
    INFO(joined(bad.problems));
    REQUIRE(bad.problems.size() == 1);
    CHECK(count_with(bad.problems, {"pseudo.analyses: models, but models.enabled = false"}) == 1);
    CHECK(bad.problems[0].find('\n') == std::string::npos);
    // Unknown analysis names are still refused.
    const auto unknown =
        check_job_text(std::string(minimal_job) + "[pseudo]\nenabled = true\nanalyses = model\n",
                       (dir / "j.ini").string(), {});
    CHECK(count_with(unknown.problems, {"pseudo.analyses", "unknown: model"}) == 1);
}
