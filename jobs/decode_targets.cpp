#include "jobs/decode_targets.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "jobs/text_values.hpp"

namespace neuropop::jobs {

namespace {

std::string row_list(const std::vector<std::size_t>& rows) {
    std::string out;
    for (std::size_t i = 0; i < rows.size() && i < 5; ++i)
        out += (i ? ", " : "") + std::to_string(rows[i]);
    if (rows.size() > 5) out += ", ...";
    return out;
}

// A subset entry in the column's label form: "2.0" names the numeric label "2".
std::string subset_label(const std::string& entry, bool is_string) {
    if (is_string) return entry;
    std::string why;
    if (auto v = text::to_double(entry, why)) return numeric_label(*v);
    return entry;
}

} // namespace

std::string numeric_label(double v) {
    return text::format_double(v);
}

DecodeLabels decode_labels(const DecodeSection& decode, const DecodeSection::Target& target,
                           bool is_string, const std::vector<std::string>& strings,
                           const std::vector<double>& numbers, const std::vector<std::size_t>& rows,
                           std::vector<std::string>& problems) {
    DecodeLabels out;
    const std::size_t folds = decode.folds;
    out.regression = decode.decoder == kernels::DecoderKind::Ridge;
    std::set<std::string> subset;
    for (const auto& c : target.classes)
        subset.insert(subset_label(c, is_string));
    const auto label_of = [&](std::size_t row) {
        return is_string ? strings.at(row) : numeric_label(numbers.at(row));
    };

    // Rows whose label the subset keeps (every row without a subset).
    std::vector<std::size_t> kept; // positions into `rows`
    std::set<std::string> seen;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto label = label_of(rows[i]);
        seen.insert(label);
        if (subset.empty() || subset.count(label) != 0) kept.push_back(i);
    }
    for (const auto& c : subset)
        if (seen.count(c) == 0)
            problems.push_back("class '" + c +
                               "' of the target's subset is no value of the column");

    if (!is_string) {
        std::vector<std::size_t> bad;
        for (auto i : kept)
            if (!std::isfinite(numbers.at(rows[i]))) bad.push_back(rows[i]);
        if (!bad.empty()) {
            problems.push_back(std::to_string(bad.size()) +
                               " trial(s) hold NaN or infinity (rows " + row_list(bad) +
                               "); decoding needs a finite label for every trial " +
                               (out.regression ? "" : "(or a class subset leaving them out)"));
            return out;
        }
    }

    if (out.regression) {
        if (is_string) {
            problems.push_back("decode.decoder = ridge regresses numbers, but this column holds "
                               "strings (use logistic or lda to classify it)");
            return out;
        }
        if (kept.size() < folds)
            problems.push_back(std::to_string(kept.size()) +
                               " trials, fewer than decode.folds = " + std::to_string(folds));
        for (auto i : kept) {
            out.trials.push_back(i);
            out.values.push_back(numbers.at(rows[i]));
        }
        return out;
    }

    // Classes: numbers sorted by value, strings by text.
    std::map<std::string, std::size_t> count;
    for (auto i : kept)
        ++count[label_of(rows[i])];
    std::vector<std::string> classes;
    for (const auto& [label, n] : count)
        classes.push_back(label);
    if (!is_string) {
        std::map<std::string, double> value;
        for (auto i : kept)
            value[label_of(rows[i])] = numbers.at(rows[i]);
        std::sort(classes.begin(), classes.end(),
                  [&](const std::string& a, const std::string& b) { return value[a] < value[b]; });
    }
    if (classes.size() < 2) {
        problems.push_back(classes.empty() ? std::string("no trial to decode")
                                           : "a single class ('" + classes.front() + "' in all " +
                                                 std::to_string(kept.size()) +
                                                 " trials); decoding needs at least 2 classes");
        return out;
    }
    std::vector<std::string> small;
    for (const auto& c : classes)
        if (count[c] < folds) small.push_back("'" + c + "' (" + std::to_string(count[c]) + ")");
    if (!small.empty())
        problems.push_back("class" + std::string(small.size() == 1 ? " " : "es ") +
                           text::join(small) + " with fewer trials than decode.folds = " +
                           std::to_string(folds) + "; every fold must hold every class");
    std::map<std::string, int> index;
    for (std::size_t c = 0; c < classes.size(); ++c)
        index[classes[c]] = static_cast<int>(c);
    for (auto i : kept) {
        out.trials.push_back(i);
        out.labels.push_back(index[label_of(rows[i])]);
    }
    out.classes = std::move(classes);
    return out;
}

} // namespace neuropop::jobs
