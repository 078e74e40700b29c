#pragma once
// A job as typed data. Filled from an INI file plus CLI flags (flag wins), validated once, up
// front, with every problem reported together (jobs/job_parser.hpp).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/decode.hpp"
#include "kernels/rdm_compare.hpp"

namespace neuropop::jobs {

// A named time range relative to the alignment event, in seconds, [start, stop).
struct Window {
    std::string name;
    double start = 0.0;
    double stop = 0.0;
};

struct DataSection {
    std::vector<std::string> sessions; // files, folders or globs (relative to the job file)
    std::vector<std::string> regions;  // empty: every region
    std::size_t min_units = 1;         // session-regions with fewer units are skipped (listed)
    // false: spike times stored out of order within a unit (as DANDI files hold them) are
    // counted, warned about once per file and sorted on read; true: such a file is refused.
    bool strict = false;
};

struct AlignSection {
    std::string event = "start_time"; // trials column holding the alignment time
    double start = -0.5;              // window [start, stop) around the event, seconds
    double stop = 0.5;
    double bin_width = 0.05;
};

struct TrialsSection {
    // Conditions on trials columns a trial must meet to be binned, e.g. "stimulus_position in
    // (upper, lower) and contrast >= 0.25" (grammar: jobs/trial_filter.hpp); empty: every trial.
    std::string where;
};

struct ConditionsSection {
    // Trials columns whose joint labels define a condition, e.g. {"stimulus_ID",
    // "stimulus_position"} -> labels "car|lower". Conditions sorted by label.
    std::vector<std::string> columns;
};

struct OutputSection {
    std::string path = "results.h5";
};

struct RunSection {
    std::uint64_t seed = 1;
    unsigned threads = 0; // per rank; 0: cores / ranks on this node
    bool force = false;   // overwrite an existing results file
    bool resume = false;  // continue from the completed items of an interrupted run
    bool quiet = false;   // no progress line
    // Memory one work item may need, in MB (MiB), checked before any work (jobs/item_sizes.hpp);
    // 0: min(4096, physical memory / 4) of the node that checks the job.
    std::uint64_t max_item_mb = 0;
    // Binned populations a rank keeps in memory, in MB (MiB), so that the analyses of a
    // population read its counts from storage once per rank (engine/items/population_cache.hpp);
    // 0: physical memory / (8 x ranks on the node), at most 8192. Results do not depend on it.
    std::uint64_t cache_mb = 0;
    // Stage-3 summary items (e.g. decode_summary) in the plan. Not a job key: a Slurm shard of
    // a job turns it off, and `neuropop merge` builds the summaries from every shard's results.
    bool summaries = true;
    // `neuropop run --shard I/N` (not a job key): plan only the sessions at positions p of the
    // whole inventory (key order) with p % shards == shard. shards 0: the whole job.
    std::size_t shard = 0, shards = 0;
};

enum class PcaSamples { ConditionMeans, Trials };

struct PcaSection {
    bool enabled = true;
    std::size_t components = 10;
    PcaSamples samples =
        PcaSamples::ConditionMeans; // condition-mean PSTH bins, or single-trial bins
    std::vector<Window> windows;    // empty: the whole aligned window as one window named "all"
};

struct CvPcaSection {
    bool enabled = true;
    std::size_t shuffles = 10;
    std::size_t fit_first = 11; // power-law fit range of k (1-based, clipped to the data)
    std::size_t fit_last = 500;
};

struct FactorAnalysisSection {
    bool enabled = true;
    std::size_t factors = 3;
    Window window{"fa", 0.0, 0.5}; // single-trial counts summed over this window
    std::size_t max_iter = 1000;
    double tol = 1e-2;
};

// Time-resolved decoding (docs/ANALYSES.md §3). One decode item per population and target, plus
// permutation-null items of at most `permutations_per_item` permutations each.
struct DecodeSection {
    bool enabled = false;
    // Trials columns to decode, each optionally with a class subset:
    // "stimulus_ID" or "stimulus_ID:car|face|house" (classes separated by '|').
    struct Target {
        std::string column;
        std::vector<std::string> classes; // empty: every value of the column
    };
    std::vector<Target> targets;
    kernels::DecoderKind decoder = kernels::DecoderKind::Logistic;
    double C = 1.0;     // logistic: inverse L2 strength (scikit-learn's C)
    double alpha = 1.0; // ridge: L2 strength
    std::size_t folds = 5;
    std::size_t repeats = 1;
    std::vector<Window> windows; // empty: every bin of the aligned window
    bool generalization = true;
    std::size_t permutations = 100;
    std::size_t permutations_per_item = 25;
    // Permutations of a null item solved together (0: all of the item's). A ridge null shares one
    // decomposition per (fold, time) across a batch (kernels/decode.hpp, regress_null), each
    // permutation holding (1 + repeats x times) x trials doubles of targets and predictions;
    // results do not depend on it.
    std::size_t null_batch = 0;
};

enum class RdmMeasure { Euclidean, Correlation, Crossnobis };

// Representational geometry (docs/ANALYSES.md §4). One geometry item per population and condition
// set.
struct GeometrySection {
    bool enabled = false;
    // Condition sets; each is one or more trials columns joined by '*', e.g. "stimulus_ID" or
    // "stimulus_ID*stimulus_position" (labels "car|upper").
    std::vector<std::vector<std::string>> conditions;
    std::vector<Window> windows; // empty: the whole aligned window as one window named "all"
    std::vector<RdmMeasure> rdms{RdmMeasure::Euclidean, RdmMeasure::Correlation,
                                 RdmMeasure::Crossnobis};
    std::size_t folds = 5; // crossnobis
    // Model RDMs from trials columns: 0 where two conditions share the column's value, 1 where
    // they differ (e.g. "stimulus_position").
    std::vector<std::string> model_columns;
    std::string model_file; // optional HDF5/CSV of named model RDMs (see jobs docs)
    std::vector<kernels::RdmComparison> compare{kernels::RdmComparison::Spearman,
                                                kernels::RdmComparison::KendallTauA,
                                                kernels::RdmComparison::Cosine};
    std::size_t permutations = 1000; // condition-label permutations per comparison
    std::vector<int> shots{1, 2, 5, 10};
    std::size_t episodes = 100;
};

// Models: the pooled condition means against the [models] layers (opt-in, needs [models]).
enum class PseudoAnalysis { Decode, Geometry, Pca, Models };

// Pseudo-populations (docs/ANALYSES.md §5): a region's units pooled across sessions (and, for the
// cross-animal summary, across the sessions of each animal), resampled R times; the analyses
// run with their own sections' settings on every resample.
struct PseudoSection {
    bool enabled = false;
    std::vector<std::string> regions; // empty: every region data.regions selects
    std::size_t min_units = 1;        // per session-region
    std::size_t min_trials = 5; // a session contributes with at least this many of every label
    // Drawn per condition from every session in each resample: this many, or the smallest
    // label count among the contributing sessions when that is smaller (fine condition sets).
    std::size_t trials = 20;
    std::size_t resamples = 20;
    std::size_t nulls = 100; // resamples with labels shuffled within each session (0: no p)
    std::size_t nulls_per_item = 10;
    std::vector<PseudoAnalysis> analyses{PseudoAnalysis::Decode, PseudoAnalysis::Geometry,
                                         PseudoAnalysis::Pca};
    bool per_animal = true;       // cross-animal summary when >= 2 animals contribute
    std::size_t bootstrap = 1000; // resamples of animals for the confidence interval
};

// Coupled Poisson GLM (docs/ANALYSES.md §7, kernels/poisson_glm.hpp): one item per population,
// each unit's counts in `bin`-wide bins of `window` fitted from the condition × trial basis, its
// own history and the other units' history.
struct CouplingSection {
    bool enabled = false;
    Window window{"coupling", 0.0, 0.5}; // bins of the aligned window the GLM models
    double bin = 0.0;               // GLM bin (s), whole align.bin_width bins; 0: align.bin_width
    double history = 0.1;           // s of past counts the filters span, whole GLM bins
    std::size_t history_basis = 4;  // log-stretched raised cosines over the history
    std::size_t stimulus_basis = 5; // linear raised cosines over the window, per condition
    // L2 penalties on the summed log-likelihood (kernels/poisson_glm.hpp), one picked per unit
    // and model by cross-validation.
    std::vector<double> lambdas{1000, 316.2, 100, 31.62, 10, 3.162, 1};
    std::size_t folds = 5;      // cross-validation folds over whole trials
    std::size_t max_units = 60; // larger populations are skipped (listed with the reason)
    // Region pairs (source, target) of a session whose target units are also fitted with the
    // source's units' history as coupling covariates: one item per session and pair, results
    // under /sessions/<s>/coupling_pairs/<source>__<target>. all_pairs: every ordered pair of
    // populations recorded together; neither: none (the default).
    bool all_pairs = false;
    std::vector<std::pair<std::string, std::string>> pairs;
};

// Communication subspaces between the regions of a session (docs/ANALYSES.md §7): one item per
// session and ordered region pair, one summary per pair across sessions and animals.
struct InteractionsSection {
    bool enabled = false;
    // Ordered (source, target) region pairs; all_pairs: every ordered pair of populations
    // recorded in the same session.
    bool all_pairs = true;
    std::vector<std::pair<std::string, std::string>> pairs;
    Window window{"interactions", 0.0, 0.5}; // single-trial counts summed over this window
    bool residuals = true;                   // subtract each condition's mean (Semedo et al.)
    std::size_t ranks = 10;                  // largest rank of the curve (clipped to the data)
    std::size_t folds = 10;
    std::vector<double> ridge_lambdas; // empty: the d_max (1 - s) / s grid of the MATLAB pack
    bool within_area = true;           // target split into two halves, one predicting the other
    std::size_t permutations = 100;    // trial shuffles within conditions (0: no null)
    // Folds per interactions_folds work item: 0 (or ≥ folds) computes every fold in the pair's
    // one item; otherwise ceil(folds / folds_per_item) intermediate items compute blocks of
    // folds and the pair's item assembles them (same arithmetic, same results).
    std::size_t folds_per_item = 0;
};

// Geometry and Capacity (docs/ANALYSES.md §8–9) need models.manifold_column: the same kernels on
// the population and on every layer.
enum class ModelMeasure { Cka, DebiasedCka, Rsa, Geometry, Capacity };

// Brain <-> network comparisons (docs/ANALYSES.md §8): every population's condition means in one
// window against every layer of a network's activations (io/model_file.hpp, docs/MODELS.md).
struct ModelsSection {
    bool enabled = false;
    std::string file;                // the activations file (docs/MODELS.md)
    std::string column;              // the trials column whose values /stimuli holds
    std::vector<std::string> layers; // empty: every layer, in the file's order
    std::vector<ModelMeasure> measures{ModelMeasure::Cka, ModelMeasure::DebiasedCka,
                                       ModelMeasure::Rsa};
    std::vector<kernels::RdmComparison> compare{kernels::RdmComparison::Spearman,
                                                kernels::RdmComparison::KendallTauA,
                                                kernels::RdmComparison::Cosine};
    std::size_t permutations = 1000;   // stimulus-label permutations per RSA score (0: no p)
    std::size_t bootstrap = 1000;      // resamples of sessions / animals for the best layer's CI
    Window window{"models", 0.0, 0.5}; // counts summed over this window per trial
    RdmMeasure rdm = RdmMeasure::Correlation;     // brain side: correlation or crossnobis
    RdmMeasure layer_rdm = RdmMeasure::Euclidean; // layer side: euclidean or correlation
    std::size_t folds = 5;                        // crossnobis folds
    std::size_t layers_per_item = 4; // layers per work item (results do not depend on it)
    // Manifolds of the geometry and capacity measures: the trials column grouping stimuli into
    // classes (e.g. category); a class's manifold is its stimuli (brain: their condition means).
    std::string manifold_column;
    std::vector<int> shots{1, 2};       // few-shot m values (each < the smallest class)
    std::size_t episodes = 100;         // few-shot episodes per class pair and m (0: none)
    std::size_t capacity_samples = 200; // Gaussian samples per manifold (mftma's n_t)
    bool centre_decorrelation = true;   // remove the centres' correlations first (mftma)
    std::size_t dichotomies = 100;      // simulation capacity: dichotomies per tested N (0: none)
};

struct JobSpec {
    std::string job_file; // path of the INI file ("" when built in code)
    std::string job_text; // full effective job (INI text after flags), stored in the results
    DataSection data;
    AlignSection align;
    TrialsSection trials;
    ConditionsSection conditions;
    OutputSection output;
    RunSection run;
    PcaSection pca;
    CvPcaSection cvpca;
    FactorAnalysisSection fa;
    DecodeSection decode;
    GeometrySection geometry;
    PseudoSection pseudo;
    CouplingSection coupling;
    InteractionsSection interactions;
    ModelsSection models;
};

} // namespace neuropop::jobs
