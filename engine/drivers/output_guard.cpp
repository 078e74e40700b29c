#include "engine/drivers/output_guard.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fnmatch.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace neuropop::engine {

namespace fs = std::filesystem;

namespace {

struct FileId {
    dev_t dev;
    ino_t ino;
    bool folder;
};

// stat(2) follows symlinks, so a link to an input, or a second hard link of it, has the input's
// device and inode: the identity a path comparison would miss.
std::optional<FileId> file_id(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;
    return FileId{st.st_dev, st.st_ino, S_ISDIR(st.st_mode)};
}

fs::path resolved(const std::string& path) {
    std::error_code ec;
    auto p = fs::weakly_canonical(fs::absolute(path), ec);
    return ec ? fs::absolute(path).lexically_normal() : p;
}

// Whether `inner` lies below `outer` (both resolved).
bool below(const fs::path& inner, const fs::path& outer) {
    auto rel = inner.lexically_relative(outer);
    return !rel.empty() && *rel.begin() != ".." && rel != ".";
}

// The nearest existing folder a new path would be created in must be a writable folder.
std::optional<std::string> unwritable(const fs::path& target) {
    fs::path dir = fs::absolute(target).parent_path();
    std::error_code ec;
    while (!dir.empty() && !fs::exists(dir, ec) && dir != dir.root_path())
        dir = dir.parent_path();
    if (!fs::is_directory(dir, ec)) return dir.string() + " is not a folder";
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
        return "cannot write in " + dir.string() + ": " + std::strerror(errno);
    return std::nullopt;
}

// Whether the job's data.sessions entry would pick `target` up as a session: a folder entry
// reads every *.nwb directly inside it, a glob entry every path it matches.
bool read_as_session(const fs::path& target, const std::string& pattern) {
    const fs::path entry = fs::absolute(pattern).lexically_normal();
    std::error_code ec;
    if (fs::is_directory(entry, ec))
        return target.extension() == ".nwb" && resolved(entry.string()) == target.parent_path();
    if (pattern.find_first_of("*?[") == std::string::npos) return false;
    return ::fnmatch(entry.c_str(), target.c_str(), FNM_PATHNAME) == 0 ||
           ::fnmatch(entry.c_str(), fs::absolute(target).lexically_normal().c_str(),
                     FNM_PATHNAME) == 0;
}

} // namespace

std::vector<std::string> check_outputs(const std::vector<OutputPath>& outputs,
                                       const std::vector<InputPath>& inputs,
                                       const std::vector<std::string>& session_patterns) {
    std::vector<std::string> problems;
    for (const auto& out : outputs) {
        const std::string head = out.option + " " + out.path + ": ";
        const auto before = problems.size();
        const auto id = file_id(out.path);
        const fs::path where = resolved(out.path);
        if (id && out.is_folder && !id->folder)
            problems.push_back(head + "exists and is not a folder; move it away or choose another "
                                      "output path");
        if (id && !out.is_folder && id->folder)
            problems.push_back(head + "is a folder; the results are a file: give a file path");
        for (const auto& in : inputs) {
            const auto in_id = file_id(in.path);
            if (!in_id) continue;
            if (id && id->dev == in_id->dev && id->ino == in_id->ino)
                problems.push_back(head + "is the " + in.role + " " + in.path +
                                   " (same file after links); an input is never overwritten, not "
                                   "even with --force");
            else if (id && id->folder && below(resolved(in.path), where))
                problems.push_back(head + "holds the " + in.role + " " + in.path +
                                   "; an input is never overwritten, not even with --force");
        }
        if (!out.is_folder)
            for (const auto& pattern : session_patterns)
                if (read_as_session(where, pattern)) {
                    problems.push_back(head + "data.sessions entry '" + pattern +
                                       "' would read it as a session; write the results "
                                       "elsewhere");
                    break;
                }
        if (problems.size() == before && !id)
            if (auto why = unwritable(out.path)) problems.push_back(head + *why);
    }
    return problems;
}

} // namespace neuropop::engine
