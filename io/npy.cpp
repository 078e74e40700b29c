#include "io/npy.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include "io/errors.hpp"

namespace neuropop::io {

static_assert(std::endian::native == std::endian::little,
              "the .npy reader byte-swaps big-endian data into little-endian memory");

namespace {

[[noreturn]] void refuse(const std::string& file, const std::string& field,
                         const std::string& rule) {
    throw InputError(file, field, rule);
}

// The header dict is a Python literal; only what numpy writes is parsed: string keys, and
// values that are strings, True/False, or tuples of non-negative integers.
class HeaderParser {
public:
    HeaderParser(std::string file, std::string text)
        : file_(std::move(file)), s_(std::move(text)) {}

    void parse(std::string& descr, bool& fortran, std::vector<std::size_t>& shape) {
        bool have_descr = false, have_fortran = false, have_shape = false;
        expect('{');
        while (true) {
            skip();
            if (peek() == '}') break;
            std::string key = string_literal();
            expect(':');
            skip();
            if (key == "descr") {
                if (peek() != '\'' && peek() != '"')
                    refuse(file_, "header/descr",
                           "structured or nested dtypes are not read (a plain numeric or "
                           "unicode dtype is needed)");
                descr = string_literal();
                have_descr = true;
            } else if (key == "fortran_order") {
                fortran = boolean();
                have_fortran = true;
            } else if (key == "shape") {
                shape = tuple();
                have_shape = true;
            } else {
                refuse(file_, "header", "unexpected key '" + key + "' in the header dict");
            }
            skip();
            if (peek() == ',') ++pos_;
        }
        if (!have_descr) refuse(file_, "header/descr", "missing 'descr' key");
        if (!have_fortran) refuse(file_, "header/fortran_order", "missing 'fortran_order' key");
        if (!have_shape) refuse(file_, "header/shape", "missing 'shape' key");
    }

private:
    [[noreturn]] void bad(const std::string& what) {
        refuse(file_, "header",
               "malformed header dict (" + what + " at character " + std::to_string(pos_) + ")");
    }
    void skip() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_])))
            ++pos_;
    }
    char peek() {
        if (pos_ >= s_.size()) bad("unexpected end");
        return s_[pos_];
    }
    void expect(char c) {
        skip();
        if (peek() != c) bad(std::string("expected '") + c + "'");
        ++pos_;
    }
    std::string string_literal() {
        skip();
        char q = peek();
        if (q != '\'' && q != '"') bad("expected a string");
        std::size_t end = s_.find(q, pos_ + 1);
        if (end == std::string::npos) bad("unterminated string");
        std::string out = s_.substr(pos_ + 1, end - pos_ - 1);
        pos_ = end + 1;
        return out;
    }
    bool boolean() {
        if (s_.compare(pos_, 4, "True") == 0) {
            pos_ += 4;
            return true;
        }
        if (s_.compare(pos_, 5, "False") == 0) {
            pos_ += 5;
            return false;
        }
        refuse(file_, "header/fortran_order", "must be True or False");
    }
    std::vector<std::size_t> tuple() {
        if (peek() != '(') refuse(file_, "header/shape", "must be a tuple of integers");
        ++pos_;
        std::vector<std::size_t> out;
        while (true) {
            skip();
            if (peek() == ')') {
                ++pos_;
                return out;
            }
            std::size_t start = pos_;
            unsigned long long v = 0;
            while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
                if (v > (std::numeric_limits<unsigned long long>::max() - 9) / 10)
                    refuse(file_, "header/shape", "dimension too large");
                v = v * 10 + static_cast<unsigned>(s_[pos_++] - '0');
            }
            if (pos_ == start) refuse(file_, "header/shape", "must be a tuple of integers");
            if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_; // Python 2 long literal
            out.push_back(static_cast<std::size_t>(v));
            skip();
            if (peek() == ',') ++pos_;
        }
    }

    std::string file_, s_;
    std::size_t pos_ = 0;
};

std::uint32_t little32(const unsigned char* p) {
    return std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 | std::uint32_t{p[2]} << 16 |
           std::uint32_t{p[3]} << 24;
}

// Splits a descr such as "<u8" into byte order, kind and size, and refuses what is not read.
void parse_descr(NpyArray& a) {
    const std::string& d = a.descr;
    auto unsupported = [&](const std::string& why) {
        refuse(a.file, "header/descr", "unsupported dtype '" + d + "' (" + why + ")");
    };
    if (d.size() < 2) unsupported("too short");
    char order = d[0];
    if (order != '<' && order != '>' && order != '|' && order != '=')
        unsupported("no byte order character");
    a.kind = d[1];
    std::string digits = d.substr(2);
    if (digits.empty() || digits.size() > 6 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        unsupported(a.kind == 'O' ? "object arrays are pickled Python objects" : "no item size");
    std::size_t n = std::stoul(digits);
    switch (a.kind) {
    case 'i':
    case 'u':
        if (n != 1 && n != 2 && n != 4 && n != 8) unsupported("integers of 1, 2, 4 or 8 bytes");
        a.item_size = n;
        break;
    case 'f':
        if (n != 4 && n != 8) unsupported("floats of 4 or 8 bytes");
        a.item_size = n;
        break;
    case 'b':
        if (n != 1) unsupported("bool is one byte");
        a.item_size = 1;
        break;
    case 'U':
        if (n == 0) unsupported("empty string width");
        a.item_size = 4 * n;
        break;
    default:
        unsupported("integers, floats, bool and unicode strings are read");
    }
    if (order == '|' && a.kind != 'U' && a.item_size > 1)
        unsupported("'|' (no byte order) is only valid for one-byte types");
    // numpy writes '<' or '>' (never '='); '=' would be the writer's native order, unknown here.
    if (order == '=' && a.item_size > 1) unsupported("'=' does not say the byte order");
    if (order == '>') {
        std::size_t word = a.kind == 'U' ? 4 : a.item_size;
        for (std::size_t off = 0; off + word <= a.data.size(); off += word)
            std::reverse(a.data.begin() + static_cast<std::ptrdiff_t>(off),
                         a.data.begin() + static_cast<std::ptrdiff_t>(off + word));
    }
}

template <typename T>
T load(const unsigned char* p) {
    T v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

void append_utf8(std::string& out, std::uint32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xc0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xe0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (c & 0x3f));
    } else {
        out += static_cast<char>(0xf0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
        out += static_cast<char>(0x80 | (c & 0x3f));
    }
}

} // namespace

std::size_t NpyArray::elements() const {
    std::size_t n = 1;
    for (std::size_t s : shape)
        n *= s;
    return n;
}

std::size_t NpyArray::vector_length() const {
    if (shape.size() == 1) return shape[0];
    if (shape.size() == 2 && shape[1] == 1) return shape[0];
    std::string text = "(";
    for (std::size_t k = 0; k < shape.size(); ++k)
        text += (k ? ", " : "") + std::to_string(shape[k]);
    text += shape.size() == 1 ? ",)" : ")";
    refuse(file, "header/shape", "shape " + text + " is not a vector: (n,) or (n, 1) is needed");
}

NpyArray read_npy(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) refuse(file, "file", "cannot open");
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)),
                                     std::istreambuf_iterator<char>());
    if (in.bad()) refuse(file, "file", "read error");
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (bytes.size() < 6 || std::memcmp(bytes.data(), magic, 6) != 0)
        refuse(file, "header/magic", "bad magic: not a .npy file (must start with \\x93NUMPY)");
    if (bytes.size() < 10) refuse(file, "header", "truncated header");
    const unsigned major = bytes[6], minor = bytes[7];
    if (minor != 0 || major < 1 || major > 3)
        refuse(file, "header/version",
               "unsupported format version " + std::to_string(major) + "." + std::to_string(minor) +
                   " (1.0, 2.0 and 3.0 are read)");
    std::size_t prefix = major == 1 ? 10 : 12;
    if (bytes.size() < prefix) refuse(file, "header", "truncated header");
    std::size_t header_len =
        major == 1 ? std::size_t{bytes[8]} | std::size_t{bytes[9]} << 8 : little32(&bytes[8]);
    if (bytes.size() - prefix < header_len)
        refuse(file, "header",
               "truncated header (" + std::to_string(header_len) + " bytes announced, " +
                   std::to_string(bytes.size() - prefix) + " present)");
    std::string header(bytes.begin() + static_cast<std::ptrdiff_t>(prefix),
                       bytes.begin() + static_cast<std::ptrdiff_t>(prefix + header_len));

    NpyArray a;
    a.file = file;
    HeaderParser(file, header).parse(a.descr, a.fortran_order, a.shape);
    std::size_t count = 1;
    for (std::size_t s : a.shape) {
        if (s != 0 && count > std::numeric_limits<std::size_t>::max() / s)
            refuse(file, "header/shape", "shape too large");
        count *= s;
    }
    std::size_t rows_gt_1 = 0;
    for (std::size_t s : a.shape)
        rows_gt_1 += s > 1;
    if (a.fortran_order && rows_gt_1 > 1)
        refuse(file, "header/fortran_order",
               "Fortran-ordered arrays with more than one column are not read (save with "
               "numpy.ascontiguousarray)");
    a.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(prefix + header_len), bytes.end());
    // parse_descr sets item_size and byte-swaps: check the size first so swapping never runs
    // past the data. A provisional parse gives the item size.
    NpyArray probe;
    probe.file = file;
    probe.descr = a.descr;
    parse_descr(probe);
    if (count > std::numeric_limits<std::size_t>::max() / probe.item_size)
        refuse(file, "header/shape", "shape too large");
    const std::size_t need = count * probe.item_size;
    if (a.data.size() != need)
        refuse(file, "data",
               std::string(a.data.size() < need ? "truncated" : "trailing bytes") + ": shape and " +
                   a.descr + " need " + std::to_string(need) + " data bytes, the file holds " +
                   std::to_string(a.data.size()));
    parse_descr(a);
    return a;
}

double npy_double(const NpyArray& a, std::size_t i) {
    const unsigned char* p = a.data.data() + i * a.item_size;
    switch (a.kind) {
    case 'b':
        return p[0] != 0 ? 1.0 : 0.0;
    case 'f':
        return a.item_size == 4 ? static_cast<double>(load<float>(p)) : load<double>(p);
    case 'i':
        switch (a.item_size) {
        case 1:
            return load<std::int8_t>(p);
        case 2:
            return load<std::int16_t>(p);
        case 4:
            return load<std::int32_t>(p);
        default:
            return static_cast<double>(load<std::int64_t>(p));
        }
    case 'u':
        switch (a.item_size) {
        case 1:
            return load<std::uint8_t>(p);
        case 2:
            return load<std::uint16_t>(p);
        case 4:
            return load<std::uint32_t>(p);
        default:
            return static_cast<double>(load<std::uint64_t>(p));
        }
    default:
        refuse(a.file, "header/descr", "dtype '" + a.descr + "' is not numeric");
    }
}

std::vector<double> npy_doubles(const NpyArray& a) {
    const std::size_t n = a.vector_length();
    std::vector<double> out(n);
    for (std::size_t i = 0; i < n; ++i)
        out[i] = npy_double(a, i);
    return out;
}

namespace {

// Integer element i exactly (64-bit values do not pass through double). `negative` is set for
// signed negatives; `magnitude` holds the value or its absolute value.
void integer_at(const NpyArray& a, std::size_t i, bool& negative, std::uint64_t& magnitude) {
    const unsigned char* p = a.data.data() + i * a.item_size;
    if (a.kind == 'u' || a.kind == 'b') {
        magnitude = a.kind == 'b'      ? (p[0] != 0)
                    : a.item_size == 1 ? load<std::uint8_t>(p)
                    : a.item_size == 2 ? load<std::uint16_t>(p)
                    : a.item_size == 4 ? load<std::uint32_t>(p)
                                       : load<std::uint64_t>(p);
        negative = false;
        return;
    }
    if (a.kind == 'i') {
        std::int64_t v = a.item_size == 1   ? load<std::int8_t>(p)
                         : a.item_size == 2 ? load<std::int16_t>(p)
                         : a.item_size == 4 ? load<std::int32_t>(p)
                                            : load<std::int64_t>(p);
        negative = v < 0;
        magnitude = negative ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
        return;
    }
    if (a.kind == 'f') {
        double v = npy_double(a, i);
        if (!std::isfinite(v) || v != std::floor(v) || std::fabs(v) >= 9.2e18)
            refuse(a.file, "data",
                   "element " + std::to_string(i) + " is not a whole number (integers needed)");
        negative = v < 0;
        magnitude = static_cast<std::uint64_t>(std::fabs(v));
        return;
    }
    refuse(a.file, "header/descr", "dtype '" + a.descr + "' is not numeric");
}

} // namespace

std::vector<std::int64_t> npy_int64(const NpyArray& a) {
    const std::size_t n = a.vector_length();
    std::vector<std::int64_t> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        bool neg = false;
        std::uint64_t m = 0;
        integer_at(a, i, neg, m);
        if (m >
            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (neg ? 1 : 0))
            refuse(a.file, "data", "element " + std::to_string(i) + " does not fit in int64");
        out[i] = neg ? static_cast<std::int64_t>(0 - m) : static_cast<std::int64_t>(m);
    }
    return out;
}

std::vector<std::uint64_t> npy_uint64(const NpyArray& a) {
    const std::size_t n = a.vector_length();
    std::vector<std::uint64_t> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        bool neg = false;
        std::uint64_t m = 0;
        integer_at(a, i, neg, m);
        if (neg) refuse(a.file, "data", "element " + std::to_string(i) + " is negative");
        out[i] = m;
    }
    return out;
}

std::vector<std::string> npy_strings(const NpyArray& a) {
    if (!a.is_string())
        refuse(a.file, "header/descr", "dtype '" + a.descr + "' is not a unicode string");
    const std::size_t n = a.vector_length(), chars = a.item_size / 4;
    std::vector<std::string> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char* p = a.data.data() + i * a.item_size;
        std::size_t len = chars;
        while (len > 0 && load<std::uint32_t>(p + 4 * (len - 1)) == 0)
            --len;
        for (std::size_t k = 0; k < len; ++k) {
            std::uint32_t c = load<std::uint32_t>(p + 4 * k);
            if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                refuse(a.file, "data",
                       "element " + std::to_string(i) + " holds an invalid code point");
            append_utf8(out[i], c);
        }
    }
    return out;
}

std::vector<double> npy_column(const NpyArray& a, std::size_t col) {
    if (a.shape.size() != 2 || col >= a.shape[1])
        refuse(a.file, "header/shape",
               "a 2-D array with at least " + std::to_string(col + 1) + " columns is needed");
    const std::size_t rows = a.shape[0], cols = a.shape[1];
    std::vector<double> out(rows);
    // Fortran order with more than one column was refused on reading, so rows are contiguous.
    for (std::size_t r = 0; r < rows; ++r)
        out[r] = npy_double(a, r * cols + col);
    return out;
}

} // namespace neuropop::io
