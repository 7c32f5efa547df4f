#pragma once
/// How much a hidden layer's units behave like Kadanoff block spins of the same scale: the
/// correlation, over samples, between each unit's state and each majority-rule block spin.
///
/// For hidden states H (n × m, any real values, e.g. mean-field probabilities) and block spins
/// S (n × B, ±1), C_jI = corr(H_·j, S_·I) (Pearson; 0 when either column is constant).
///   best_per_block   max_j |C_jI| averaged over blocks I: is every block represented by a unit?
///   best_per_unit    max_I |C_jI| averaged over live units j: is every unit some block?
///   neighbour_blocks |corr(S_I, S_I')| averaged over nearest-neighbour block pairs (periodic,
///                    each unordered pair once, so a side of 2 adds one pair per row): the
///                    baseline, since near T_c a unit that tracks a block also correlates with
///                    its neighbours this much.
/// `matched_fraction` is the share of blocks whose best unit is not the best unit of any other
/// block (1: a one-to-one assignment, as a block-spin map has).
#include <cstddef>
#include <vector>

#include "deeprg/core/matrix.hpp"
#include "deeprg/io/spin_file.hpp"

namespace deeprg::analysis {

struct BlockOverlap {
  double best_per_block = 0;
  double best_per_unit = 0;
  double neighbour_blocks = 0;
  double matched_fraction = 0;
  std::vector<std::size_t> best_unit;  ///< per block I, argmax_j |C_jI| (lowest j on ties)
  std::vector<double> best_corr;       ///< per block I, the signed C at that unit
};

/// `hidden` has one row per sample of `blocks` (blocks.count rows, 2D lattice of block spins).
/// Throws ShapeError when the row counts differ, there are fewer than 2 samples, there are no
/// units or no blocks, or a buffer does not hold rows × columns values.
/// Runs on `threads` threads (0 = all); the result does not depend on it.
BlockOverlap block_overlap(const MatrixF& hidden, const io::SpinSamples& blocks, int threads = 0);

}  // namespace deeprg::analysis
