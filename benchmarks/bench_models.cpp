// Throughput of brain <-> network comparisons (docs/ANALYSES.md §8) on generated data, 1 thread:
// L layers of n stimuli x q features against P populations of n stimuli x U units, as the
// models items compute them (engine/items/item_models.cpp):
// - per layer the centred Gram (kernels::GramAccumulator over blocks of 512 features, the way
//   model_layers reads a file) and its Euclidean RDM (‖x_i − x_j‖² / q from the Gram);
// - per population its centred Gram and correlation RDM (kernels::correlation_rdm);
// - every population x layer: plain and debiased CKA (kernels::cka_matrix: each Gram centred
//   once) and RSA by Spearman and cosine. Each RDM is ranked once (kernels::rank_rdm, as the
//   models item ranks the brain once and each layer once), so a Spearman pair is one dot
//   product; the cosine takes each upper triangle once too. Kendall τa (Knight's O(m log m) in
//   the m = n(n−1)/2 distances, a sort and a merge sort per pair) is left out, as in the peer.
// Prints `bench=models threads=1 seconds=<best> cpu_seconds=<best> layers= stimuli= features=
// populations= units= gram_seconds= cka_seconds= rank_seconds= rsa_pairs_seconds=` (the phases
// of the last repeat). With data=DIR it writes the inputs (float32 activations, float64
// population means) and our results as raw little-endian numbers for benchmarks/peers/models.py.
//
// usage: neuropop_bench_models [layers=50] [stimuli=1000] [features=4096] [populations=100]
//        [units=100] [repeats=1] [data=DIR]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include <Eigen/Core>
#include <tbb/global_control.h>

#include "benchmarks/bench_args.hpp"
#include "benchmarks/bench_util.hpp"
#include "kernels/cka.hpp"
#include "kernels/gaussian.hpp"
#include "kernels/rdm.hpp"
#include "kernels/rdm_compare.hpp"
#include "kernels/rng.hpp"

using neuropop::bench::get_size;
using neuropop::bench::parse_args;
using neuropop::bench::time_best;
using neuropop::bench::write_raw;

namespace {

namespace k = neuropop::kernels;
using Eigen::Index;
using Eigen::MatrixXd;
using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Layer l: a shared 20-dimensional stimulus structure mixed into the features with weight
// l / L plus independent noise, so layers range from unrelated to related to the populations.
RowMajorF layer(Index l, Index layers, Index q, const MatrixXd& structure) {
    k::CounterRng rng(41, static_cast<std::uint64_t>(l));
    MatrixXd mix(structure.cols(), q);
    for (auto& v : mix.reshaped())
        v = k::standard_normal(rng) / std::sqrt(static_cast<double>(structure.cols()));
    MatrixXd x = (static_cast<double>(l) / static_cast<double>(layers)) * structure * mix;
    for (auto& v : x.reshaped())
        v += k::standard_normal(rng);
    return x.cast<float>();
}

MatrixXd population(Index p, Index u, const MatrixXd& structure) {
    k::CounterRng rng(43, static_cast<std::uint64_t>(p));
    MatrixXd mix(structure.cols(), u);
    for (auto& v : mix.reshaped())
        v = k::standard_normal(rng);
    MatrixXd x = structure * mix;
    for (auto& v : x.reshaped())
        v += 2.0 * k::standard_normal(rng);
    return x;
}

} // namespace

int main(int argc, char** argv) try {
    const auto args = parse_args(argc, argv);
    const Index layers = static_cast<Index>(get_size(args, "layers", 50)),
                n = static_cast<Index>(get_size(args, "stimuli", 1000)),
                q = static_cast<Index>(get_size(args, "features", 4096)),
                pops = static_cast<Index>(get_size(args, "populations", 100)),
                units = static_cast<Index>(get_size(args, "units", 100));
    const int repeats = std::max(1, static_cast<int>(get_size(args, "repeats", 1)));
    if (n < 4 || q < 2 || units < 2 || layers < 1 || pops < 1)
        throw std::invalid_argument("need stimuli >= 4, features >= 2, units >= 2");
    std::filesystem::path dir;
    if (auto it = args.find("data"); it != args.end()) {
        dir = it->second;
        std::filesystem::create_directories(dir);
    }
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);

    k::CounterRng srng(47, 0);
    MatrixXd structure(n, 20);
    for (auto& v : structure.reshaped())
        v = k::standard_normal(srng);
    std::vector<RowMajorF> acts;
    for (Index l = 0; l < layers; ++l)
        acts.push_back(layer(l, layers, q, structure));
    std::vector<MatrixXd> brains;
    for (Index p = 0; p < pops; ++p)
        brains.push_back(population(p, units, structure));

    MatrixXd plain, debiased, spearman, cosine;
    // Phases of the last repeat (wall seconds): the Grams and RDMs, CKA, ranking and upper
    // triangles, the RSA pairs.
    double gram_s = 0, cka_s = 0, rank_s = 0, rsa_s = 0;
    const auto since = [](std::chrono::steady_clock::time_point t0) {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    const auto work = [&] {
        auto t0 = std::chrono::steady_clock::now();
        std::vector<MatrixXd> lgrams, lrdms, bgrams, brdms;
        for (const auto& a : acts) {
            k::GramAccumulator acc(n);
            for (Index f = 0; f < q; f += 512) {
                const Index b = std::min<Index>(512, q - f);
                acc.add(a.middleCols(f, b).cast<double>());
            }
            MatrixXd g = acc.gram();
            MatrixXd rdm(n, n);
            for (Index r = 0; r < n; ++r)
                for (Index c = 0; c < n; ++c)
                    rdm(r, c) =
                        r == c ? 0.0 : (g(r, r) + g(c, c) - 2.0 * g(r, c)) / static_cast<double>(q);
            lgrams.push_back(std::move(g));
            lrdms.push_back(std::move(rdm));
        }
        for (const auto& b : brains) {
            bgrams.push_back(k::centred_gram(b));
            brdms.push_back(k::correlation_rdm(b));
        }
        gram_s = since(t0);
        t0 = std::chrono::steady_clock::now();
        plain = k::cka_matrix(bgrams, lgrams, k::CkaEstimator::Biased);
        debiased = k::cka_matrix(bgrams, lgrams, k::CkaEstimator::Debiased);
        cka_s = since(t0);
        t0 = std::chrono::steady_clock::now();
        std::vector<k::RankedRdm> lranks, branks;
        std::vector<Eigen::VectorXd> lupper, bupper;
        for (const auto& r : lrdms) {
            lranks.push_back(k::rank_rdm(r));
            lupper.push_back(k::upper_triangle(r));
        }
        for (const auto& r : brdms) {
            branks.push_back(k::rank_rdm(r));
            bupper.push_back(k::upper_triangle(r));
        }
        rank_s = since(t0);
        t0 = std::chrono::steady_clock::now();
        spearman.resize(pops, layers);
        cosine.resize(pops, layers);
        for (Index p = 0; p < pops; ++p)
            for (Index l = 0; l < layers; ++l) {
                const auto pp = static_cast<std::size_t>(p), ll = static_cast<std::size_t>(l);
                spearman(p, l) = k::spearman(branks[pp], lranks[ll]);
                cosine(p, l) = k::compare_vectors(bupper[pp], lupper[ll], k::RdmComparison::Cosine);
            }
        rsa_s = since(t0);
    };
    const auto t = time_best(repeats, work);
    std::printf("bench=models threads=1 seconds=%.6g cpu_seconds=%.6g layers=%ld stimuli=%ld "
                "features=%ld populations=%ld units=%ld gram_seconds=%.3g cka_seconds=%.3g "
                "rank_seconds=%.3g rsa_pairs_seconds=%.3g\n",
                t.seconds, t.cpu_seconds, static_cast<long>(layers), static_cast<long>(n),
                static_cast<long>(q), static_cast<long>(pops), static_cast<long>(units), gram_s,
                cka_s, rank_s, rsa_s);
    if (!dir.empty()) {
        for (Index l = 0; l < layers; ++l)
            write_raw(dir / ("layer_" + std::to_string(l) + ".f32"),
                      acts[static_cast<std::size_t>(l)].data(), static_cast<std::size_t>(n * q));
        std::vector<double> b;
        for (const auto& m : brains) {
            const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
            b.insert(b.end(), rm.data(), rm.data() + rm.size());
        }
        write_raw(dir / "populations.f64", b);
        for (auto [name, m] : {std::pair{"plain", &plain}, std::pair{"debiased", &debiased},
                               std::pair{"spearman", &spearman}, std::pair{"cosine", &cosine}}) {
            const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = *m;
            write_raw(dir / (std::string(name) + ".f64"), rm.data(),
                      static_cast<std::size_t>(rm.size()));
        }
        std::ofstream(dir / "models_meta.txt")
            << "layers=" << layers << " stimuli=" << n << " features=" << q
            << " populations=" << pops << " units=" << units << "\n";
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "neuropop_bench_models: %s\n", e.what());
    return 1;
}
