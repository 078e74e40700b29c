// libFuzzer target: the fuzz input is a job (INI text, optionally a NUL byte and flags one per
// line), checked as `neuropop run` checks it (tests/fuzz/job_parser_harness.hpp). Problems in the
// job are the documented outcome; any exception, crash or sanitizer report is a finding.

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <span>

#include "tests/fuzz/job_parser_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        (void)neuropop::fuzz::check_job_bytes({data, size});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "neuropop fuzz: unexpected exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}
