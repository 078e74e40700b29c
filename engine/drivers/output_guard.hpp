#pragma once
// Checks of the paths a command is about to write, made before any work: `--force` may replace an
// earlier results file, never an input. An output that resolves (after symlinks, `..` and hard
// links: device + inode) to a file the command reads, a work folder that is or holds an input, a
// results file that the job's own data.sessions would read back as a session, a path that is a
// folder where a file goes (or the reverse) and a folder that cannot be written are refused, each
// as one line naming the path and the rule.

#include <string>
#include <vector>

namespace neuropop::engine {

// A file or folder the command reads, with what it is for the message ("session file", ...).
struct InputPath {
    std::string path;
    std::string role;
};

// A path the command writes: a file (replaced by rename) or a folder (created, and cleared by
// --force).
struct OutputPath {
    std::string path;
    std::string option; // the option that named it, for the message ("--output", "--out", ...)
    bool is_folder = false;
};

// One line per problem, empty when every output is safe to write. `session_patterns` are the
// job's data.sessions entries (files, folders or globs): a results file that one of them would
// expand to is refused, so the next run of the same job does not read its own output.
std::vector<std::string> check_outputs(const std::vector<OutputPath>& outputs,
                                       const std::vector<InputPath>& inputs,
                                       const std::vector<std::string>& session_patterns = {});

} // namespace neuropop::engine
