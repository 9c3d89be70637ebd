// What the HTTP API tests share: a coordinator of their own on the suite's MariaDB pair,
// and a check that an answer is a well-formed problem of the expected type.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "coordinator/client/http_client.h"
#include "tests/coordinator/http/raw_connection.h"
#include "tests/support/coordinator_process.h"
#include "tests/support/db_pair.h"
#include "tests/support/test_env.h"

namespace xacoord::test {

// A node id no other coordinator of the suite uses ("h<pid><letter>"): each test
// process starts its own coordinators, and their branches must never look like another's.
std::string unique_node_id();

// `xacoord serve` on `pair` with `extra_args`, a fresh node id unless `options` names one;
// waits until it is ready (the test fails if it does not get there).
std::unique_ptr<CoordinatorProcess> start_coordinator(const DbPair& pair,
                                                      std::vector<std::string> extra_args = {});
std::unique_ptr<CoordinatorProcess> start_coordinator(CoordinatorOptions options);

// status, Content-Type application/problem+json, and a body with type "/problems/<slug>",
// a title, the same status and a detail.
::testing::AssertionResult is_problem(const HttpReply& reply, int status, const std::string& slug);
::testing::AssertionResult is_problem(const RawResponse& reply, int status,
                                      const std::string& slug);

// GET /healthz on a new connection answers 200.
::testing::AssertionResult is_healthy(const CoordinatorProcess& coordinator);

}  // namespace xacoord::test
