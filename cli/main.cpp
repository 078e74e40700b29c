// neuropop: one binary, subcommands dispatched by name. Errors that describe bad input become
// one line on stderr and exit code 2; anything else is an internal error (exit 1).

#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include <boost/program_options/errors.hpp>

#include "cli/commands.hpp"
#include "engine/runtime/malloc_tuning.hpp"
#include "io/errors.hpp"
#include "io/h5_error.hpp"

namespace {

struct Command {
    const char* name;
    int (*fn)(const neuropop::cli::Args&);
    const char* summary;
};

constexpr Command commands[] = {
    {"inspect", neuropop::cli::inspect,
     "summarise NWB sessions (units per region, trials, columns)"},
    {"generate", neuropop::cli::generate, "write synthetic NWB sessions with known ground truth"},
    {"run", neuropop::cli::run, "run a job: bin, analyse, write one HDF5 results file (MPI)"},
    {"merge", neuropop::cli::merge,
     "join the results files of a job's shards (run --shard I/N) into one (MPI)"},
    {"report", neuropop::cli::report, "figures and an index.html of a results file (matplotlib)"},
    {"plan", neuropop::cli::plan,
     "a job's work items, core-hours, wall time, memory and results size, without running it"},
    {"import", neuropop::cli::import_folder,
     "convert a Kilosort/phy or IBL ALF folder and a trials table to NWB"},
};

void usage(std::ostream& os) {
    os << "neuropop " << NEUROPOP_VERSION
       << " — population analyses of spiking data from NWB files, MPI + TBB\n\n"
          "usage: neuropop <command> [options]   (neuropop <command> --help for details)\n\n"
          "commands:\n";
    for (const auto& c : commands) {
        std::string name = c.name;
        os << "  " << name << std::string(12 - name.size(), ' ') << c.summary << "\n";
    }
    os << "\nexit codes: 0 success, 1 internal error, 2 bad input or usage, 3 failed work items\n";
}

} // namespace

int main(int argc, char** argv) {
    neuropop::engine::tune_malloc();
    neuropop::h5::silence_errors();
    if (argc < 2) {
        usage(std::cerr);
        return neuropop::cli::exit_bad_input;
    }
    std::string name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        usage(std::cout);
        return 0;
    }
    if (name == "--version") {
        std::cout << "neuropop " << NEUROPOP_VERSION << "\n";
        return 0;
    }
    neuropop::cli::Args args(argv + 2, argv + argc);
    for (const auto& c : commands) {
        if (name != c.name) continue;
        try {
            return c.fn(args);
        } catch (const neuropop::io::InputError& e) {
            std::cerr << "neuropop " << name << ": " << e.what() << "\n";
            return neuropop::cli::exit_bad_input;
        } catch (const neuropop::h5::Error& e) {
            std::cerr << "neuropop " << name << ": " << e.what() << "\n";
            return neuropop::cli::exit_bad_input;
        } catch (const boost::program_options::error& e) {
            std::cerr << "neuropop " << name << ": " << e.what() << " (see neuropop " << name
                      << " --help)\n";
            return neuropop::cli::exit_bad_input;
        } catch (const std::exception& e) {
            std::cerr << "neuropop " << name << ": internal error: " << e.what() << "\n";
            return neuropop::cli::exit_internal;
        }
    }
    std::cerr << "neuropop: unknown command '" << name << "' (see neuropop --help)\n";
    return neuropop::cli::exit_bad_input;
}
