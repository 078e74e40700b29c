#include "tests/fuzz/nwb_reader_harness.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <tbb/task_arena.h>
#include <unistd.h>

#include "io/errors.hpp"
#include "io/h5.hpp"
#include "io/nwb_reader.hpp"
#include "kernels/binning.hpp"

namespace neuropop::fuzz {

namespace {

namespace fs = std::filesystem;

// One scratch file per process, removed at exit; tmpfs keeps the write out of the disk's way.
class ScratchFile {
public:
    ScratchFile() {
        const fs::path dir =
            fs::is_directory("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
        path_ = (dir / ("neuropop-fuzz-" + std::to_string(::getpid()) + ".nwb")).string();
    }
    ~ScratchFile() {
        std::error_code ec;
        fs::remove(path_, ec);
    }
    const std::string& write(std::span<const std::uint8_t> bytes) const {
        std::ofstream out(path_, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(bytes.data()),
                  static_cast<std::streamsize>(bytes.size()));
        out.close();
        if (!out) throw std::runtime_error("cannot write the fuzz scratch file " + path_);
        return path_;
    }

private:
    std::string path_;
};

// inspect --allow-unsorted: the permissive reading, so unsorted units reach the sorting path.
void inspect(const std::string& path) {
    io::ReadOptions options;
    options.sort_unsorted_spikes = true;
    io::NwbReader reader(path, options);
    const io::SessionInfo& info = reader.info();
    for (const auto& region : info.regions())
        (void)info.units_in(region);
    if (info.trials)
        for (const auto& c : info.trials->columns)
            (void)c.distinct();
    for (const char* name : {"location", "electrodes", "quality"}) {
        try {
            (void)reader.unit_column(name);
        } catch (const io::InputError&) {
            // An absent or unreadable unit column is a refusal of that column only.
        }
    }
}

// Stage 1 of a run (engine/items/item_bin.cpp): metadata without the scan, every region's spikes
// read and validated by read_spikes, counted in a small window around start_time.
void run_binning(const std::string& path) {
    io::ReadOptions options;
    options.scan_spikes = false;
    io::NwbReader reader(path, options);
    const io::SessionInfo& info = reader.info();
    const io::Column* event = info.trials ? info.trials->find("start_time") : nullptr;
    const bool can_bin =
        event != nullptr && !event->is_string && event->size() == info.trials->rows();
    const kernels::BinWindow window{-0.1, 0.2, 0.05};
    for (const auto& region : info.regions()) {
        const auto rows = info.units_in(region);
        kernels::SpikeTrains spikes = reader.read_spikes(rows);
        if (can_bin) (void)kernels::bin_spikes(spikes, event->numbers, window);
    }
}

template <typename Step>
Outcome refusal_or_accept(Step&& step) {
    try {
        step();
        return Outcome::Accepted;
    } catch (const io::InputError&) {
        return Outcome::Refused;
    } catch (const h5::Error&) {
        return Outcome::Refused;
    }
}

} // namespace

NwbOutcome check_nwb_file(const std::string& path) {
    h5::silence_errors();
    // One thread: bin_spikes' TBB loop would otherwise start a pool per process and make a
    // crash depend on scheduling; the counting itself does not depend on the thread count.
    static tbb::task_arena arena(1);
    NwbOutcome out;
    arena.execute([&] {
        out.inspect = refusal_or_accept([&] { inspect(path); });
        out.run = refusal_or_accept([&] { run_binning(path); });
    });
    return out;
}

NwbOutcome check_nwb_bytes(std::span<const std::uint8_t> bytes) {
    static const ScratchFile scratch;
    return check_nwb_file(scratch.write(bytes));
}

} // namespace neuropop::fuzz
