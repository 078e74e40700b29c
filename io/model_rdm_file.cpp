#include "io/model_rdm_file.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <set>

#include "io/errors.hpp"

namespace neuropop::io {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

std::vector<std::string> split(const std::string& line) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto comma = line.find(',', start);
        out.push_back(trim(line.substr(start, comma - start)));
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

bool parse_double(const std::string& text, double& v) {
    std::string_view s = text;
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc{} && end == s.data() + s.size() && std::isfinite(v);
}

// K with K (K - 1) / 2 == n, or 0 when n is not such a number (or K would be < 2).
std::size_t triangle_side(std::size_t n) {
    for (std::size_t k = 2; k * (k - 1) / 2 <= n; ++k)
        if (k * (k - 1) / 2 == n) return k;
    return 0;
}

} // namespace

std::vector<double> ModelRdmFile::matrix(std::size_t i) const {
    const auto& upper = models.at(i).upper;
    const std::size_t k = conditions;
    std::vector<double> m(k * k, 0.0);
    std::size_t n = 0;
    for (std::size_t r = 0; r < k; ++r)
        for (std::size_t c = r + 1; c < k; ++c) {
            m[r * k + c] = upper[n];
            m[c * k + r] = upper[n];
            ++n;
        }
    return m;
}

ModelRdmFile read_model_rdm_file(const std::string& file) {
    std::ifstream in(file);
    if (!in) throw InputError(file, "", "cannot open the model RDM file (geometry.model_file)");
    ModelRdmFile out;
    out.file = file;
    std::set<std::string> names;
    std::string line;
    std::size_t line_no = 0, first_line = 0;
    while (std::getline(in, line)) {
        ++line_no;
        const auto text = trim(line);
        if (text.empty() || text.front() == '#') continue;
        const std::string where = "line " + std::to_string(line_no);
        auto fields = split(text);
        ModelRdm model;
        model.name = fields.front();
        if (model.name.empty()) throw InputError(file, where, "the model has no name");
        if (!names.insert(model.name).second)
            throw InputError(file, where, "model name '" + model.name + "' used twice");
        for (std::size_t f = 1; f < fields.size(); ++f) {
            double v = 0.0;
            if (!parse_double(fields[f], v))
                throw InputError(file, where,
                                 "value " + std::to_string(f) + " ('" + fields[f] +
                                     "') of model '" + model.name + "' is not a finite number");
            model.upper.push_back(v);
        }
        if (out.models.empty()) {
            out.conditions = triangle_side(model.upper.size());
            if (out.conditions == 0)
                throw InputError(file, where,
                                 "model '" + model.name + "' has " +
                                     std::to_string(model.upper.size()) +
                                     " values; an upper triangle of K >= 2 conditions has K "
                                     "(K - 1) / 2 (1, 3, 6, 10, ...)");
            first_line = line_no;
        } else if (model.upper.size() != out.models.front().upper.size()) {
            throw InputError(file, where,
                             "model '" + model.name + "' has " +
                                 std::to_string(model.upper.size()) + " values, line " +
                                 std::to_string(first_line) + " has " +
                                 std::to_string(out.models.front().upper.size()));
        }
        out.models.push_back(std::move(model));
    }
    if (out.models.empty())
        throw InputError(file, "", "no model (expected lines 'name, d_01, d_02, ...')");
    return out;
}

} // namespace neuropop::io
