// The HDF5 wrapper (io/h5.hpp) on its own: every native type it maps round-trips, strings of
// every storage HDF5 has (variable-length and fixed, UTF-8 and ASCII) read back trimmed,
// attributes are replaced rather than duplicated, object references resolve, dimension scales
// attach and read back, and a failing call names the call and the object. The NWB reader and
// the results store rely on each of these; end-to-end tests only see them through whole files.

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "io/h5.hpp"
#include "tests/support/support.hpp"

namespace h5 = neuropop::h5;
using neuropop::test::run_python;
using neuropop::test::TempDir;

namespace {

// Extremes and a middle value of T, so a narrowing or sign error shows.
template <typename T>
std::vector<T> extremes() {
    return {std::numeric_limits<T>::lowest(), T(0), T(1), T(42), std::numeric_limits<T>::max()};
}

template <typename T>
void round_trip(const h5::Group& g, const std::string& name, const std::string& description) {
    const std::vector<T> values = extremes<T>();
    g.write_dataset(name, values);
    const h5::Dataset d = g.open_dataset(name);
    INFO(name);
    CHECK(d.read<T>() == values);
    CHECK(d.dims() == std::vector<hsize_t>{values.size()});
    CHECK(d.type_description() == description);
    CHECK(d.read_range<T>(1, 3) == std::vector<T>(values.begin() + 1, values.begin() + 4));
    const h5::ElementInfo info = d.element_info();
    CHECK(info.bytes == sizeof(T));
    if constexpr (std::is_floating_point_v<T>) {
        CHECK(info.type_class == h5::TypeClass::Float);
    } else {
        CHECK(info.type_class == h5::TypeClass::Integer);
        CHECK(info.is_unsigned == std::is_unsigned_v<T>);
    }
}

} // namespace

TEST_CASE("h5 wrapper round-trips every native numeric type it maps", "[h5]") {
    TempDir tmp("h5-types");
    const auto path = (tmp / "types.h5").string();
    {
        h5::File f = h5::File::create(path, true);
        round_trip<double>(f, "f64", "float64");
        round_trip<float>(f, "f32", "float32");
        round_trip<std::int8_t>(f, "i8", "int8");
        round_trip<std::uint8_t>(f, "u8", "uint8");
        round_trip<std::int16_t>(f, "i16", "int16");
        round_trip<std::uint16_t>(f, "u16", "uint16");
        round_trip<std::int32_t>(f, "i32", "int32");
        round_trip<std::uint32_t>(f, "u32", "uint32");
        round_trip<std::int64_t>(f, "i64", "int64");
        round_trip<std::uint64_t>(f, "u64", "uint64");
        // 2-D, written whole from a row-major buffer.
        const std::vector<double> m{1, 2, 3, 4, 5, 6};
        f.create_dataset<double>("matrix", {2, 3}).write(m);
    }
    // Reopened from disk, and read by an independent reader.
    h5::File f = h5::File::open(path);
    CHECK(f.open_dataset("u64").read<std::uint64_t>() == extremes<std::uint64_t>());
    CHECK(f.open_dataset("matrix").dims() == std::vector<hsize_t>{2, 3});
    CHECK(f.open_dataset("matrix").read<double>() == std::vector<double>{1, 2, 3, 4, 5, 6});
    CHECK(f.children() == std::vector<std::string>{"f32", "f64", "i16", "i32", "i64", "i8",
                                                   "matrix", "u16", "u32", "u64", "u8"});
    const auto h5py = run_python(R"(import sys, h5py
f = h5py.File(sys.argv[1], "r")
print(f["i8"].dtype, f["u64"][-1], f["i64"][0], f["matrix"][1, 2])
)",
                                 {path});
    CHECK(h5py == "int8 18446744073709551615 -9223372036854775808 6.0\n");
}

TEST_CASE("h5 wrapper reads strings of every storage: vlen and fixed, utf-8 and ascii", "[h5]") {
    TempDir tmp("h5-strings");
    const auto path = (tmp / "strings.h5").string();
    const std::vector<std::string> utf8{"\u00e9t\u00e9", "", "hiver \u2744"};
    const std::vector<std::string> ascii{"2024-01-02T03:04:05", "x"};
    {
        h5::File f = h5::File::create(path, true);
        f.write_strings("utf8", utf8);
        f.write_ascii_strings("ascii", ascii);
        f.write_strings("scalar", {"one"}, /*scalar=*/true);
    }
    // Fixed-length strings, NUL- and space-padded, which h5py writes and the wrapper does not.
    run_python(R"(import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "a")
f.create_dataset("fixed_ascii", data=np.array([b"ab", b"cde", b"f  "], dtype="S4"))
t = h5py.h5t.C_S1.copy()
t.set_size(8)
t.set_cset(h5py.h5t.CSET_UTF8)
d = h5py.h5d.create(f.id, b"fixed_utf8", t, h5py.h5s.create_simple((2,)))
d.write(h5py.h5s.ALL, h5py.h5s.ALL, np.array(["\u00e9".encode(), b"z"], dtype="S8"), mtype=t)
)",
               {path});
    h5::File f = h5::File::open(path);
    CHECK(f.open_dataset("utf8").read_strings() == utf8);
    CHECK(f.open_dataset("utf8").type_description() == "vlen utf-8 string");
    CHECK(f.open_dataset("utf8").is_variable_string());
    CHECK(f.open_dataset("ascii").read_strings() == ascii);
    CHECK(f.open_dataset("ascii").type_description() == "vlen ascii string");
    CHECK(f.open_dataset("scalar").dims().empty());
    CHECK(f.open_dataset("scalar").read_string() == "one");
    // Trailing NULs and spaces are padding of the fixed width, not part of the value.
    CHECK(f.open_dataset("fixed_ascii").read_strings() ==
          std::vector<std::string>{"ab", "cde", "f"});
    CHECK(f.open_dataset("fixed_ascii").type_description() == "fixed ascii string[4]");
    CHECK_FALSE(f.open_dataset("fixed_ascii").is_variable_string());
    CHECK(f.open_dataset("fixed_utf8").read_strings() == std::vector<std::string>{"\u00e9", "z"});
    CHECK(f.open_dataset("fixed_utf8").type_description() == "fixed utf-8 string[8]");
    // A file opened read-only refuses a new dataset; the error names the call and the path.
    try {
        f.write_dataset("n", std::vector<double>{1.0});
        FAIL("a read-only file accepted a new dataset");
    } catch (const h5::Error& e) {
        CHECK(e.call() == "H5Dcreate2");
        CHECK(e.object() == "/n");
    }
}

TEST_CASE("h5 wrapper replaces an attribute written twice and lists attributes in name order",
          "[h5]") {
    TempDir tmp("h5-attributes");
    const auto path = (tmp / "attributes.h5").string();
    {
        h5::File f = h5::File::create(path, true);
        h5::Group g = f.create_group("g");
        g.write_attribute("units", std::string_view("s"));
        g.write_attribute("units", std::string_view("ms")); // same type, new value
        g.write_attribute("count", std::int64_t{3});
        g.write_attribute("count", 2.5); // a new type replaces the old attribute
        g.write_attribute("labels", std::vector<std::string>{"a", "b"});
        g.write_attribute("id", std::int64_t{-7});
    }
    h5::File f = h5::File::open(path);
    const h5::Group g = f.open_group("g");
    CHECK(g.attribute_names() == std::vector<std::string>{"count", "id", "labels", "units"});
    CHECK(g.string_attribute("units") == "ms");
    CHECK(g.attribute("count").type_class() == h5::TypeClass::Float);
    CHECK(g.attribute("count").read_doubles() == std::vector<double>{2.5});
    CHECK(g.attribute("count").rank() == 0);
    CHECK(g.attribute("id").read_int64() == -7);
    CHECK(g.attribute("labels").rank() == 1);
    CHECK(g.attribute("labels").read_strings() == std::vector<std::string>{"a", "b"});
    CHECK_FALSE(g.has_attribute("missing"));
    CHECK_FALSE(g.string_attribute("missing").has_value());
    try {
        (void)g.attribute("id").read_strings();
        FAIL("an integer attribute was read as a string");
    } catch (const h5::Error& e) {
        CHECK(e.call() == "H5Aread");
        CHECK(e.object() == "/g@id");
    }
}

TEST_CASE("h5 wrapper object references resolve to the path they were made from", "[h5]") {
    TempDir tmp("h5-references");
    const auto path = (tmp / "references.h5").string();
    {
        h5::File f = h5::File::create(path, true);
        f.create_group("table").write_dataset("x", std::vector<double>{1, 2});
        h5::Group index = f.create_group("index");
        index.write_reference_attribute("target", "/table/x");
        index.write_reference_attribute("target", "/table"); // replaced, as any attribute
        index.write_references("rows", {"/table/x", "/table"});
    }
    {
        h5::File f = h5::File::open(path);
        const h5::Group index = f.open_group("index");
        CHECK(index.attribute("target").type_class() == h5::TypeClass::Reference);
        CHECK(index.attribute("target").read_reference_path() == "/table");
        CHECK(index.open_dataset("rows").type_class() == h5::TypeClass::Reference);
    }
    CHECK(run_python(R"(import sys, h5py
f = h5py.File(sys.argv[1], "r")
print(" ".join(f[r].name for r in f["index/rows"][()]))
)",
                     {path}) == "/table/x /table\n");
    // A reference to a path that does not exist is refused when it is made.
    h5::File w = h5::File::open(path, h5::File::Mode::ReadWrite);
    try {
        w.open_group("index").write_reference_attribute("dangling", "/nowhere");
        FAIL("a reference to a missing object was written");
    } catch (const h5::Error& e) {
        CHECK(e.call() == "H5Rcreate");
        CHECK(e.object() == "/index@dangling -> /nowhere");
    }
}

TEST_CASE("h5 wrapper dimension scales attach, label and read back", "[h5]") {
    TempDir tmp("h5-scales");
    const auto path = (tmp / "scales.h5").string();
    {
        h5::File f = h5::File::create(path, true);
        h5::Group g = f.create_group("g");
        h5::Dataset time = g.write_dataset("time", std::vector<double>{0.0, 0.5, 1.0});
        time.make_scale("time");
        h5::Dataset x = g.create_dataset<double>("x", {2, 3});
        x.write(std::vector<double>{1, 2, 3, 4, 5, 6});
        x.attach_scale(time, 1);
        x.set_axis_label(0, "unit");
        x.set_axis_label(1, "time");
    }
    h5::File f = h5::File::open(path);
    const h5::Dataset x = f.open_dataset("g/x");
    CHECK(f.open_dataset("g/time").is_scale());
    CHECK_FALSE(x.is_scale());
    CHECK(x.axis_label(0) == "unit");
    CHECK(x.axis_label(1) == "time");
    CHECK(x.scale_count(0) == 0);
    CHECK(x.scale_count(1) == 1);
    CHECK_FALSE(x.first_scale_path(0).has_value());
    CHECK(x.first_scale_path(1) == "/g/time");
    // xarray (through h5netcdf) sees the same coordinate.
    CHECK(run_python(R"(import sys, h5py
x = h5py.File(sys.argv[1], "r")["g/x"]
print(x.dims[1].label, x.dims[1][0].name)
)",
                     {path}) == "time /g/time\n");
}

TEST_CASE("h5 wrapper errors name the failing call and the object's path", "[h5]") {
    TempDir tmp("h5-errors");
    const auto path = (tmp / "errors.h5").string();
    try {
        (void)h5::File::open(path);
        FAIL("a missing file opened");
    } catch (const h5::Error& e) {
        CHECK(e.call() == "H5Fopen");
        CHECK(e.object() == path);
        CHECK_FALSE(e.detail().empty());
        CHECK_THAT(e.what(), Catch::Contains(path) && Catch::Contains("(H5Fopen)"));
    }
    {
        h5::File f = h5::File::create(path, true);
        f.create_group("g").write_dataset("d", std::vector<std::int32_t>{1, 2});
    }
    h5::File f = h5::File::open(path);
    CHECK(f.exists("g/d"));
    CHECK_FALSE(f.exists("g/d/below")); // through a dataset: absent, not an error
    CHECK_FALSE(f.exists("nothing/here"));
    try {
        (void)f.open_group("g").open_dataset("missing");
        FAIL("a missing dataset opened");
    } catch (const h5::Error& e) {
        CHECK(e.call() == "H5Dopen2");
        CHECK(e.object() == "/g/missing");
        CHECK_THAT(e.what(), Catch::StartsWith("/g/missing: ") && Catch::EndsWith("(H5Dopen2)"));
    }
    try {
        (void)f.open_dataset("g/d").read_strings();
        FAIL("integers were read as strings");
    } catch (const h5::Error& e) {
        CHECK(e.call() == "H5Dread");
        CHECK(e.object() == "/g/d");
    }
    // The error stack was cleared: the next call succeeds and HDF5 printed nothing (the
    // test log is checked for HDF5-DIAG by scripts/test).
    CHECK(f.open_dataset("g/d").read<std::int32_t>() == std::vector<std::int32_t>{1, 2});
    CHECK_FALSE(h5::error_printing_on());
}

TEST_CASE("h5 wrapper in-memory file image is a complete HDF5 file", "[h5]") {
    TempDir tmp("h5-image");
    std::vector<char> image;
    {
        h5::File f = h5::File::create_in_memory((tmp / "memory.h5").string());
        f.write_dataset("v", std::vector<std::uint32_t>{7, 8, 9});
        f.write_attribute("note", std::string_view("in memory"));
        image = f.image();
    }
    const auto path = (tmp / "image.h5").string();
    std::ofstream(path, std::ios::binary).write(image.data(), static_cast<long>(image.size()));
    CHECK_FALSE(std::filesystem::exists(tmp / "memory.h5")); // nothing went to disk
    h5::File f = h5::File::open(path);
    CHECK(f.open_dataset("v").read<std::uint32_t>() == std::vector<std::uint32_t>{7, 8, 9});
    CHECK(f.string_attribute("note") == "in memory");
}
