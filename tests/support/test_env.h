// Where the tests find what the harness (scripts/run-tests) set up for them.
#pragma once

#include <cstdint>
#include <string>

namespace xacoord::test {

std::string binary_path();  // build/bin/xacoord
std::string source_dir();
// A fresh directory under the run's scratch space ($XA_TEST_VAR, else /tmp).
std::string scratch_dir(const std::string& prefix);
// A name no other test (or earlier run) uses: prefix-<pid>-<counter>-<time>.
std::string unique_name(const std::string& prefix);
// A TCP port nothing listens on right now.
std::uint16_t free_port();

}  // namespace xacoord::test
