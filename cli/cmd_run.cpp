// `neuropop run JOB.ini [--output PATH] [--force] [--resume] [--threads N] [--quiet]
//  [--shard I/N] [--section.key value ...]`: the same binary alone or under mpirun/srun.

#include <cstddef>
#include <iostream>
#include <optional>

#include "cli/commands.hpp"
#include "engine/drivers/run.hpp"
#include "engine/runtime/mpi_context.hpp"
#include "io/errors.hpp"
#include "jobs/job_parser.hpp"
#include "jobs/shard.hpp"

namespace neuropop::cli {

namespace {

void usage(std::ostream& os) {
    os << "usage: neuropop run JOB.ini [--output PATH] [--force] [--resume] [--threads N] "
          "[--quiet] [--shard I/N] [--section.key value ...]\n"
          "       mpirun -np N neuropop run JOB.ini ...   (same flags; rank 0 schedules and "
          "works too)\n\n"
          "--shard I/N runs shard I of N (0 <= I < N, a Slurm array task): the sessions at "
          "positions p (in session-key order) with p % N == I, without the summaries across "
          "sessions; `neuropop merge OUT SHARD...` joins the N shard files and runs those.\n\n"
          "Exit codes: 0 success; 2 bad job, bad data or output in the way (every problem is "
          "listed, nothing is run); 3 some work items failed (named; the results stay in "
          "PATH.partial, --resume retries them); 4 the disk filled up (the finished items are "
          "kept; "
          "--resume continues once there is space); 1 internal error.\n\n"
       << jobs::job_help();
}

int report_problems(const std::string& prefix, const std::vector<std::string>& problems, int code) {
    std::cerr << "neuropop run: " << prefix << problems.size()
              << (problems.size() == 1 ? " problem" : " problems") << ", nothing was run:\n";
    for (const auto& p : problems)
        std::cerr << "  " << p << "\n";
    return code;
}

// Takes `--shard I/N` (or `--shard=I/N`) out of the flags: it is not a job key.
std::optional<jobs::ShardId> take_shard(Args& flags, std::vector<std::string>& problems) {
    std::optional<jobs::ShardId> shard;
    for (std::size_t i = 0; i < flags.size();) {
        std::string value;
        std::size_t taken = 0;
        if (flags[i] == "--shard") {
            taken = i + 1 < flags.size() ? 2 : 1;
            if (taken == 2) value = flags[i + 1];
        } else if (flags[i].rfind("--shard=", 0) == 0) {
            taken = 1;
            value = flags[i].substr(8);
        } else {
            ++i;
            continue;
        }
        flags.erase(flags.begin() + static_cast<std::ptrdiff_t>(i),
                    flags.begin() + static_cast<std::ptrdiff_t>(i + taken));
        shard = jobs::parse_shard(value);
        if (!shard)
            problems.push_back("--shard '" + value +
                               "': not a shard; allowed: I/N with 0 <= I < N, e.g. 0/8");
    }
    return shard;
}

int run_ranks(const Args& args) {
    engine::MpiSession mpi;
    engine::Context ctx;
    // Every rank parses the same job; the outcome is agreed so no rank waits for one that quit.
    jobs::ParseResult parsed;
    if (args.empty() || args.front().rfind("--", 0) == 0) {
        parsed.problems.push_back("the job file comes first: neuropop run JOB.ini [flags]");
    } else {
        Args flags(args.begin() + 1, args.end());
        std::vector<std::string> shard_problems;
        const auto shard = take_shard(flags, shard_problems);
        parsed = jobs::check_job(args.front(), flags);
        parsed.problems.insert(parsed.problems.end(), shard_problems.begin(), shard_problems.end());
        if (shard) {
            parsed.spec.run.shard = shard->index;
            parsed.spec.run.shards = shard->count;
            parsed.spec.run.summaries = false;
        }
    }
    const int bad = ctx.max(parsed.problems.empty() ? 0 : 1);
    if (bad) {
        if (ctx.rank() == 0) {
            if (parsed.problems.empty())
                parsed.problems.push_back("the job could not be read on every rank");
            return report_problems(args.empty() ? "" : args.front() + ": ", parsed.problems,
                                   exit_bad_input);
        }
        return exit_bad_input;
    }
    engine::RunResult r = engine::run(parsed.spec, ctx);
    if (ctx.rank() == 0) {
        if (r.exit_code == exit_bad_input)
            return report_problems(parsed.spec.job_file + ": ", r.problems, r.exit_code);
        if (r.exit_code == exit_internal || r.exit_code == engine::exit_no_space)
            for (const auto& p : r.problems)
                std::cerr << "neuropop run: " << p << "\n";
        if (r.exit_code == exit_failed_items) {
            std::cerr << "neuropop run: " << r.failed.size()
                      << (r.failed.size() == 1 ? " work item" : " work items")
                      << " failed; the results file stays " << r.output << ":\n";
            for (const auto& f : r.failed)
                std::cerr << "  " << f << "\n";
        }
    }
    return r.exit_code;
}

} // namespace

int run(const Args& args) {
    for (const auto& a : args)
        if (a == "--help" || a == "-h") {
            usage(std::cout);
            return exit_ok;
        }
    try {
        return run_ranks(args);
    } catch (const std::exception& e) {
        engine::abort_command("run", e.what(), exit_internal);
    }
}

} // namespace neuropop::cli
