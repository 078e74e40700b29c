#pragma once
// Small reader for the text tables spike sorters and task programs write: CSV or TSV with a
// header row. The delimiter is a tab for *.tsv and a comma for *.csv; for other names a tab in
// the header means TSV. A field may be wrapped in double quotes (then it may hold the delimiter,
// and "" stands for one quote). Not supported: newlines inside quoted fields, other quote
// characters, comment lines, and a header without names. Blank lines are skipped, a trailing
// '\r' is removed, and leading/trailing spaces of unquoted fields are trimmed.

#include <optional>
#include <string>
#include <vector>

namespace neuropop::io {

struct DelimitedTable {
    std::string file;
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows; // each row has header.size() fields
    std::vector<std::size_t> line_of_row;       // 1-based line number of each row, for messages
    std::optional<std::size_t> column(const std::string& name) const;
    // Values of a column; InputError naming the file and column when it is absent.
    std::vector<std::string> values(const std::string& name) const;
};

// Reads a whole table. InputError when the file cannot be read, the header is empty or holds a
// name twice, a row has a different number of fields than the header, or a quote is unclosed.
DelimitedTable read_delimited(const std::string& file);

// A whole field parsed as a double ("nan", "inf" accepted; empty is not a number).
std::optional<double> parse_number(const std::string& field);

} // namespace neuropop::io
