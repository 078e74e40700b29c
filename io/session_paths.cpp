// Command-line session arguments -> NWB files: plain files, folders (their *.nwb, not recursive)
// and shell-style globs expanded with glob(3), so quoting a pattern works as well as letting the
// shell expand it.

#include <algorithm>
#include <filesystem>
#include <glob.h>

#include "io/errors.hpp"
#include "io/nwb_reader.hpp"

namespace neuropop::io {

namespace {

namespace fs = std::filesystem;

bool has_glob_chars(const std::string& s) {
    return s.find_first_of("*?[") != std::string::npos;
}

// A file as itself; a folder as every regular *.nwb file directly inside it.
void add_path(const std::string& path, const std::string& pattern, std::vector<std::string>& out) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        std::vector<std::string> found;
        for (const auto& entry : fs::directory_iterator(path, ec))
            if (entry.is_regular_file() && entry.path().extension() == ".nwb")
                found.push_back(entry.path().string());
        if (ec) throw InputError(path, "/", "cannot list folder: " + ec.message());
        if (found.empty()) throw InputError(path, "/", "folder holds no *.nwb file");
        out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(path, ec)) {
        out.push_back(path);
    } else {
        throw InputError(pattern, "/", "no such file or folder");
    }
}

std::vector<std::string> glob_matches(const std::string& pattern) {
    glob_t g{};
    int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
    std::vector<std::string> out;
    if (rc == 0)
        for (std::size_t i = 0; i < g.gl_pathc; ++i)
            out.emplace_back(g.gl_pathv[i]);
    ::globfree(&g);
    if (rc == GLOB_NOMATCH || (rc == 0 && out.empty()))
        throw InputError(pattern, "/", "pattern matches no file");
    if (rc != 0) throw InputError(pattern, "/", "glob failed (read error or out of memory)");
    return out;
}

} // namespace

std::vector<std::string> expand_session_paths(const std::vector<std::string>& patterns) {
    std::vector<std::string> files;
    for (const auto& p : patterns) {
        // An existing path is taken literally even if its name contains glob characters.
        std::error_code ec;
        if (!fs::exists(p, ec) && has_glob_chars(p)) {
            for (const auto& match : glob_matches(p))
                add_path(match, p, files);
        } else {
            add_path(p, p, files);
        }
    }
    std::sort(files.begin(), files.end());
    files.erase(std::unique(files.begin(), files.end()), files.end());
    return files;
}

} // namespace neuropop::io
