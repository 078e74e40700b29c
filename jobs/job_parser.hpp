#pragma once
// Job files -> JobSpec. A job is an INI file (Boost.Program_options syntax: `[section]` headers,
// `key = value`, `#` starts a comment); every key `[section] key = value` is also the flag
// `--section.key value`, and a flag wins over the file. Lists are comma-separated. Shortcut flags
// of `neuropop run`: --output PATH (output.path), --threads N (run.threads), --force, --resume,
// --quiet (run.force/resume/quiet = true).
//
// Unknown sections, unknown keys and unknown flags are errors, never ignored: a misspelt key
// would otherwise leave its default in place without a word. Every problem in the file and the
// flags is collected and reported at once, one line each: the key, what was wrong, what is
// allowed.
//
// Paths (data.sessions, output.path) in the file are taken relative to the file's folder, on
// the command line relative to the current folder; the spec holds them absolute, so the
// rendered job means the same wherever it is read again.

#include <string>
#include <vector>

#include "jobs/job_error.hpp"
#include "jobs/job_spec.hpp"

namespace neuropop::jobs {

struct ParseResult {
    JobSpec spec;                      // meaningful only when problems is empty
    std::vector<std::string> problems; // one line each
};

// Reads the job file and applies the flags; collects problems instead of throwing.
ParseResult check_job(const std::string& ini_path, const std::vector<std::string>& cli_args);
// The same for INI text in memory; `job_file` names it and its folder anchors relative paths
// ("" : the current folder).
ParseResult check_job_text(const std::string& ini_text, const std::string& job_file,
                           const std::vector<std::string>& cli_args);

// check_job, throwing JobError (an io::InputError) that lists every problem.
JobSpec parse_job(const std::string& ini_path, const std::vector<std::string>& cli_args);

// Every section and key with its default and allowed values, for `neuropop run --help`.
std::string job_help();

enum class RenderScope {
    Full,   // every key: parsing the text again gives the same spec
    Results // only keys that change results: leaves out [output] and run.threads, run.force,
            // run.resume, run.quiet, run.max_item_mb, run.cache_mb, so runs that differ only in
            // those store the same job text
};

// The effective job as INI text, one `key = value` per line under its section.
std::string render_job(const JobSpec& spec, RenderScope scope = RenderScope::Full);

} // namespace neuropop::jobs
