#include "engine/drivers/storage.hpp"

#include "engine/drivers/run.hpp"
#include "engine/runtime/mpi_context.hpp"

#include <sys/statvfs.h>
#include <vector>

namespace neuropop::engine {

namespace fs = std::filesystem;

namespace {

std::string megabytes(std::uint64_t bytes) {
    const double mb = static_cast<double>(bytes) / (1024.0 * 1024.0);
    char buf[32];
    std::snprintf(buf, sizeof buf, mb < 10 ? "%.2f MB" : "%.0f MB", mb);
    return buf;
}

} // namespace

std::optional<std::uint64_t> free_bytes(const fs::path& path) {
    fs::path p = fs::absolute(path);
    std::error_code ec;
    while (!p.empty() && !fs::exists(p, ec) && p != p.root_path())
        p = p.parent_path();
    struct statvfs st {};
    if (::statvfs(p.c_str(), &st) != 0) return std::nullopt;
    return static_cast<std::uint64_t>(st.f_bavail) * static_cast<std::uint64_t>(st.f_frsize);
}

std::optional<std::string> short_of_space(const fs::path& path, std::uint64_t need) {
    const auto free = free_bytes(path);
    if (!free || *free >= need) return std::nullopt;
    return "no space left on device: " + fs::absolute(path).parent_path().string() + " has " +
           megabytes(*free) + " free, ~" + megabytes(need) + " needed";
}

std::uint64_t merge_bytes_needed(const std::vector<std::string>& files) {
    std::uint64_t total = 0;
    for (const auto& f : files) {
        std::error_code ec;
        const auto size = fs::file_size(f, ec);
        if (!ec) total += size;
    }
    return total + total / 10 + (1u << 20);
}

void abort_write_failed(const std::string& command, int rank, const fs::path& partial,
                        const std::string& what, const std::string& advice) {
    std::string line =
        command + ": rank " + std::to_string(rank) + ": cannot write " + partial.string() + ": ";
    int code = 1;
    if (auto why = short_of_space(partial, 1u << 20)) {
        line += *why + " (" + what + ")";
        code = exit_no_space;
    } else {
        line += what;
    }
    abort_all(line + "; " + advice, code);
}

} // namespace neuropop::engine
