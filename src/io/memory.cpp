#include "deeprg/io/memory.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "deeprg/core/error.hpp"

namespace deeprg::io {

std::string format_bytes(Bytes bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double x = static_cast<double>(bytes.value());
  std::size_t unit = 0;
  while (x >= 1024 && unit + 1 < std::size(kUnits)) {
    x /= 1024;
    ++unit;
  }
  char buffer[32];
  if (unit == 0)
    std::snprintf(buffer, sizeof buffer, "%llu B", static_cast<unsigned long long>(bytes.value()));
  else
    std::snprintf(buffer, sizeof buffer, "%.3g %s", x, kUnits[unit]);
  return buffer;
}

namespace {

Bytes physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return Bytes(Bytes::kMax);
  return Bytes::product({static_cast<std::uint64_t>(pages), static_cast<std::uint64_t>(page_size)});
}

Bytes resource_limit(int resource) {
  struct rlimit limit {};
  if (::getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return Bytes(Bytes::kMax);
  return Bytes(static_cast<std::uint64_t>(limit.rlim_cur));
}

// cgroup v2: the memory.max of this process's group ("max" when unlimited).
Bytes cgroup_limit() {
  std::ifstream groups("/proc/self/cgroup");
  std::string line;
  while (std::getline(groups, line)) {
    if (!line.starts_with("0::")) continue;
    std::ifstream max("/sys/fs/cgroup" + line.substr(3) + "/memory.max");
    unsigned long long value = 0;
    if (max >> value) return Bytes(value);
  }
  return Bytes(Bytes::kMax);
}

}  // namespace

Bytes memory_limit() {
  return std::min(
      {physical_memory(), resource_limit(RLIMIT_AS), resource_limit(RLIMIT_DATA), cgroup_limit()});
}

std::string memory_shortfall(Bytes bytes, const std::string& what) {
  const Bytes limit = memory_limit();
  if (bytes <= limit) return {};
  return what + " would need at least " + format_bytes(bytes) + " of memory; this machine allows " +
         format_bytes(limit);
}

void require_memory(const std::string& key, Bytes bytes, const std::string& what) {
  if (std::string problem = memory_shortfall(bytes, what); !problem.empty())
    throw ConfigError(key, problem);
}

}  // namespace deeprg::io
