#include "jobs/shard.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <stdexcept>

namespace neuropop::jobs {

namespace {

std::optional<std::size_t> parse_count(const std::string& text) {
    std::size_t value = 0;
    const char* end = text.data() + text.size();
    if (text.empty() || text.front() == '+' || text.front() == '-') return std::nullopt;
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

} // namespace

std::optional<ShardId> parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    if (slash == std::string::npos) return std::nullopt;
    const auto index = parse_count(text.substr(0, slash));
    const auto count = parse_count(text.substr(slash + 1));
    if (!index || !count || *count == 0 || *index >= *count) return std::nullopt;
    return ShardId{*index, *count};
}

std::string format_shard(std::size_t index, std::size_t count) {
    return std::to_string(index) + "/" + std::to_string(count);
}

std::vector<SessionEntry> shard_sessions(std::vector<SessionEntry> sessions, std::size_t index,
                                         std::size_t count) {
    if (count == 0 || index >= count) throw std::invalid_argument("shard_sessions: bad shard");
    std::stable_sort(sessions.begin(), sessions.end(),
                     [](const SessionEntry& a, const SessionEntry& b) { return a.key < b.key; });
    std::vector<SessionEntry> kept;
    for (std::size_t p = index; p < sessions.size(); p += count)
        kept.push_back(std::move(sessions[p]));
    return kept;
}

void drop_stage(Plan& plan, Stage stage) {
    constexpr auto removed = std::numeric_limits<std::uint64_t>::max();
    std::vector<std::uint64_t> new_id(plan.items.size(), removed);
    std::vector<WorkItem> kept;
    for (auto& item : plan.items) {
        if (item.stage() == stage) continue;
        new_id[item.id] = kept.size();
        kept.push_back(std::move(item));
    }
    for (auto& item : kept) {
        item.id = new_id[item.id];
        for (auto& need : item.needs) {
            if (new_id.at(need) == removed)
                throw std::logic_error("drop_stage: item " + item.name() + " needs a removed item");
            need = new_id[need];
        }
    }
    plan.items = std::move(kept);
}

} // namespace neuropop::jobs
