// io/npy.hpp against files numpy itself writes: every supported dtype in both byte orders,
// format versions 1.0, 2.0 and 3.0, (n,) and (n, 1) shapes, Fortran order, unicode strings, and
// the refusals (bad magic, truncated data, unsupported dtypes and shapes).

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "io/errors.hpp"
#include "io/npy.hpp"
#include "tests/support/support.hpp"

namespace test = neuropop::test;
namespace io = neuropop::io;
namespace fs = std::filesystem;

namespace {

// Writes DIR/<name>.npy for each (name, numpy expression) with numpy's own writer.
void save(const fs::path& dir, const std::string& name, const std::string& expr,
          const std::string& writer = "np.save(p, a)") {
    test::run_python("import sys, numpy as np\nfrom numpy.lib import format as fmt\n"
                     "p = sys.argv[1]\na = " +
                         expr + "\n" + writer + "\n",
                     {(dir / (name + ".npy")).string()});
}

std::string refusal(const fs::path& file) {
    try {
        auto a = io::read_npy(file.string());
        (void)a.vector_length();
    } catch (const io::InputError& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("npy: every supported dtype, both byte orders, read exactly", "[io][npy]") {
    test::TempDir tmp("npy");
    const std::string values = "[0, 1, 2, 100, 127]";
    for (const char* t : {"u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "f4", "f8"})
        for (const char* order : {"<", ">"}) {
            std::string name = std::string(order == std::string("<") ? "le_" : "be_") + t;
            save(tmp.path(), name, "np.array(" + values + ", dtype='" + order + t + "')");
            io::NpyArray a = io::read_npy((tmp / (name + ".npy")).string());
            INFO(name << " descr " << a.descr);
            CHECK(a.vector_length() == 5);
            CHECK(io::npy_doubles(a) == std::vector<double>{0, 1, 2, 100, 127});
            if (t[0] != 'f')
                CHECK(io::npy_int64(a) == std::vector<std::int64_t>{0, 1, 2, 100, 127});
        }
    save(tmp.path(), "neg", "np.array([-5, -9223372036854775808, 9223372036854775807], '>i8')");
    auto neg = io::read_npy((tmp / "neg.npy").string());
    CHECK(io::npy_int64(neg) == std::vector<std::int64_t>{-5, INT64_MIN, INT64_MAX});
    save(tmp.path(), "big", "np.array([18446744073709551615, 3], '<u8')");
    auto big = io::read_npy((tmp / "big.npy").string());
    CHECK(io::npy_uint64(big) == std::vector<std::uint64_t>{18446744073709551615ull, 3});
    CHECK_THROWS_AS(io::npy_int64(big), io::InputError);
    save(tmp.path(), "f", "np.array([0.1, -2.5e-300, np.inf], '>f8')");
    auto f = io::npy_doubles(io::read_npy((tmp / "f.npy").string()));
    CHECK(f[0] == 0.1);
    CHECK(f[1] == -2.5e-300);
    CHECK(std::isinf(f[2]));
    save(tmp.path(), "b", "np.array([True, False, True])");
    CHECK(io::npy_doubles(io::read_npy((tmp / "b.npy").string())) == std::vector<double>{1, 0, 1});
    save(tmp.path(), "u", "np.array(['VISp5', 'CA1', '', 'Zürich→'])");
    save(tmp.path(), "ube", "np.array(['VISp5', 'CA1', '', 'Zürich→'], '>U7')");
    for (const char* n : {"u", "ube"}) {
        auto u = io::read_npy((tmp / (std::string(n) + ".npy")).string());
        CHECK(io::npy_strings(u) ==
              std::vector<std::string>{"VISp5", "CA1", "", "Z\xc3\xbcrich\xe2\x86\x92"});
    }
}

TEST_CASE("npy: versions 2.0 and 3.0, (n, 1), Fortran 1-D, (n, 2) columns", "[io][npy]") {
    test::TempDir tmp("npy");
    save(tmp.path(), "v2", "np.arange(7, dtype='<i4')",
         "with open(p, 'wb') as f:\n    fmt.write_array(f, a, version=(2, 0))");
    save(tmp.path(), "v3", "np.arange(7, dtype='<i4')",
         "with open(p, 'wb') as f:\n    fmt.write_array(f, a, version=(3, 0))");
    save(tmp.path(), "col", "np.arange(7, dtype='<u8').reshape(7, 1)");
    // numpy writes fortran_order False for 1-D arrays (they are C-contiguous too), so the
    // header is written by hand to hold True.
    const std::string fortran_header =
        "with open(p, 'wb') as f:\n"
        "    fmt.write_array_header_1_0(f, {'descr': '<f8', 'fortran_order': True, 'shape': %s})\n"
        "    f.write(a.tobytes())";
    save(tmp.path(), "fortran", "np.arange(7.0)",
         fortran_header.substr(0, fortran_header.find("%s")) + "(7,)" +
             fortran_header.substr(fortran_header.find("%s") + 2));
    save(tmp.path(), "fortran_col", "np.arange(7.0)",
         fortran_header.substr(0, fortran_header.find("%s")) + "(7, 1)" +
             fortran_header.substr(fortran_header.find("%s") + 2));
    CHECK(io::read_npy((tmp / "fortran.npy").string()).fortran_order);
    for (const char* n : {"v2", "v3", "col", "fortran", "fortran_col"}) {
        auto a = io::read_npy((tmp / (std::string(n) + ".npy")).string());
        INFO(n);
        CHECK(io::npy_doubles(a) == std::vector<double>{0, 1, 2, 3, 4, 5, 6});
    }
    CHECK(io::read_npy((tmp / "v2.npy").string()).data.size() == 28);
    save(tmp.path(), "iv", "np.array([[1.0, 2.0], [3.0, 4.5], [5.0, 6.0]])");
    auto iv = io::read_npy((tmp / "iv.npy").string());
    CHECK(io::npy_column(iv, 0) == std::vector<double>{1, 3, 5});
    CHECK(io::npy_column(iv, 1) == std::vector<double>{2, 4.5, 6});
    CHECK(refusal(tmp / "iv.npy").find("header/shape: shape (3, 2) is not a vector") !=
          std::string::npos);
}

TEST_CASE("npy: refusals name the file, the field and the rule", "[io][npy]") {
    test::TempDir tmp("npy");
    save(tmp.path(), "ok", "np.arange(100, dtype='<i8')");
    const fs::path ok = tmp / "ok.npy";
    const auto size = fs::file_size(ok);
    SECTION("truncated data") {
        fs::resize_file(ok, size - 8);
        CHECK(refusal(ok) ==
              ok.string() + ": data: truncated: shape and <i8 need 800 data bytes, the file holds "
                            "792");
    }
    SECTION("trailing bytes") {
        std::ofstream(ok, std::ios::app) << "xx";
        CHECK(refusal(ok).find(": data: trailing bytes") != std::string::npos);
    }
    SECTION("truncated header") {
        fs::resize_file(ok, 40);
        CHECK(refusal(ok).find(": header: truncated header") != std::string::npos);
    }
    SECTION("bad magic") {
        std::fstream s(ok, std::ios::in | std::ios::out | std::ios::binary);
        s.write("\x93NUMPZ", 6);
        s.close();
        CHECK(refusal(ok) == ok.string() +
                                 ": header/magic: bad magic: not a .npy file (must start with "
                                 "\\x93NUMPY)");
    }
    SECTION("unsupported version") {
        std::fstream s(ok, std::ios::in | std::ios::out | std::ios::binary);
        s.seekp(6);
        s.write("\x04\x00", 2);
        s.close();
        CHECK(refusal(ok).find("header/version: unsupported format version 4.0") !=
              std::string::npos);
    }
    SECTION("unsupported dtypes") {
        save(tmp.path(), "c", "np.zeros(3, np.complex128)");
        save(tmp.path(), "h", "np.zeros(3, np.float16)");
        save(tmp.path(), "s", "np.array([b'ab', b'c'])");
        save(tmp.path(), "o", "np.array([1, 'a'], dtype=object)");
        save(tmp.path(), "rec", "np.zeros(3, dtype=[('a', '<i4'), ('b', '<f8')])");
        CHECK(refusal(tmp / "c.npy").find("header/descr: unsupported dtype '<c16'") !=
              std::string::npos);
        CHECK(refusal(tmp / "h.npy").find("unsupported dtype '<f2' (floats of 4 or 8 bytes)") !=
              std::string::npos);
        CHECK(refusal(tmp / "s.npy").find("unsupported dtype '|S2'") != std::string::npos);
        CHECK(refusal(tmp / "o.npy").find("'|O' (object arrays are pickled") != std::string::npos);
        CHECK(refusal(tmp / "rec.npy").find("header/descr: structured") != std::string::npos);
    }
    SECTION("shapes: 2-D Fortran with columns, 3-D, scalar") {
        save(tmp.path(), "f2", "np.asfortranarray(np.zeros((4, 3)))");
        save(tmp.path(), "d3", "np.zeros((2, 2, 2))");
        save(tmp.path(), "sc", "np.float64(3.0)");
        CHECK(refusal(tmp / "f2.npy").find("header/fortran_order: Fortran-ordered arrays") !=
              std::string::npos);
        CHECK(refusal(tmp / "d3.npy").find("shape (2, 2, 2) is not a vector") != std::string::npos);
        CHECK(refusal(tmp / "sc.npy").find("shape () is not a vector") != std::string::npos);
    }
}
