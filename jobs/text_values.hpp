#pragma once
// Text <-> value conversions for job keys. Each parser returns the value or, in `why`, what was
// wrong, so the caller can collect every problem instead of stopping at the first.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/job_spec.hpp"

namespace neuropop::jobs::text {

std::string trim(std::string_view s);
// Comma-separated items, each trimmed; empty items are dropped ("a, b," -> {"a", "b"}).
std::vector<std::string> split_list(std::string_view s, char sep = ',');
std::string join(const std::vector<std::string>& items, std::string_view sep = ", ");

// Whole number in [min, max]; no sign, no fraction, no exponent.
std::optional<std::uint64_t> to_uint(std::string_view s, std::uint64_t min, std::uint64_t max,
                                     std::string& why);
// Finite decimal number.
std::optional<double> to_double(std::string_view s, std::string& why);
// true/false, yes/no, on/off, 1/0 (any case).
std::optional<bool> to_bool(std::string_view s, std::string& why);

// Shortest text that parses back to exactly the same double.
std::string format_double(double x);
std::string format_bool(bool b);

// "name:start:stop"; with `default_name`, "start:stop" is accepted too and gets that name.
std::optional<Window> to_window(std::string_view s, std::string& why,
                                const char* default_name = nullptr);
std::string format_window(const Window& w);

// Levenshtein distance, for "did you mean" hints on misspelt keys.
std::size_t edit_distance(std::string_view a, std::string_view b);

} // namespace neuropop::jobs::text
