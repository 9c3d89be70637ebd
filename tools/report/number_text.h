// Numbers as the reports print them.
#pragma once

#include <string>

namespace xacoord::report {

// `v` with `digits` digits after the point: fixed(0.0742, 2) is "0.07".
std::string fixed(double v, int digits);

}  // namespace xacoord::report
