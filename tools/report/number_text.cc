#include "tools/report/number_text.h"

#include <cstdio>

namespace xacoord::report {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace xacoord::report
