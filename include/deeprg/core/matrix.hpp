#pragma once
/// A dense row-major matrix: the layout numpy uses, so that .npy/.npz arrays and BLAS calls
/// share one buffer without copies. Rows are samples wherever a matrix holds data.
#include <cstddef>
#include <span>
#include <vector>

namespace deeprg {

template <class T>
struct Matrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<T> data;

  Matrix() = default;
  Matrix(std::size_t r, std::size_t c, T value = T{}) : rows(r), cols(c), data(r * c, value) {}

  T& operator()(std::size_t i, std::size_t j) { return data[i * cols + j]; }
  const T& operator()(std::size_t i, std::size_t j) const { return data[i * cols + j]; }
  std::span<T> row(std::size_t i) { return std::span<T>(data).subspan(i * cols, cols); }
  std::span<const T> row(std::size_t i) const {
    return std::span<const T>(data).subspan(i * cols, cols);
  }
  std::size_t size() const { return data.size(); }
  bool operator==(const Matrix&) const = default;
};

using MatrixF = Matrix<float>;
using MatrixD = Matrix<double>;

}  // namespace deeprg
