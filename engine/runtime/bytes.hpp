#pragma once
// Byte packing for the few small messages ranks exchange (plan, item ids, outcomes). Both ends
// are the same binary on the same kind of machine, so values travel in native byte order.

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace neuropop::engine {

class Packer {
public:
    template <typename T>
    Packer& put(T v) {
        static_assert(std::is_trivially_copyable_v<T>);
        const auto* p = reinterpret_cast<const std::uint8_t*>(&v);
        bytes_.insert(bytes_.end(), p, p + sizeof(T));
        return *this;
    }
    Packer& put(const std::string& s) {
        put<std::uint64_t>(s.size());
        bytes_.insert(bytes_.end(), s.begin(), s.end());
        return *this;
    }
    Packer& put(const std::vector<std::string>& v) {
        put<std::uint64_t>(v.size());
        for (const auto& s : v)
            put(s);
        return *this;
    }
    template <typename T>
    Packer& put(const std::vector<T>& v) {
        put<std::uint64_t>(v.size());
        for (const auto& x : v)
            put(x);
        return *this;
    }
    std::vector<std::uint8_t>& bytes() { return bytes_; }

private:
    std::vector<std::uint8_t> bytes_;
};

class Unpacker {
public:
    explicit Unpacker(const std::vector<std::uint8_t>& bytes) : bytes_(bytes) {}
    template <typename T>
    T get() {
        static_assert(std::is_trivially_copyable_v<T>);
        need(sizeof(T));
        T v;
        std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }
    std::string get_string() {
        auto n = static_cast<std::size_t>(get<std::uint64_t>());
        need(n);
        std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), n);
        pos_ += n;
        return s;
    }
    std::vector<std::string> get_strings() {
        std::vector<std::string> v(static_cast<std::size_t>(get<std::uint64_t>()));
        for (auto& s : v)
            s = get_string();
        return v;
    }
    template <typename T>
    std::vector<T> get_vector() {
        std::vector<T> v(static_cast<std::size_t>(get<std::uint64_t>()));
        for (auto& x : v)
            x = get<T>();
        return v;
    }
    bool done() const { return pos_ == bytes_.size(); }

private:
    void need(std::size_t n) const {
        if (bytes_.size() - pos_ < n) throw std::runtime_error("truncated message");
    }
    const std::vector<std::uint8_t>& bytes_;
    std::size_t pos_ = 0;
};

} // namespace neuropop::engine
