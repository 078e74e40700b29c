#include "tests/unit/reference_data.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <numbers>
#include <stdexcept>

#include <Eigen/QR>

#include "tests/support/support.hpp"

namespace neuropop::test {

Eigen::MatrixXd read_matrix(const std::filesystem::path& file) {
    std::ifstream in(file);
    Eigen::Index rows = 0, cols = 0;
    if (!(in >> rows >> cols))
        throw std::runtime_error("cannot read matrix header of " + file.string());
    Eigen::MatrixXd m(rows, cols);
    for (Eigen::Index i = 0; i < rows; ++i)
        for (Eigen::Index j = 0; j < cols; ++j)
            if (!(in >> m(i, j))) throw std::runtime_error("short matrix in " + file.string());
    return m;
}

void write_matrix(const std::filesystem::path& file, const Eigen::Ref<const Eigen::MatrixXd>& m) {
    std::FILE* out = std::fopen(file.c_str(), "w");
    if (!out) throw std::runtime_error("cannot write " + file.string());
    std::fprintf(out, "%ld %ld\n", static_cast<long>(m.rows()), static_cast<long>(m.cols()));
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
        for (Eigen::Index j = 0; j < m.cols(); ++j)
            std::fprintf(out, j ? " %.17g" : "%.17g", m(i, j));
        std::fputc('\n', out);
    }
    std::fclose(out);
}

Eigen::MatrixXd gaussian_matrix(Eigen::Index rows, Eigen::Index cols, kernels::CounterRng& rng) {
    Eigen::MatrixXd m(rows, cols);
    double* v = m.data();
    const Eigen::Index n = m.size();
    for (Eigen::Index i = 0; i < n; i += 2) {
        // 1 − u lies in (0, 1], so the logarithm is finite.
        const double radius = std::sqrt(-2.0 * std::log(1.0 - rng.uniform()));
        const double angle = 2.0 * std::numbers::pi * rng.uniform();
        v[i] = radius * std::cos(angle);
        if (i + 1 < n) v[i + 1] = radius * std::sin(angle);
    }
    return m;
}

Eigen::MatrixXd random_orthogonal(Eigen::Index n, kernels::CounterRng& rng) {
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(gaussian_matrix(n, n, rng));
    return qr.householderQ() * Eigen::MatrixXd::Identity(n, n);
}

std::string python_matrix_io() {
    return R"PY(
import numpy as np

def read_matrix(path):
    with open(path) as f:
        rows, cols = map(int, f.readline().split())
        values = np.array(f.read().split(), dtype=float)
    return values.reshape(rows, cols)

def write_matrix(path, m):
    m = np.atleast_2d(np.asarray(m, dtype=float))
    with open(path, 'w') as f:
        f.write('%d %d\n' % m.shape)
        np.savetxt(f, m, fmt='%.17g')
)PY";
}

std::string python_it_counts() {
    return R"PY(
import h5py
import numpy as np

def it_counts(path, start, stop, width):
    with h5py.File(path, 'r') as f:
        times = f['units/spike_times'][:]
        ends = f['units/spike_times_index'][:].astype(np.int64)
        stim_on = f['intervals/trials/stim_on_time'][:]
        labels = {}
        for key in ('stimulus_ID', 'stimulus_position'):
            raw = f['intervals/trials/' + key][:]
            labels[key] = np.array([s.decode() if isinstance(s, bytes) else str(s) for s in raw])
    bins = int(round((stop - start) / width))
    edges = (stim_on[:, None] + start) + np.arange(bins + 1) * width
    begins = np.concatenate(([0], ends[:-1]))
    counts = np.empty((stim_on.size, ends.size, bins))
    for u in range(ends.size):
        spikes = times[begins[u]:ends[u]]
        idx = np.searchsorted(spikes, edges.ravel(), side='left').reshape(stim_on.size, bins + 1)
        counts[:, u, :] = np.diff(idx, axis=1)
    return counts, labels
)PY";
}

std::string it_session(int session) {
    return (it_sessions_dir() / ("zhang-desimone-it-" + std::to_string(session) + ".nwb")).string();
}

} // namespace neuropop::test
