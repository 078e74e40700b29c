#include "io/delimited_table.hpp"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <set>

#include "io/errors.hpp"

namespace neuropop::io {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& file, const std::string& line, char delim,
                               std::size_t line_no) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (true) {
        std::string field;
        std::size_t b = i;
        while (b < line.size() && line[b] == ' ' && delim != ' ')
            ++b;
        if (b < line.size() && line[b] == '"') {
            std::size_t k = b + 1;
            bool closed = false;
            while (k < line.size()) {
                if (line[k] == '"') {
                    if (k + 1 < line.size() && line[k + 1] == '"') {
                        field += '"';
                        k += 2;
                        continue;
                    }
                    closed = true;
                    ++k;
                    break;
                }
                field += line[k++];
            }
            if (!closed)
                throw InputError(file, "line " + std::to_string(line_no),
                                 "unclosed quote (fields cannot span lines)");
            while (k < line.size() && line[k] != delim)
                ++k;
            out.push_back(field);
            i = k;
        } else {
            std::size_t k = line.find(delim, i);
            out.push_back(trim(line.substr(i, k == std::string::npos ? k : k - i)));
            i = k == std::string::npos ? line.size() : k;
        }
        if (i >= line.size()) break;
        ++i; // past the delimiter
        if (i == line.size()) {
            out.emplace_back();
            break;
        }
    }
    return out;
}

} // namespace

std::optional<std::size_t> DelimitedTable::column(const std::string& name) const {
    for (std::size_t k = 0; k < header.size(); ++k)
        if (header[k] == name) return k;
    return std::nullopt;
}

std::vector<std::string> DelimitedTable::values(const std::string& name) const {
    auto k = column(name);
    if (!k) throw InputError(file, name, "no column '" + name + "' in the header");
    std::vector<std::string> out;
    out.reserve(rows.size());
    for (const auto& r : rows)
        out.push_back(r[*k]);
    return out;
}

DelimitedTable read_delimited(const std::string& file) {
    std::ifstream in(file);
    if (!in) throw InputError(file, "file", "cannot open");
    DelimitedTable t;
    t.file = file;
    std::string line;
    std::size_t line_no = 0;
    char delim = ends_with(file, ".tsv") ? '\t' : ends_with(file, ".csv") ? ',' : 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (trim(line).empty()) continue;
        if (t.header.empty()) {
            if (line_no == 1 && line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0)
                line.erase(0, 3); // UTF-8 byte order mark
            if (delim == 0) delim = line.find('\t') != std::string::npos ? '\t' : ',';
            t.header = split(file, line, delim, line_no);
            std::set<std::string> seen;
            for (const auto& h : t.header) {
                if (h.empty())
                    throw InputError(file, "header",
                                     "empty column name (line " + std::to_string(line_no) + ")");
                if (!seen.insert(h).second)
                    throw InputError(file, "header", "column '" + h + "' appears twice");
            }
            continue;
        }
        auto fields = split(file, line, delim, line_no);
        if (fields.size() != t.header.size())
            throw InputError(file, "line " + std::to_string(line_no),
                             std::to_string(fields.size()) + " fields, the header has " +
                                 std::to_string(t.header.size()));
        t.rows.push_back(std::move(fields));
        t.line_of_row.push_back(line_no);
    }
    if (in.bad()) throw InputError(file, "file", "read error");
    if (t.header.empty()) throw InputError(file, "header", "empty file: a header row is needed");
    return t;
}

std::optional<double> parse_number(const std::string& field) {
    if (field.empty()) return std::nullopt;
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(field.c_str(), &end);
    if (end != field.c_str() + field.size()) return std::nullopt;
    return v;
}

} // namespace neuropop::io
