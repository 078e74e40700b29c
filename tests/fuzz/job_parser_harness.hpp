#pragma once
// What `neuropop run JOB [FLAGS]` does with a job before any work: check_job on a job file,
// then, for an accepted job, the round trip the results file relies on (the rendered job text,
// parsed again, must be accepted and render the same). Shared by the libFuzzer target and the
// regression replay test.
//
// Input layout: INI text, optionally followed by a NUL byte and command-line flags, one
// argument per line. Problems in the job are the documented outcome (returned, not thrown);
// any exception is a bug, and so is a broken round trip (std::logic_error).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace neuropop::fuzz {

struct JobInput {
    std::string ini_text;
    std::vector<std::string> flags;
};

JobInput split_job_input(std::span<const std::uint8_t> bytes);

// Number of problems check_job reported (0: accepted).
std::size_t check_job_input(const JobInput& input);
std::size_t check_job_bytes(std::span<const std::uint8_t> bytes);

} // namespace neuropop::fuzz
