#pragma once
// Option parsing shared by the subcommands that take options plus positional arguments
// (inspect, report).

#include <optional>

#include <boost/program_options.hpp>

#include "cli/commands.hpp"

namespace neuropop::cli {

// Parses `args` against `visible` (which must define "help"), collecting every positional
// argument under the name `positional` as a string vector. On --help prints `visible` and
// returns nullopt (the caller returns exit_ok). Usage errors throw boost::program_options::error.
std::optional<boost::program_options::variables_map>
parse_with_positional(const Args& args, const boost::program_options::options_description& visible,
                      const char* positional);

} // namespace neuropop::cli
