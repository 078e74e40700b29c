// --force replaces an earlier results file, never an input: an output that is (after symlinks,
// `..` and hard links) a session file, the job file or a shard, a work folder holding the
// sessions, a results file the job would read back as a session, and an output path that is a
// folder are all refused before any work, with exit 2 and the input left byte for byte as it was.

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;
namespace fs = std::filesystem;

namespace {

// Two IT sessions copied into tmp/nwb and a job over that folder with the cheap analyses only.
struct SmallJob {
    fs::path dir, sessions, session, job;
    explicit SmallJob(const TempDir& tmp) : dir(tmp.path()), sessions(dir / "nwb") {
        fs::create_directories(sessions);
        for (const char* name : {"zhang-desimone-it-1001.nwb", "zhang-desimone-it-1002.nwb"})
            fs::copy_file(it_sessions_dir() / name, sessions / name);
        session = sessions / "zhang-desimone-it-1001.nwb";
        job = dir / "job.ini";
        std::ofstream(job) << "[data]\nsessions = nwb\nregions = IT\nmin_units = 4\n"
                              "[align]\nevent = stim_on_time\nstart = -0.5\nstop = 0.5\n"
                              "bin_width = 0.05\n[conditions]\ncolumns = stimulus_ID\n"
                              "[pca]\nenabled = true\ncomponents = 3\n"
                              "[cvpca]\nenabled = false\n[fa]\nenabled = false\n"
                              "[geometry]\nenabled = false\n[decode]\nenabled = false\n"
                              "[pseudo]\nenabled = false\n";
    }
    CommandResult run(const fs::path& output, int np = 0) const {
        return run::neuropop_run(np,
                                 {job.string(), "--output", output.string(), "--force", "--quiet"});
    }
};

void require_refused(const CommandResult& r, const std::string& rule) {
    INFO(r.err);
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains(rule));
    REQUIRE_THAT(r.err, Catch::Contains("nothing was run"));
}

} // namespace

TEST_CASE(
    "even with --force a session file is never overwritten, however the output path reaches it",
    "[e2e]") {
    TempDir tmp("guard-session");
    SmallJob job(tmp);
    const std::string before = slurp(job.session);

    SECTION("the session file itself") {
        require_refused(job.run(job.session), "is the session file");
    }
    SECTION("through '..'") {
        require_refused(job.run(job.sessions / ".." / "nwb" / job.session.filename()),
                        "is the session file");
    }
    SECTION("a symlink to it") {
        fs::create_symlink(job.session, job.dir / "link.h5");
        require_refused(job.run(job.dir / "link.h5"), "is the session file");
    }
    SECTION("a hard link to it") {
        fs::create_hard_link(job.session, job.dir / "hard.h5");
        require_refused(job.run(job.dir / "hard.h5"), "is the session file");
    }
    SECTION("on 2 ranks") {
        require_refused(job.run(job.session, 2), "is the session file");
    }
    REQUIRE(slurp(job.session) == before);
    REQUIRE(fs::exists(job.sessions / "zhang-desimone-it-1002.nwb"));
}

TEST_CASE("even with --force the job file is never overwritten, nor a folder holding the sessions "
          "cleared",
          "[e2e]") {
    TempDir tmp("guard-job");
    SmallJob job(tmp);
    const std::string job_text = slurp(job.job);

    require_refused(job.run(job.job), "is the job file");
    REQUIRE(slurp(job.job) == job_text);

    // OUT.partial.d is cleared by --force: it must not be the sessions' folder.
    require_refused(job.run(job.dir / "nwb.partial.d" / ".." / "nwb"), "is a folder");
    fs::create_directory_symlink(job.sessions, job.dir / "out.h5.partial.d");
    require_refused(job.run(job.dir / "out.h5"), "holds the session file");
    REQUIRE(fs::exists(job.session));
    REQUIRE(fs::exists(job.sessions / "zhang-desimone-it-1002.nwb"));
}

TEST_CASE("an output the job would read back as a session, or a folder, is refused before work",
          "[e2e]") {
    TempDir tmp("guard-where");
    SmallJob job(tmp);

    require_refused(job.run(job.sessions / "results.nwb"), "would read it as a session");
    REQUIRE_FALSE(fs::exists(job.sessions / "results.nwb"));

    fs::create_directory(job.dir / "a-folder");
    require_refused(job.run(job.dir / "a-folder"), "is a folder");
    REQUIRE_FALSE(fs::exists(job.dir / "a-folder.partial.d"));

    std::ofstream(job.dir / "a-file") << "x";
    require_refused(job.run(job.dir / "a-file" / "out.h5"), "is not a folder");

    // The same job with an ordinary output path runs.
    auto r = job.run(job.dir / "out" / "results.h5");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(fs::exists(job.dir / "out" / "results.h5"));
}

TEST_CASE("neuropop merge and report refuse outputs that are their inputs", "[e2e]") {
    TempDir tmp("guard-merge");
    SmallJob job(tmp);
    const auto shard0 = job.dir / "s0.h5", shard1 = job.dir / "s1.h5";
    for (const auto& [i, out] : {std::pair{0, shard0}, std::pair{1, shard1}}) {
        auto r = run::neuropop_run(0, {job.job.string(), "--output", out.string(), "--shard",
                                       std::to_string(i) + "/2", "--quiet"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
    }
    const std::string shard_bytes = slurp(shard0);
    const std::string merge = shell_quote(binary().string()) + " merge --force --quiet ";
    auto r = run_command(merge + shell_quote(shard0.string()) + " " + shell_quote(shard0.string()) +
                         " " + shell_quote(shard1.string()));
    INFO(r.err);
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("is the shard results file"));
    REQUIRE(slurp(shard0) == shard_bytes);

    r = run_command(merge + shell_quote(job.session.string()) + " " + shell_quote(shard0.string()) +
                    " " + shell_quote(shard1.string()));
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("is the session file"));

    r = run_command(shell_quote(binary().string()) + " report " + shell_quote(shard0.string()) +
                    " --out " + shell_quote(shard0.string()));
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("exists and is not a folder"));
    REQUIRE(slurp(shard0) == shard_bytes);
}
