#pragma once
// A job as typed data. Filled from an INI file plus CLI flags (flag wins), validated once, up
// front, with every problem reported together (jobs/job_parser.hpp).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace neuropop::jobs {

// A named time range relative to the alignment event, in seconds, [start, stop).
struct Window {
    std::string name;
    double start = 0.0;
    double stop = 0.0;
};

struct DataSection {
    std::vector<std::string> sessions; // files, folders or globs (relative to the job file)
    std::vector<std::string> regions;  // empty: every region
    std::size_t min_units = 1;         // session-regions with fewer units are skipped (listed)
};

struct AlignSection {
    std::string event = "start_time"; // trials column holding the alignment time
    double start = -0.5;              // window [start, stop) around the event, seconds
    double stop = 0.5;
    double bin_width = 0.05;
};

struct ConditionsSection {
    // Trials columns whose joint labels define a condition, e.g. {"stimulus_ID",
    // "stimulus_position"} -> labels "car|lower". Conditions sorted by label.
    std::vector<std::string> columns;
};

struct OutputSection {
    std::string path = "results.h5";
};

struct RunSection {
    std::uint64_t seed = 1;
    unsigned threads = 0; // per rank; 0: cores / ranks on this node
    bool force = false;   // overwrite an existing results file
    bool resume = false;  // continue from the completed items of an interrupted run
    bool quiet = false;   // no progress line
};

enum class PcaSamples { ConditionMeans, Trials };

struct PcaSection {
    bool enabled = true;
    std::size_t components = 10;
    PcaSamples samples =
        PcaSamples::ConditionMeans; // condition-mean PSTH bins, or single-trial bins
    std::vector<Window> windows;    // empty: the whole aligned window as one window named "all"
};

struct CvPcaSection {
    bool enabled = true;
    std::size_t shuffles = 10;
    std::size_t fit_first = 11; // power-law fit range of k (1-based, clipped to the data)
    std::size_t fit_last = 500;
};

struct FactorAnalysisSection {
    bool enabled = true;
    std::size_t factors = 3;
    Window window{"fa", 0.0, 0.5}; // single-trial counts summed over this window
    std::size_t max_iter = 1000;
    double tol = 1e-2;
};

struct JobSpec {
    std::string job_file; // path of the INI file ("" when built in code)
    std::string job_text; // full effective job (INI text after flags), stored in the results
    DataSection data;
    AlignSection align;
    ConditionsSection conditions;
    OutputSection output;
    RunSection run;
    PcaSection pca;
    CvPcaSection cvpca;
    FactorAnalysisSection fa;
};

} // namespace neuropop::jobs
