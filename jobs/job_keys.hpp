#pragma once
// The table of job keys: one entry per `[section] key`, holding how to read it, how to write it
// back and what it allows. Parsing, rendering and `--help` are all driven by this one table, so
// they cannot drift apart.

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "jobs/job_spec.hpp"

namespace neuropop::jobs::detail {

struct KeySpec {
    std::string name;    // "section.key"
    std::string allowed; // what values are accepted, shown in problems and help
    std::string help;    // one line: what the key does
    std::function<std::string(const JobSpec&)> get;
    // Sets the field from `text`; returns "" or what was wrong with the text. Relative paths are
    // resolved against `base` (the job file's folder, or the current folder for flags).
    std::function<std::string(JobSpec&, const std::string& text, const std::filesystem::path& base)>
        set;
};

struct SectionSpec {
    std::string name;
    std::string help;
};

const std::vector<KeySpec>& job_keys();         // in render order
const std::vector<SectionSpec>& job_sections(); // in render order
const KeySpec* find_key(const std::string& name);

} // namespace neuropop::jobs::detail
