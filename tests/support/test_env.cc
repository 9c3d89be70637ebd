#include "tests/support/test_env.h"

#include "tools/harness/local_pair.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>

namespace xacoord::test {

std::string binary_path() {
  return XACOORD_BINARY;
}
std::string source_dir() {
  return XACOORD_SOURCE_DIR;
}

std::string scratch_dir(const std::string& prefix) {
  const char* base = std::getenv("XA_TEST_VAR");
  std::filesystem::path dir =
      std::filesystem::path(base && *base ? base : "/tmp") / unique_name(prefix);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  return prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(now % 100'000'000);
}

std::uint16_t free_port() {
  return harness::free_port();
}

}  // namespace xacoord::test
