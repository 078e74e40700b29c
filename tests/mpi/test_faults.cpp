// Faults a long run meets on a cluster: the disk fills up, an item file is cut short or
// corrupted before --resume, the job changes between a run and its resume, a second run starts
// on the same output, a rank is killed, a results file is truncated. Each ends with one clear
// line and an exit code — no signal, no hang, no garbage merged — and --resume then completes
// with the results an undisturbed run gives.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/e2e/merge_helpers.hpp"
#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> item_files(const fs::path& output) {
    std::vector<fs::path> files;
    const auto items = with_suffix(output, ".partial.d") / "items";
    if (fs::exists(items))
        for (const auto& e : fs::directory_iterator(items))
            if (e.path().extension() == ".h5") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    return files;
}

// A tmpfs of a given size mounted on a folder for the test's life (needs root, as CI runs).
class SmallDisk {
public:
    SmallDisk(const fs::path& dir, const std::string& size) : dir_(dir) {
        fs::create_directories(dir);
        mounted_ =
            run_command("mount -t tmpfs -o size=" + size + " tmpfs " + shell_quote(dir.string()))
                .exit_code == 0;
    }
    ~SmallDisk() {
        if (mounted_) run_command("umount " + shell_quote(dir_.string()));
    }
    bool mounted() const { return mounted_; }
    void grow(const std::string& size) const {
        REQUIRE(run_command("mount -o remount,size=" + size + " " + shell_quote(dir_.string()))
                    .exit_code == 0);
    }

private:
    fs::path dir_;
    bool mounted_ = false;
};

// The IT job under `timeout`, so a hang fails the test instead of blocking the suite.
CommandResult run_bounded(int np, const fs::path& out, std::vector<std::string> extra) {
    extra.push_back("--quiet");
    return run::neuropop_run(np, run::it_args(out, extra), "timeout 600 env");
}

} // namespace

TEST_CASE("a disk that fills up ends the run with one line and exit 4 on every rank count, and "
          "--resume on a bigger disk completes identically",
          "[mpi]") {
    TempDir tmp("faults-disk");
    const auto reference = tmp / "reference.h5";
    auto r = run_bounded(1, reference, {});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto session = it_sessions_dir() / "zhang-desimone-it-1001.nwb";
    const std::string session_bytes = slurp(session);

    // 300 KiB: the item files themselves do not fit (7 MB in all); 10 MiB: they do, the merged
    // file does not, which the free-space check finds before the merge; and the same with that
    // check off, so that the collective write itself meets the full disk.
    struct Case {
        int np;
        const char* size;
        const char* env;
    };
    for (const auto& [np, size, env] :
         {Case{1, "300k", ""}, Case{2, "300k", ""}, Case{1, "10m", ""}, Case{2, "10m", ""},
          Case{1, "10m", "NEUROPOP_TEST_SKIP_SPACE_CHECK=1"},
          Case{2, "10m", "NEUROPOP_TEST_SKIP_SPACE_CHECK=1"}}) {
        DYNAMIC_SECTION(np << " rank(s), a " << size << " disk " << env) {
            SmallDisk disk(tmp / "disk", size);
            if (!disk.mounted()) {
                WARN("skipped: cannot mount a tmpfs here (needs root)");
                return;
            }
            const auto out = tmp / "disk" / "it.h5";
            r = run::neuropop_run(np, run::it_args(out, {"--quiet"}),
                                  std::string("timeout 600 env ") + env);
            INFO(r.err);
            REQUIRE(r.exit_code == 4); // not 124 (a hang under timeout), not 128+ (a signal)
            REQUIRE_THAT(r.err, Catch::Contains("no space left on device"));
            REQUIRE_THAT(r.err, Catch::Contains((tmp / "disk").string()));
            REQUIRE_THAT(r.err, Catch::Contains("--resume"));
            REQUIRE_FALSE(fs::exists(out));
            REQUIRE(fs::exists(with_suffix(out, ".partial.d") / "job.ini"));
            REQUIRE(slurp(session) == session_bytes);

            disk.grow("256m");
            r = run_bounded(np, out, {"--resume"});
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
            run::require_same_results(reference, out);
        }
    }
}

// `neuropop merge` writes into the same kind of partial file; a rank whose collective write
// fails must take the others down with one line (they may be waiting in a broadcast of the
// layout or in a collective HDF5 call), and the shards, its inputs, stay as they were.
TEST_CASE("a merge onto a disk that fills up ends with one line and exit 4 on 1 and 2 ranks, "
          "the shards untouched",
          "[mpi]") {
    TempDir tmp("faults-merge-disk");
    const auto job = merge::write_job(tmp);
    const auto shards = merge::run_shards(tmp, job, 2);
    std::vector<std::string> before;
    for (const auto& s : shards)
        before.push_back(slurp(s));
    for (int np : {1, 2}) {
        DYNAMIC_SECTION(np << " rank(s)") {
            // 200 KiB: the merged /binned alone is 800 kB (merge::write_job).
            SmallDisk disk(tmp / "disk", "200k");
            if (!disk.mounted()) {
                WARN("skipped: cannot mount a tmpfs here (needs root)");
                return;
            }
            const auto out = tmp / "disk" / "merged.h5";
            const auto r =
                merge::neuropop_merge(np, {out.string(), shards[0], shards[1]}, "timeout 600 env");
            INFO(r.err);
            REQUIRE(r.exit_code == 4); // not 124 (a hang under timeout), not 128+ (a signal)
            REQUIRE_THAT(r.err, Catch::Contains("no space left on device"));
            REQUIRE_THAT(r.err, Catch::Contains((tmp / "disk").string()));
            REQUIRE_FALSE(fs::exists(out));
            for (std::size_t i = 0; i < shards.size(); ++i)
                REQUIRE(slurp(shards[i]) == before[i]);
        }
    }
}

TEST_CASE(
    "a resumed run recomputes an item file that was truncated or corrupted instead of merging it",
    "[mpi]") {
    TempDir tmp("faults-items");
    const auto reference = tmp / "reference.h5";
    const auto out = tmp / "killed.h5";
    auto r = run_bounded(1, reference, {});
    REQUIRE(r.exit_code == 0);
    r = run::neuropop_run(1, run::it_args(out, {"--quiet"}), "NEUROPOP_TEST_KILL_AFTER_ITEMS=30");
    REQUIRE(r.exit_code != 0);
    const auto files = item_files(out);
    REQUIRE(files.size() >= 30);

    // One file cut to half its size; one with a byte of its last kilobyte (dataset values, which
    // HDF5 reads back without complaint) flipped.
    fs::resize_file(files[3], fs::file_size(files[3]) / 2);
    {
        std::fstream f(files[7], std::ios::in | std::ios::out | std::ios::binary);
        const auto at = static_cast<std::streamoff>(fs::file_size(files[7]) - 700);
        f.seekg(at);
        char c = 0;
        f.get(c);
        f.seekp(at);
        f.put(static_cast<char>(c ^ 0x5a));
    }
    r = run::neuropop_run(2, run::it_args(out, {"--resume"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains(files[3].filename().string() + ": size"));
    REQUIRE_THAT(r.err, Catch::Contains(files[7].filename().string() + ": CRC-32 differs"));
    REQUIRE_THAT(r.err, Catch::Contains("computed again"));
    run::require_same_results(reference, out);
}

TEST_CASE("resuming with a changed job is refused naming every key that differs", "[mpi]") {
    TempDir tmp("faults-changed");
    const auto out = tmp / "killed.h5";
    auto r =
        run::neuropop_run(1, run::it_args(out, {"--quiet"}), "NEUROPOP_TEST_KILL_AFTER_ITEMS=5");
    REQUIRE(r.exit_code != 0);
    r = run::neuropop_run(
        2, run::it_args(out, {"--resume", "--pca.components", "4", "--fa.factors", "2"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("pca.components: '10' then, '4' now"));
    REQUIRE_THAT(r.err, Catch::Contains("fa.factors: '3' then, '2' now"));
    REQUIRE(item_files(out).size() >= 5); // the interrupted run's work is untouched
}

TEST_CASE("a second run on an output in use exits 2 naming the first; a dead run's lock is taken "
          "over",
          "[mpi]") {
    TempDir tmp("faults-lock");
    const auto out = tmp / "it.h5";
    const auto dir = with_suffix(out, ".partial.d");
    fs::create_directories(dir);
    // A live holder of the lock: a process that flocks PATH.partial.d/lock as a run does.
    const auto ready = tmp / "ready";
    const std::string holder =
        "/usr/bin/python3 -c " +
        shell_quote("import fcntl, sys, time\n"
                    "f = open(sys.argv[1], 'w'); fcntl.flock(f, fcntl.LOCK_EX)\n"
                    "f.write('host testhost pid 4242\\n'); f.flush()\n"
                    "open(sys.argv[2], 'w').close(); time.sleep(60)\n") +
        " " + shell_quote((dir / "lock").string()) + " " + shell_quote(ready.string()) +
        " & echo $!";
    const auto started = run_command(holder);
    REQUIRE(started.exit_code == 0);
    for (int i = 0; i < 100 && !fs::exists(ready); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    REQUIRE(fs::exists(ready));
    for (const char* flag : {"--force", "--resume"}) {
        auto r = run::neuropop_run(2, run::it_args(out, {flag, "--quiet"}));
        INFO(r.err);
        REQUIRE(r.exit_code == 2);
        REQUIRE_THAT(r.err, Catch::Contains("in use by host testhost pid 4242"));
    }
    run_command("kill " + started.out);
    // The holder is gone: its lock file still names it, but the kernel released the lock.
    for (int i = 0; i < 50; ++i) {
        auto r = run_command("/usr/bin/python3 -c " +
                             shell_quote("import fcntl, sys\nf = open(sys.argv[1], 'a')\n"
                                         "fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)\n") +
                             " " + shell_quote((dir / "lock").string()));
        if (r.exit_code == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto r = run::neuropop_run(1, run::it_args(out, {"--force"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("taking over the lock of a run that is gone (host "
                                        "testhost pid 4242)"));
    REQUIRE_FALSE(fs::exists(dir));
}

TEST_CASE("kill -9 of one rank (not mpirun) ends the job without a hang and --resume completes "
          "identically",
          "[mpi]") {
    TempDir tmp("faults-rank");
    const auto reference = tmp / "reference.h5";
    const auto out = tmp / "killed.h5";
    auto r = run_bounded(1, reference, {});
    REQUIRE(r.exit_code == 0);
    // Rank 1 kills itself with SIGKILL after its second item: the same signal `kill -9 PID` of
    // that process sends, placed deterministically.
    r = run::neuropop_run(2, run::it_args(out, {"--quiet"}),
                          "timeout 600 env NEUROPOP_TEST_KILL_RANK=1 "
                          "NEUROPOP_TEST_KILL_AFTER_ITEMS=2");
    INFO(r.err);
    REQUIRE(r.exit_code != 0);
    REQUIRE(r.exit_code != 124); // timeout: a hang
    REQUIRE_THAT(r.err, Catch::Contains("rank 1"));
    REQUIRE_FALSE(fs::exists(out));
    r = run::neuropop_run(2, run::it_args(out, {"--resume", "--quiet"}), "timeout 600 env");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    run::require_same_results(reference, out);
}

TEST_CASE("neuropop report on a truncated results file: one line, exit 2, no traceback", "[mpi]") {
    TempDir tmp("faults-report");
    const auto out = tmp / "it.h5";
    auto r = run_bounded(1, out, {});
    REQUIRE(r.exit_code == 0);
    for (const double keep : {0.5, 0.01}) {
        const auto cut = tmp / ("cut-" + std::to_string(keep) + ".h5");
        fs::copy_file(out, cut);
        fs::resize_file(
            cut, static_cast<std::uintmax_t>(keep * static_cast<double>(fs::file_size(out))));
        r = run_command(shell_quote(binary().string()) + " report " + shell_quote(cut.string()) +
                        " --out " + shell_quote((tmp / "figs").string()));
        INFO(r.err);
        REQUIRE(r.exit_code == 2);
        REQUIRE_THAT(r.err, !Catch::Contains("Traceback"));
        REQUIRE(std::count(r.err.begin(), r.err.end(), '\n') == 1);
        REQUIRE_THAT(r.err, Catch::Contains(cut.string()));
    }
}
