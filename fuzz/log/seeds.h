// The fuzzer's seed corpus, written on request (XACOORD_FUZZ_WRITE_SEEDS=DIR).
#pragma once

#include <string>

namespace xacoord::fuzz {

void write_seeds(const std::string& dir);

}  // namespace xacoord::fuzz
