#pragma once
// Every problem found while reading a job (its keys, or the dataset it names), raised together so
// a user fixes them in one round. It is an io::InputError, so the CLI reports it and exits 2.

#include <string>
#include <vector>

#include "io/errors.hpp"

namespace neuropop::jobs {

class JobError : public io::InputError {
public:
    // `where` is what was checked ("job" for keys and flags, "data" for the sessions); the
    // message is a count line followed by one indented line per problem.
    JobError(std::string job_file, std::string where, std::vector<std::string> problems)
        : io::InputError(std::move(job_file), std::move(where), summarise(problems)),
          problems_(std::move(problems)) {}
    const std::vector<std::string>& problems() const { return problems_; }

private:
    static std::string summarise(const std::vector<std::string>& problems) {
        std::string text =
            std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems");
        for (const auto& p : problems)
            text += "\n  " + p;
        return text;
    }
    std::vector<std::string> problems_;
};

} // namespace neuropop::jobs
