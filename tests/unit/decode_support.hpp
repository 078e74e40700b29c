#pragma once
// Helpers shared by the decoding tests: raw files for the Python reference side, and
// comparisons with a stated tolerance.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "kernels/linear_classifier.hpp"

namespace neuropop::test::decode {

template <typename T>
inline void write_raw(const std::filesystem::path& file, const T* data, std::size_t n) {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(n * sizeof(T)));
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

template <typename T>
inline void write_raw(const std::filesystem::path& file, const std::vector<T>& v) {
    write_raw(file, v.data(), v.size());
}

// Row-major float64, as numpy.fromfile(...).reshape(rows, cols) reads it.
inline void write_matrix(const std::filesystem::path& file, const Eigen::MatrixXd& m) {
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> row_major = m;
    write_raw(file, row_major.data(), static_cast<std::size_t>(row_major.size()));
}

template <typename T>
inline std::vector<T> read_raw(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    const auto bytes = static_cast<std::size_t>(in.tellg());
    std::vector<T> v(bytes / sizeof(T));
    in.seekg(0);
    in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(bytes));
    return v;
}

inline Eigen::MatrixXd read_matrix(const std::filesystem::path& file, Eigen::Index rows,
                                   Eigen::Index cols) {
    const auto v = read_raw<double>(file);
    if (static_cast<Eigen::Index>(v.size()) != rows * cols)
        throw std::runtime_error(file.string() + ": " + std::to_string(v.size()) +
                                 " values, expected " + std::to_string(rows * cols));
    return Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
        v.data(), rows, cols);
}

// max |a − b| / max(max |b|, floor): a relative error with an absolute floor near zero.
inline double relative_error(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                             double floor = 1e-300) {
    if (a.rows() != b.rows() || a.cols() != b.cols()) return 1e300;
    return (a - b).cwiseAbs().maxCoeff() / std::max(b.cwiseAbs().maxCoeff(), floor);
}

// The objective C·Σ log-loss + ½‖W‖² and its gradient, written independently of the kernel
// (plain loops) to check the kernel's optimum from outside.
inline double logistic_objective(const Eigen::MatrixXd& x, const std::vector<int>& y,
                                 const neuropop::kernels::LinearClassifier& m, double c,
                                 Eigen::MatrixXd* grad_w, Eigen::VectorXd* grad_b) {
    const Eigen::Index n = x.rows(), k = m.classes();
    double f = 0.5 * m.coef.squaredNorm();
    if (grad_w) *grad_w = m.coef;
    if (grad_b) *grad_b = Eigen::VectorXd::Zero(k);
    for (Eigen::Index i = 0; i < n; ++i) {
        Eigen::VectorXd z = m.coef * x.row(i).transpose() + m.intercept;
        const double zmax = z.maxCoeff();
        const double lse = zmax + std::log((z.array() - zmax).exp().sum());
        const int yi = y[static_cast<std::size_t>(i)];
        f += c * (lse - z[yi]);
        for (Eigen::Index j = 0; j < k; ++j) {
            const double r = c * (std::exp(z[j] - lse) - (j == yi ? 1.0 : 0.0));
            if (grad_w) grad_w->row(j) += r * x.row(i);
            if (grad_b) (*grad_b)[j] += r;
        }
    }
    return f;
}

} // namespace neuropop::test::decode
