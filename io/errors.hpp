#pragma once
// Typed input errors. Their one-line message names the file, the HDF5 path and the rule broken,
// so the CLI can print what() and exit 2.

#include <stdexcept>
#include <string>

namespace neuropop::io {

class InputError : public std::runtime_error {
public:
    InputError(std::string file, std::string path, std::string rule)
        : std::runtime_error(file + ": " + path + ": " + rule), file_(std::move(file)),
          path_(std::move(path)), rule_(std::move(rule)) {}
    const std::string& file() const { return file_; }
    const std::string& path() const { return path_; }
    const std::string& rule() const { return rule_; }

private:
    std::string file_, path_, rule_;
};

} // namespace neuropop::io
