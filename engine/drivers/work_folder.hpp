#pragma once
// The files of one run next to its output PATH:
//   PATH.partial.d/job.ini      the job as far as it changes results (RenderScope::Results)
//   PATH.partial.d/plan.txt     the session files (size, mtime) and item names of the plan
//   PATH.partial.d/items/<id>.h5  one file per completed item: the resume log
//   PATH.partial                the merged results until every item succeeded
//   PATH                        the complete results file
// A kill -9 at any point leaves a state --resume continues from: item files appear only by
// rename when complete, and PATH appears only by renaming a complete PATH.partial.

#include <filesystem>
#include <string>
#include <vector>

#include "engine/drivers/output_guard.hpp"
#include "engine/runtime/scheduler.hpp"
#include "jobs/plan.hpp"

namespace neuropop::engine {

class WorkFolder {
public:
    explicit WorkFolder(const std::string& output);
    const std::filesystem::path& output() const { return output_; }
    const std::filesystem::path& partial() const { return partial_; }
    const std::filesystem::path& dir() const { return dir_; }
    const std::filesystem::path& items() const { return items_; }
    // PATH, PATH.partial and PATH.partial.d, for check_outputs before anything is written.
    std::vector<OutputPath> outputs() const;

    // Takes the advisory lock (flock(2) on PATH.partial.d/lock, which names the holder's host,
    // pid and start time) that keeps a second run off this output while one runs. False, with
    // `holder` filled, when another live process holds it; the kernel drops a dead process's
    // lock, so a stale one is taken over (and `holder` names what it said). The lock is held
    // until this object dies; a folder made only for it is removed again if the run never
    // opens it.
    bool lock(std::string& holder);
    ~WorkFolder();
    WorkFolder(const WorkFolder&) = delete;
    WorkFolder& operator=(const WorkFolder&) = delete;

    enum class Start { Fresh, Resume, AlreadyComplete };
    // Decides how the run starts from what is on disk, the flags and the job; adds to `problems`
    // when it cannot (an existing PATH without --force, an interrupted run without --resume or
    // --force, a work folder of a different job). Changes nothing on disk.
    Start check(bool force, bool resume, const std::string& job_text,
                std::vector<std::string>& problems);
    // Creates the folder for a fresh run (clearing an earlier run's files and PATH.partial), or
    // checks that the plan of a resumed one is the same.
    void open(Start start, const std::string& job_text, const std::string& plan_text,
              std::vector<std::string>& problems);
    // Outcomes of the items whose complete file is in items/ (resume), stray temporaries removed.
    std::vector<ItemOutcome> completed(const std::vector<jobs::WorkItem>& items) const;
    // PATH.partial -> PATH, then the work folder goes.
    void finish() const;
    // Removes the work folder (an interrupted run that had already finished).
    void discard() const;

private:
    std::filesystem::path output_, partial_, dir_, items_;
    int lock_fd_ = -1;
    bool made_dir_ = false; // lock() created PATH.partial.d
};

// What must not change between an interrupted run and its resume, besides the job: the session
// files (path, size, modification time) and the item names in id order.
std::string plan_text(const jobs::Plan& plan);

} // namespace neuropop::engine
