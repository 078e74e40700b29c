#include "engine/work_folder.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

#include "engine/items.hpp"
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
            problems.push_back(
                "--resume: " + dir_.string() + " was made by a different job (" +
                first_difference(read_text(job_file), job_text) +
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
    fs::remove_all(dir_);
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
