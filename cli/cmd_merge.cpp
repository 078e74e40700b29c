// `neuropop merge OUT SHARD... [--force] [--quiet]`: the results files of a job's shards
// (`neuropop run --shard I/N`) into the one results file of the whole job, alone or under
// mpirun/srun (engine/drivers/merge.hpp).

#include <iostream>

#include "cli/commands.hpp"
#include "engine/drivers/merge.hpp"
#include "engine/runtime/mpi_context.hpp"
#include "engine/runtime/progress.hpp"

namespace neuropop::cli {

namespace {

void usage(std::ostream& os) {
    os << "usage: neuropop merge OUT SHARD... [--force] [--quiet]\n"
          "       mpirun -np N neuropop merge OUT SHARD...   (the same, writing with N ranks)\n\n"
          "Joins the results files of the N shards of one job (neuropop run JOB --shard I/N, one "
          "per Slurm array task) into OUT, the file the whole job run at once writes: /binned and "
          "/sessions from the shards, /inventory, the skipped list and /progress in the whole "
          "job's order, then the items across sessions that shards leave out: the summaries "
          "(decode_summary: /summary/<region>/decode/<target>, interactions_summary, "
          "models_summary) and the pseudo-populations ([pseudo]: resamples, nulls and their "
          "summaries, run on every rank of the merge over the shards' /binned, with the single "
          "run's draws). Every shard 0..N-1 must be given exactly once, "
          "all of the same job, none with failed items; the job's data must still be there (the "
          "merge takes its inventory again). Writes OUT.partial, renamed to OUT when complete.\n\n"
          "--force  overwrite an existing OUT\n"
          "--quiet  no summary line\n\n"
          "Exit codes: 0 success; 2 bad input (every problem listed, nothing written); 3 an item "
          "run by the merge failed (named; nothing written); 1 internal error.\n";
}

int merge_ranks(const Args& args) {
    engine::MpiSession mpi;
    engine::Context ctx;
    engine::MergeOptions options;
    std::vector<std::string> positional;
    std::vector<std::string> problems;
    for (const auto& a : args) {
        if (a == "--force")
            options.force = true;
        else if (a == "--quiet")
            options.quiet = true;
        else if (a.rfind("--", 0) == 0)
            problems.push_back("unknown option " + a + " (see neuropop merge --help)");
        else
            positional.push_back(a);
    }
    if (positional.size() < 2 && problems.empty())
        problems.push_back("usage: neuropop merge OUT SHARD... (see neuropop merge --help)");
    if (!problems.empty()) {
        if (ctx.rank() == 0)
            for (const auto& p : problems)
                std::cerr << "neuropop merge: " << p << "\n";
        return exit_bad_input;
    }
    options.output = positional.front();
    options.shards.assign(positional.begin() + 1, positional.end());
    const auto r = engine::merge(options, ctx);
    if (ctx.rank() != 0) return r.exit_code;
    if (r.exit_code == exit_bad_input) {
        std::cerr << "neuropop merge: " << r.problems.size()
                  << (r.problems.size() == 1 ? " problem" : " problems")
                  << ", nothing was written:\n";
        for (const auto& p : r.problems)
            std::cerr << "  " << p << "\n";
    } else if (r.exit_code != 0) {
        for (const auto& p : r.problems)
            std::cerr << "neuropop merge: " << p << "\n";
    } else if (!options.quiet) {
        std::cerr << "neuropop merge: " << engine::format_duration(r.seconds) << ", " << r.shards
                  << " shards, " << r.items << " items (" << r.summaries << " summaries run here"
                  << (r.pooled > 0 ? "; " + std::to_string(r.pooled) + " items across sessions"
                                   : "")
                  << "), " << ctx.size() << (ctx.size() == 1 ? " rank" : " ranks")
                  << "; results in " << r.output << "\n";
    }
    return r.exit_code;
}

} // namespace

int merge(const Args& args) {
    for (const auto& a : args)
        if (a == "--help" || a == "-h") {
            usage(std::cout);
            return exit_ok;
        }
    try {
        return merge_ranks(args);
    } catch (const std::exception& e) {
        engine::abort_command("merge", e.what(), exit_internal);
    }
}

} // namespace neuropop::cli
