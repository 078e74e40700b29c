#include "engine/drivers/work_folder.hpp"

#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <sys/file.h>
#include <unistd.h>

#include "engine/items/executor.hpp"
#include "io/result_store.hpp"

namespace neuropop::engine {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Written under a temporary name and renamed, so a reader never sees half a file.
void write_text(const fs::path& p, const std::string& text) {
    fs::path tmp = p;
    tmp += ".tmp-" + std::to_string(::getpid());
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush()) throw std::runtime_error("cannot write " + tmp.string());
    }
    fs::rename(tmp, p);
}

// "section.key" -> value of a job rendered as INI text ([section] headers, "key = value").
std::map<std::string, std::string> job_values(const std::string& text) {
    std::map<std::string, std::string> values;
    std::istringstream in(text);
    std::string line, section;
    while (std::getline(in, line)) {
        if (line.size() > 2 && line.front() == '[' && line.back() == ']') {
            section = line.substr(1, line.size() - 2);
            continue;
        }
        const auto eq = line.find(" = ");
        if (eq == std::string::npos || line.front() == '#' || line.front() == ';') continue;
        values[section + "." + line.substr(0, eq)] = line.substr(eq + 3);
    }
    return values;
}

// "decode.folds: 5 then, 3 now; pca.components: ..." for every key whose value changed.
std::string key_differences(const std::string& before, const std::string& now) {
    const auto a = job_values(before), b = job_values(now);
    std::map<std::string, std::pair<std::string, std::string>> diff;
    for (const auto& [k, v] : a)
        if (auto it = b.find(k); it == b.end() || it->second != v)
            diff[k] = {v, it == b.end() ? "(not set)" : it->second};
    for (const auto& [k, v] : b)
        if (!a.count(k)) diff[k] = {"(not set)", v};
    std::string out;
    for (const auto& [k, v] : diff)
        out += (out.empty() ? "" : "; ") + k + ": '" + v.first + "' then, '" + v.second + "' now";
    return out;
}

std::string hostname() {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return "unknown host";
    return name;
}

// "line N: 'a' here, 'b' there" for the first line where two texts differ.
std::string first_difference(const std::string& before, const std::string& now) {
    std::istringstream a(before), b(now);
    std::string la, lb;
    for (std::size_t n = 1;; ++n) {
        bool ha = static_cast<bool>(std::getline(a, la));
        bool hb = static_cast<bool>(std::getline(b, lb));
        if (!ha && !hb) return "no difference";
        if (!ha) la = "(end)";
        if (!hb) lb = "(end)";
        if (la != lb) return "line " + std::to_string(n) + ": '" + la + "' then, '" + lb + "' now";
    }
}

} // namespace

WorkFolder::WorkFolder(const std::string& output) : output_(fs::absolute(output)) {
    partial_ = output_;
    partial_ += ".partial";
    dir_ = output_;
    dir_ += ".partial.d";
    items_ = dir_ / "items";
}

std::vector<OutputPath> WorkFolder::outputs() const {
    return {{output_.string(), "output.path", false},
            {partial_.string(), "output.path", false},
            {dir_.string(), "output.path", true}};
}

bool WorkFolder::lock(std::string& holder) {
    std::error_code ec;
    if (!fs::exists(dir_, ec)) made_dir_ = fs::create_directories(dir_);
    const fs::path file = dir_ / "lock";
    lock_fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock_fd_ < 0) throw fs::filesystem_error("cannot open the lock file", file, ec);
    const std::string before = read_text(file);
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
        holder = before.empty() ? "another process" : before.substr(0, before.find('\n'));
        ::close(lock_fd_);
        lock_fd_ = -1;
        return false;
    }
    holder = before.empty() ? "" : before.substr(0, before.find('\n'));
    const std::string me = "host " + hostname() + " pid " + std::to_string(::getpid()) + "\n";
    if (::ftruncate(lock_fd_, 0) != 0 || ::pwrite(lock_fd_, me.data(), me.size(), 0) < 0)
        throw fs::filesystem_error("cannot write the lock file", file, ec);
    return true;
}

WorkFolder::~WorkFolder() {
    std::error_code ec;
    // A folder made only for the lock goes again if no run was set up in it.
    if (made_dir_ && lock_fd_ >= 0 && !fs::exists(dir_ / "job.ini", ec)) {
        fs::remove(dir_ / "lock", ec);
        fs::remove(dir_, ec);
    }
    if (lock_fd_ >= 0) ::close(lock_fd_);
}

WorkFolder::Start WorkFolder::check(bool force, bool resume, const std::string& job_text,
                                    std::vector<std::string>& problems) {
    const fs::path job_file = dir_ / "job.ini";
    if (force) return Start::Fresh; // open() clears what an earlier run left
    // A folder without job.ini was killed while being created: nothing in it to keep.
    const bool have_dir = fs::exists(job_file);
    const bool same_job = have_dir && read_text(job_file) == job_text;
    if (fs::exists(output_)) {
        // Killed after PATH.partial became PATH but before the work folder went.
        if (resume && same_job) return Start::AlreadyComplete;
        problems.push_back("output.path: " + output_.string() +
                           " exists; pass --force to overwrite it");
        return Start::Fresh;
    }
    if (have_dir) {
        if (!resume) {
            problems.push_back("output.path: " + dir_.string() +
                               " holds an interrupted or failed run; pass --resume to continue it "
                               "or --force to start over");
            return Start::Fresh;
        }
        if (!same_job) {
            auto keys = key_differences(read_text(job_file), job_text);
            problems.push_back(
                "--resume: " + dir_.string() + " was made by a different job (" +
                (keys.empty() ? first_difference(read_text(job_file), job_text) : keys) +
                "); resume with the same job and data, or pass --force to start over");
            return Start::Fresh;
        }
        return Start::Resume;
    }
    if (fs::exists(partial_) && !resume)
        problems.push_back("output.path: " + partial_.string() +
                           " (an incomplete results file) exists; pass --force to overwrite it");
    return Start::Fresh;
}

void WorkFolder::open(Start start, const std::string& job_text, const std::string& plan,
                      std::vector<std::string>& problems) {
    const fs::path plan_file = dir_ / "plan.txt";
    if (start == Start::Resume) {
        // plan.txt is written before job.ini, so a resumable folder has it.
        const std::string before = read_text(plan_file);
        if (before != plan)
            problems.push_back("--resume: the sessions or the plan changed since the "
                               "interrupted run (" +
                               first_difference(before, plan) + "); pass --force to start over");
        return;
    }
    // A fresh start clears what an earlier run left (only --force or a folder without job.ini
    // get here with one), so no stale item file can pass for this run's.
    // Everything but the lock, which this run holds.
    if (fs::exists(dir_))
        for (const auto& entry : fs::directory_iterator(dir_))
            if (entry.path().filename() != "lock") fs::remove_all(entry.path());
    fs::remove(partial_);
    fs::create_directories(items_);
    write_text(plan_file, plan);
    write_text(dir_ / "job.ini", job_text); // last: its presence marks a usable folder
}

std::vector<ItemOutcome> WorkFolder::completed(const std::vector<jobs::WorkItem>& items) const {
    std::vector<ItemOutcome> done;
    if (!fs::exists(items_)) return done;
    for (const auto& entry : fs::directory_iterator(items_))
        if (entry.path().filename().string().find(".tmp-") != std::string::npos)
            fs::remove(entry.path());
    for (const auto& item : items) {
        const auto file = item_file(items_, item.id);
        if (!fs::exists(file)) continue;
        // A file that fails its checksum is recomputed, never merged.
        if (auto why = io::check_item_file(file.string())) {
            std::cerr << "neuropop run: --resume: " << file.string() << ": " << *why
                      << "; the item is computed again\n";
            fs::remove(file);
            continue;
        }
        auto header = io::read_item_header(file.string());
        if (!header) continue;
        if (header->id != item.id || header->name != item.name()) {
            fs::remove(file);
            continue;
        }
        done.push_back(ItemOutcome{item.id, true, true, header->rank, header->seconds, {}});
    }
    return done;
}

void WorkFolder::finish() const {
    fs::rename(partial_, output_);
    fs::remove_all(dir_);
}

void WorkFolder::discard() const {
    fs::remove_all(dir_);
}

std::string plan_text(const jobs::Plan& plan) {
    std::ostringstream out;
    for (const auto& s : plan.sessions) {
        std::error_code ec;
        auto size = fs::file_size(s.info.file, ec);
        auto mtime = fs::last_write_time(s.info.file, ec).time_since_epoch().count();
        out << "session " << s.key << " " << s.info.file << " size " << size << " mtime " << mtime
            << "\n";
    }
    for (const auto& i : plan.items) {
        out << "item " << i.id << " " << i.name() << " needs";
        for (auto n : i.needs)
            out << " " << n;
        out << "\n";
    }
    return out.str();
}

} // namespace neuropop::engine
