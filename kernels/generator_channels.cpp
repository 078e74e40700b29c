#include "kernels/generator_channels.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

#include <Eigen/QR>

#include "kernels/gaussian.hpp"
#include "kernels/generator_model.hpp"
#include "kernels/rng.hpp"

namespace neuropop::kernels {

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (true) {
        const auto next = text.find(sep, pos);
        out.push_back(trim(text.substr(pos, next == std::string::npos ? next : next - pos)));
        if (next == std::string::npos) break;
        pos = next + 1;
    }
    return out;
}

// An orthonormal basis (rows x cols) of the span of a Gaussian matrix: the thin Q of its
// Householder QR, columns signed so that R's diagonal is positive (Q is then unique).
Eigen::MatrixXd random_orthonormal(CounterRng& rng, std::size_t rows, std::size_t cols) {
    Eigen::MatrixXd g(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    for (Eigen::Index c = 0; c < g.cols(); ++c)
        for (Eigen::Index r = 0; r < g.rows(); ++r)
            g(r, c) = standard_normal(rng);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(g);
    Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(g.rows(), g.cols());
    const Eigen::MatrixXd r = qr.matrixQR().topRows(g.cols()).triangularView<Eigen::Upper>();
    for (Eigen::Index c = 0; c < g.cols(); ++c)
        if (r(c, c) < 0) q.col(c) *= -1.0;
    return q;
}

} // namespace

std::uint64_t channel_stream(std::size_t k) {
    return (std::uint64_t{9} << 32) | k;
}

std::vector<ChannelSpec> parse_channel_specs(const std::string& text, std::string& why) {
    std::vector<ChannelSpec> out;
    if (trim(text).empty()) return out;
    for (const auto& entry : split(text, ',')) {
        const auto fail = [&](const std::string& what) {
            why = "'" + entry + "': " + what +
                  " (expected SOURCE>TARGET:RANK or SOURCE>TARGET:RANK:GAIN)";
            return std::vector<ChannelSpec>{};
        };
        const auto gt = entry.find('>');
        if (gt == std::string::npos) return fail("no '>'");
        const auto parts = split(entry.substr(gt + 1), ':');
        if (parts.size() < 2 || parts.size() > 3) return fail("no ':RANK'");
        ChannelSpec c;
        c.source = trim(entry.substr(0, gt));
        c.target = parts[0];
        if (c.source.empty() || c.target.empty()) return fail("empty region name");
        const auto& rank = parts[1];
        if (rank.empty() || rank.size() > 6 ||
            rank.find_first_not_of("0123456789") != std::string::npos)
            return fail("rank is not a whole number");
        c.rank = std::stoul(rank);
        if (parts.size() == 3) {
            char* end = nullptr;
            c.gain = std::strtod(parts[2].c_str(), &end);
            if (parts[2].empty() || end != parts[2].c_str() + parts[2].size())
                return fail("gain is not a number");
        }
        out.push_back(std::move(c));
    }
    return out;
}

std::string format_channel_specs(const std::vector<ChannelSpec>& specs) {
    std::string out;
    for (const auto& c : specs) {
        out += (out.empty() ? "" : ",") + c.source + ">" + c.target + ":" + std::to_string(c.rank);
        if (c.gain != 1.0) {
            char buf[32];
            std::snprintf(buf, sizeof buf, ":%g", c.gain);
            out += buf;
        }
    }
    return out;
}

std::vector<std::string> channel_problems(const std::vector<ChannelSpec>& specs,
                                          const std::vector<std::string>& regions,
                                          const std::vector<std::size_t>& latent_dims) {
    std::vector<std::string> problems;
    std::set<std::pair<std::string, std::string>> seen;
    const auto index = [&](const std::string& name) {
        return static_cast<std::size_t>(std::find(regions.begin(), regions.end(), name) -
                                        regions.begin());
    };
    for (const auto& c : specs) {
        const std::string what = "channel " + c.source + ">" + c.target;
        const auto s = index(c.source), t = index(c.target);
        if (s == regions.size()) problems.push_back(what + ": '" + c.source + "' is not a region");
        if (t == regions.size()) problems.push_back(what + ": '" + c.target + "' is not a region");
        if (c.source == c.target) problems.push_back(what + ": source and target are the same");
        if (!seen.insert({c.source, c.target}).second) problems.push_back(what + ": listed twice");
        if (!(std::isfinite(c.gain) && c.gain > 0.0 && c.gain <= 10.0))
            problems.push_back(what + ": gain must be in (0, 10]");
        if (s < regions.size() && t < regions.size() && s < latent_dims.size() &&
            t < latent_dims.size()) {
            const auto most = std::min(latent_dims[s], latent_dims[t]);
            if (c.rank < 1 || c.rank > most)
                problems.push_back(what + ": rank must be in [1, " + std::to_string(most) +
                                   "] (the smaller latent dimension of the two regions)");
        }
    }
    return problems;
}

std::vector<Channel> draw_channels(const std::vector<ChannelSpec>& specs,
                                   const std::vector<std::string>& regions,
                                   const std::vector<std::size_t>& dims, std::uint64_t seed,
                                   std::size_t session) {
    std::vector<Channel> out;
    for (std::size_t k = 0; k < specs.size(); ++k) {
        const auto& c = specs[k];
        Channel ch;
        ch.source = static_cast<std::size_t>(std::find(regions.begin(), regions.end(), c.source) -
                                             regions.begin());
        ch.target = static_cast<std::size_t>(std::find(regions.begin(), regions.end(), c.target) -
                                             regions.begin());
        if (ch.source >= regions.size() || ch.target >= regions.size())
            throw std::invalid_argument("channel " + c.source + ">" + c.target +
                                        ": unknown region");
        ch.rank = c.rank;
        ch.gain = c.gain;
        CounterRng rng(seed, session, channel_stream(k));
        const Eigen::MatrixXd u = random_orthonormal(rng, dims.at(ch.target), c.rank);
        const Eigen::MatrixXd v = random_orthonormal(rng, dims.at(ch.source), c.rank);
        ch.map = c.gain * u * v.transpose();
        out.push_back(std::move(ch));
    }
    return out;
}

void apply_channels(const std::vector<Channel>& channels, std::vector<RegionModel>& regions) {
    if (channels.empty()) return;
    std::vector<std::vector<Eigen::MatrixXd>> private_noise;
    for (const auto& r : regions)
        private_noise.push_back(r.trial_noise);
    for (const auto& ch : channels) {
        auto& target = regions.at(ch.target).trial_noise;
        const auto& source = private_noise.at(ch.source);
        for (std::size_t i = 0; i < target.size(); ++i)
            target[i] += ch.map * source[i];
    }
}

} // namespace neuropop::kernels
