#include "jobs/text_values.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>

namespace neuropop::jobs::text {

std::string trim(std::string_view s) {
    const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return std::string(s);
}

std::vector<std::string> split_list(std::string_view s, char sep) {
    std::vector<std::string> items;
    while (true) {
        const auto cut = s.find(sep);
        auto item = trim(s.substr(0, cut));
        if (!item.empty()) items.push_back(std::move(item));
        if (cut == std::string_view::npos) break;
        s.remove_prefix(cut + 1);
    }
    return items;
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += sep;
        out += items[i];
    }
    return out;
}

std::optional<std::uint64_t> to_uint(std::string_view s, std::uint64_t min, std::uint64_t max,
                                     std::string& why) {
    const auto t = trim(s);
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec == std::errc::invalid_argument || end != t.data() + t.size()) {
        why = "not a whole number";
        return std::nullopt;
    }
    if (ec == std::errc::result_out_of_range || v > max) {
        why = "too large (at most " + std::to_string(max) + ")";
        return std::nullopt;
    }
    if (v < min) {
        why = "must be at least " + std::to_string(min);
        return std::nullopt;
    }
    return v;
}

std::optional<double> to_double(std::string_view s, std::string& why) {
    auto t = trim(s);
    // from_chars rejects a leading '+', which users do write ("+0.1").
    std::string_view digits = t;
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    double v = 0.0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size()) {
        why = "not a number";
        return std::nullopt;
    }
    if (!std::isfinite(v)) {
        why = "not a finite number";
        return std::nullopt;
    }
    return v;
}

std::optional<bool> to_bool(std::string_view s, std::string& why) {
    auto t = trim(s);
    std::transform(t.begin(), t.end(), t.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
    if (t == "false" || t == "no" || t == "off" || t == "0") return false;
    why = "not a boolean";
    return std::nullopt;
}

std::string format_double(double x) {
    std::array<char, 32> buf{};
    const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), x);
    return ec == std::errc{} ? std::string(buf.data(), end) : std::string("nan");
}

std::string format_bool(bool b) {
    return b ? "true" : "false";
}

std::optional<Window> to_window(std::string_view s, std::string& why, const char* default_name) {
    std::vector<std::string> parts;
    for (std::string_view rest = s;;) {
        const auto cut = rest.find(':');
        parts.push_back(trim(rest.substr(0, cut)));
        if (cut == std::string_view::npos) break;
        rest.remove_prefix(cut + 1);
    }
    Window w;
    std::size_t first_number = 1;
    if (parts.size() == 2 && default_name != nullptr) {
        w.name = default_name;
        first_number = 0;
    } else if (parts.size() == 3) {
        w.name = parts[0];
    } else {
        why = std::string("'").append(trim(s)).append("' is not name:start:stop");
        return std::nullopt;
    }
    // The name becomes an HDF5 group or attribute value, so keep it to a plain word.
    const bool plain_name =
        !w.name.empty() && std::all_of(w.name.begin(), w.name.end(), [](unsigned char c) {
            return std::isalnum(c) || c == '_' || c == '-' || c == '.';
        });
    if (!plain_name) {
        why = "window name '" + w.name + "' must be letters, digits, '_', '-' or '.'";
        return std::nullopt;
    }
    std::string start_why, stop_why;
    const auto start = to_double(parts[first_number], start_why);
    const auto stop = to_double(parts[first_number + 1], stop_why);
    if (!start || !stop) {
        why = "window '" + w.name + "': " +
              (!start ? "start '" + parts[first_number] + "' " + start_why
                      : "stop '" + parts[first_number + 1] + "' " + stop_why);
        return std::nullopt;
    }
    w.start = *start;
    w.stop = *stop;
    return w;
}

std::string format_window(const Window& w) {
    return w.name + ":" + format_double(w.start) + ":" + format_double(w.stop);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j)
        row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t substitute = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
            diagonal = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitute});
        }
    }
    return row[b.size()];
}

} // namespace neuropop::jobs::text
