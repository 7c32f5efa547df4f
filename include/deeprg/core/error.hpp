#pragma once
/// deeprg's exception hierarchy. The library validates at its boundaries and throws; it never
/// aborts. The command-line tool maps UsageError to exit code 2 and every other Error to 1.
#include <stdexcept>
#include <string>

namespace deeprg {

/// Base of every error deeprg throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A bad argument, flag or configuration value. `key()` names the offending key or flag.
class ConfigError : public Error {
 public:
  ConfigError(std::string key, const std::string& message)
      : Error(key + ": " + message), key_(std::move(key)) {}
  const std::string& key() const noexcept { return key_; }

 private:
  std::string key_;
};

/// Arrays whose shapes do not fit together (data vs model, lattice vs block size, ...).
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// A file that cannot be read, written or parsed. The message names the file.
class IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace deeprg
