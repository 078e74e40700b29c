#pragma once
// trials.where: which trials a job bins, as conditions on trials columns joined by `and`.
//
//   where      := condition ( "and" condition )*
//   condition  := column ( "in" | "not" "in" ) "(" value ( "," value )* ")"
//               | column ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) value
//   column     := name of letters, digits, '_', '.', '-' (not starting with a digit or '-')
//   value      := bare word (letters, digits, '_', '.', '+', '-') | 'quoted' | "quoted"
//
// Keywords (and, in, not) are case-insensitive. On a string column a value is compared as text;
// on a numeric column it must be a number and is compared numerically, and a row whose value is
// NaN fails the condition whatever the operator (it is dropped and counted). `<`, `<=`, `>`, `>=`
// need a numeric column. Parsing and evaluation are pure: no files, no job, no MPI.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace neuropop::io {
struct TrialsTable;
struct Column;
} // namespace neuropop::io

namespace neuropop::jobs {

enum class FilterOp { In, NotIn, Eq, Ne, Lt, Le, Gt, Ge };

struct FilterValue {
    std::string text;
    bool quoted = false;
};

struct FilterCondition {
    std::string column;
    FilterOp op = FilterOp::Eq;
    std::vector<FilterValue> values; // one for the comparisons, one or more for in / not in
    std::string text;                // the condition as written, for messages
};

struct TrialFilter {
    std::vector<FilterCondition> conditions; // empty: every trial passes
    bool empty() const { return conditions.empty(); }
};

// Parses `text` (empty or blank: no condition). On a syntax error returns nullopt and sets `why`
// to "at character N: expected ..., found ..." (N 1-based in `text`).
std::optional<TrialFilter> parse_trial_filter(const std::string& text, std::string& why);

const char* op_text(FilterOp op);

// Why `condition` cannot be evaluated on `column` ("" when it can): a numeric comparison on a
// string column, or a value that is not a number for a numeric column.
std::string condition_mismatch(const FilterCondition& condition, const io::Column& column);

struct FilterOutcome {
    std::vector<char> keep;       // one per trials row: 1 passes every condition
    std::size_t filtered_out = 0; // rows that fail (NaN rows included)
    std::size_t nan = 0;          // of those, rows with NaN in a compared numeric column
};

// Evaluates the filter on every row of `trials`. Every column must exist and match
// (condition_mismatch empty); std::invalid_argument otherwise.
FilterOutcome evaluate_filter(const TrialFilter& filter, const io::TrialsTable& trials);

} // namespace neuropop::jobs
