#pragma once
// Reader for numpy's .npy format (numpy/lib/format.py, versions 1.0, 2.0 and 3.0): the magic
// "\x93NUMPY", a version, a header length, a Python dict literal with 'descr', 'fortran_order'
// and 'shape', then the raw data. Written here rather than taken from a package: Debian 12 has
// no cnpy, and xtensor's xnpy.hpp (0.24) reads neither version 3.0 nor byte-swapped data, relies
// on the key order, and names no rule in its errors. See README.md, "Dependencies".
//
// Supported dtypes: little- and big-endian (byte-swapped on reading) signed and unsigned
// integers of 1, 2, 4 and 8 bytes, floats of 4 and 8 bytes, bool ('|b1') and fixed-width unicode
// strings ('<U' / '>U', UTF-32, returned as UTF-8). Refused: object arrays ('|O', pickled),
// structured dtypes, complex, float16, byte strings, datetimes, and files whose size is not
// exactly header + the bytes the shape needs. Every refusal is an io::InputError naming the
// file, the header field and the rule.

#include <cstdint>
#include <string>
#include <vector>

namespace neuropop::io {

struct NpyArray {
    std::string file;
    std::string descr;              // as written, e.g. "<u8", ">i4", "<U12"
    char kind = 0;                  // 'i' signed, 'u' unsigned, 'f' float, 'b' bool, 'U' unicode
    std::size_t item_size = 0;      // bytes per element (4 per character for 'U')
    std::vector<std::size_t> shape; // () for a scalar
    bool fortran_order = false;
    std::vector<unsigned char> data; // elements in native byte order, in file order

    std::size_t elements() const;
    bool is_string() const { return kind == 'U'; }
    // Rows of an array of shape (n,) or (n, 1); InputError for any other shape, and for a
    // Fortran-ordered array with more than one column.
    std::size_t vector_length() const;
};

// Reads and validates a whole .npy file.
NpyArray read_npy(const std::string& file);

// Element i (flat, file order) of a numeric or bool array.
double npy_double(const NpyArray& a, std::size_t i);

// Values of a vector (shape (n,) or (n, 1)). Numeric kinds only for the first three; integer
// conversion refuses floats that are not whole and values out of range.
std::vector<double> npy_doubles(const NpyArray& a);
std::vector<std::int64_t> npy_int64(const NpyArray& a);
std::vector<std::uint64_t> npy_uint64(const NpyArray& a);
std::vector<std::string> npy_strings(const NpyArray& a); // 'U' vectors, trailing NULs removed

// Column `col` of a C-ordered (n, k) array as doubles (e.g. ALF intervals [n, 2]).
std::vector<double> npy_column(const NpyArray& a, std::size_t col);

} // namespace neuropop::io
