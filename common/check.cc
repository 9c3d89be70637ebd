#include "common/check.h"

#include <cstdio>
#include <cstdlib>

namespace xacoord {

void check_failed(const char* file, int line, const char* condition, const std::string& message) {
  std::fprintf(stderr, "FATAL: check failed at %s:%d: %s: %s\n", file, line, condition,
               message.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace xacoord
