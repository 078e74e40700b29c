#pragma once
// CLI subcommands. Each takes the arguments after its name and returns the process exit code:
// 0 success, 2 bad input or usage (one line on stderr), 3 some work items failed.

#include <string>
#include <vector>

namespace neuropop::cli {

using Args = std::vector<std::string>;

int inspect(const Args& args);       // cli/cmd_inspect.cpp
int generate(const Args& args);      // cli/cmd_generate.cpp
int run(const Args& args);           // cli/cmd_run.cpp
int merge(const Args& args);         // cli/cmd_merge.cpp
int report(const Args& args);        // cli/cmd_report.cpp
int plan(const Args& args);          // cli/cmd_plan.cpp
int import_folder(const Args& args); // cli/cmd_import.cpp (neuropop import)

// Exit codes shared by every subcommand.
inline constexpr int exit_ok = 0;
inline constexpr int exit_internal = 1;
inline constexpr int exit_bad_input = 2;
inline constexpr int exit_failed_items = 3;

} // namespace neuropop::cli
