#pragma once
// Checks on what `neuropop report` writes: each figure a real PNG (or SVG) of sensible size,
// index.html referencing only files that exist and every figure, and the set of figures equal
// to what the results file calls for (derived from its groups by an independent reader).

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/support.hpp"

namespace neuropop::test::report {

inline CommandResult neuropop_report(const std::vector<std::string>& args) {
    std::string cmd = shell_quote(binary().string()) + " report";
    for (const auto& a : args)
        cmd += " " + shell_quote(a);
    return run_command(cmd);
}

struct PngSize {
    bool valid = false;
    std::uint32_t width = 0, height = 0;
};

// PNG: the 8-byte signature, then the IHDR chunk (length 13) whose first fields are the
// big-endian width and height (PNG specification, sections 5.2 and 11.2.2).
inline PngSize png_size(const std::filesystem::path& p) {
    const std::string b = slurp(p);
    const std::string signature = "\x89PNG\r\n\x1a\n";
    PngSize s;
    if (b.size() < 33 || b.compare(0, 8, signature) != 0 || b.compare(8, 8, "\0\0\0\x0dIHDR", 8))
        return s;
    auto be32 = [&](std::size_t at) {
        std::uint32_t v = 0;
        for (std::size_t i = 0; i < 4; ++i)
            v = (v << 8) | static_cast<unsigned char>(b[at + i]);
        return v;
    };
    s.valid = true;
    s.width = be32(16);
    s.height = be32(20);
    return s;
}

// Every src/href in index.html.
inline std::vector<std::string> html_references(const std::filesystem::path& index) {
    const std::string html = slurp(index);
    const std::regex ref(R"((?:src|href)=\"([^\"#][^\"]*)\")");
    std::vector<std::string> out;
    for (auto it = std::sregex_iterator(html.begin(), html.end(), ref);
         it != std::sregex_iterator(); ++it)
        out.push_back((*it)[1]);
    return out;
}

inline std::set<std::string> figures_in(const std::filesystem::path& dir, const std::string& ext) {
    std::set<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ext) out.insert(e.path().stem().string());
    return out;
}

// The figures a results file calls for, read with h5py: one line per figure name. The rules
// are the report's contract (report/*.py): dimensionality per region when PCA / cvPCA is
// there, per decoding target accuracy (+ an overview with 2+ populations, + generalisation when
// stored), per geometry set and window the RDM figure, per RDM kind a population grid with 2+
// populations, model comparison and few-shot when stored; the same with prefix pseudo_ for
// /pseudo (its stacked X_mean / X_sd companions are not RDM kinds); one summary figure per
// /summary/<region>/decode/<target> and per /summary/<region>/pseudo/... group of per-animal
// values; per /summary/<region>/models with layers and a measure to draw the layer profile
// models_<region>, per /pseudo/<region>/models/profile with layers and its best_by measure (or
// an RSA comparison) pseudo_models_<region>.
inline std::set<std::string> expected_figures(const std::filesystem::path& results,
                                              const std::string& regions = "") {
    const std::string out = run_python(R"(import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
wanted = [r for r in sys.argv[2].split(",") if r]
names = []
def pops_of(root):
    regions = {}
    for key, sg in (f[root].items() if root in f else []):
        if root == "sessions":
            for region, rg in sg.items():
                if not wanted or region in wanted: regions.setdefault(region, []).append(rg)
        elif not wanted or key in wanted:
            regions[key] = [sg]
    return regions
def draw(regions, prefix):
    if any("pca" in g and len(g["pca"]) for pops in regions.values() for g in pops):
        names.append(prefix + "dimensionality_participation_ratio")
    for region, pops in sorted(regions.items()):
        if any("pca" in g and len(g["pca"]) for g in pops):
            names.append("%sdimensionality_%s_scree" % (prefix, region))
        if any("cvpca/spectrum" in g for g in pops):
            names.append("%sdimensionality_%s_cvpca" % (prefix, region))
        targets = sorted({t for g in pops if "decode" in g for t in g["decode"]})
        for t in targets:
            have = [g["decode/" + t] for g in pops if "decode/" + t in g]
            base = "%sdecoding_%s_%s_" % (prefix, region, t)
            names.append(base + "accuracy")
            if len(have) > 1: names.append(base + "overview")
            if any("generalization" in d for d in have): names.append(base + "generalization")
        found = sorted({(s, w) for g in pops if "geometry" in g
                        for s, sg in g["geometry"].items() for w, wg in sg.items()
                        if isinstance(wg, h5py.Group)})
        for s, w in found:
            have = [g["geometry/%s/%s" % (s, w)] for g in pops if "geometry/%s/%s" % (s, w) in g]
            base = "%sgeometry_%s_%s_%s_" % (prefix, region, s, w)
            kinds = sorted({n[4:] for d in have for n in d if n.startswith("rdm_") and n != "rdm_names"
                            and not n.endswith(("_mean", "_sd"))})
            if kinds: names.append(base + "rdm")
            for k in kinds:
                with_k = [d for d in have if "rdm_" + k in d]
                if len(with_k) > 1 and any(np.isfinite(d["rdm_" + k][()]).any() for d in with_k):
                    names.append(base + "rdm_%s_populations" % k)
            if any("comparison" in d and "model_names" in d and len(d["model_names"]) for d in have):
                names.append(base + "models")
            if any("manifold/predicted_error" in d and "manifold/empirical_error" in d for d in have):
                names.append(base + "fewshot")
        if any("coupling/integrated_weights" in g for g in pops):
            names.append("%scoupling_%s" % (prefix, region))
draw(pops_of("sessions"), "")
draw(pops_of("pseudo"), "pseudo_")
dec = lambda v: v.decode() if isinstance(v, bytes) else v
for region, pg in (f["pseudo"].items() if "pseudo" in f else []):
    if wanted and region not in wanted: continue
    p = pg["models/profile"] if "models/profile" in pg else None
    if p is not None and "layers" in p and len(p["layers"]) and (
            dec(p.attrs.get("best_by", "")) in p or any(n.startswith("rsa_") and n + "_mean" in p for n in p)):
        names.append("pseudo_models_" + region)
for region, rg in (f["summary"].items() if "summary" in f else []):
    if wanted and region not in wanted: continue
    m = rg["models"] if "models" in rg else None
    if m is not None and "layers" in m and len(m["layers"]):
        first = [dec(x) for x in m["comparison"][()]][:1] if "comparison" in m else []
        if any(n in m for n in ["cka", "debiased_cka", "participation_ratio", "capacity"]
               + ["rsa_" + c for c in first]):
            names.append("models_" + region)
    for t, g in (rg["decode"].items() if "decode" in rg else []):
        if ("accuracy" in g or "r2" in g) and "time" in g: names.append("summary_%s_%s" % (region, t))
    found = []
    if "pseudo" in rg:
        rg["pseudo"].visititems(lambda n, o: found.append(n) if isinstance(o, h5py.Group) and "animals" in o else None)
    for rel in found:
        if any(k.startswith("animal_") and not k.startswith("animal_p_") for k in rg["pseudo"][rel]):
            names.append("summary_%s_pseudo_%s" % (region, rel.replace("/", "_")))
print("\n".join(names))
)",
                                       {results.string(), regions});
    std::set<std::string> names;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) names.insert(line);
    return names;
}

// A report folder is complete and consistent: exactly the expected figures, each a valid image
// of sensible size, and an index.html that references every figure and nothing that is missing.
inline void check_report(const std::filesystem::path& dir, const std::set<std::string>& expected,
                         const std::string& ext = ".png") {
    const auto index = dir / "index.html";
    REQUIRE(std::filesystem::is_regular_file(index));
    const auto produced = figures_in(dir, ext);
    CHECK(produced == expected);
    for (const auto& name : produced) {
        INFO(name + ext);
        const auto path = dir / (name + ext);
        if (ext == ".png") {
            const auto size = png_size(path);
            REQUIRE(size.valid);
            // Sensible: a panel is at least ~2 inches at 110 dpi, and a grid of 21 panels
            // stays under ~20 inches, so 200..2500 px covers every figure with margin.
            CHECK(size.width >= 200);
            CHECK(size.height >= 200);
            CHECK(size.width <= 2500);
            CHECK(size.height <= 2500);
        } else {
            const std::string svg = slurp(path);
            CHECK(svg.find("<svg") != std::string::npos);
            CHECK(svg.find("</svg>") != std::string::npos);
        }
    }
    std::set<std::string> referenced;
    for (const auto& ref : html_references(index)) {
        INFO("index.html references " + ref);
        CHECK(ref.find('/') == std::string::npos); // figures sit next to index.html
        CHECK(std::filesystem::is_regular_file(dir / ref));
        referenced.insert(std::filesystem::path(ref).stem().string());
    }
    CHECK(referenced == produced);
}

} // namespace neuropop::test::report
