#include "tests/coordinator/http/http_fixture.h"

#include <unistd.h>

#include <atomic>

namespace xacoord::test {
namespace {

::testing::AssertionResult check_problem(int actual_status,
                                         const std::map<std::string, std::string>& headers,
                                         const std::string& body, int status,
                                         const std::string& slug) {
  auto fail = [&](const std::string& why) {
    return ::testing::AssertionFailure()
           << why << " (status " << actual_status << ", body " << body.substr(0, 300) << ")";
  };
  if (actual_status != status) return fail("expected status " + std::to_string(status));
  auto type = headers.find("content-type");
  if (type == headers.end() || type->second != "application/problem+json")
    return fail("Content-Type is not application/problem+json");
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("the body is not a JSON object");
  if (j.value("type", "") != "/problems/" + slug) return fail("expected type /problems/" + slug);
  if (!j.contains("status") || j["status"] != status) return fail("the body's status differs");
  if (!j.contains("title") || !j["title"].is_string() || j["title"].get<std::string>().empty())
    return fail("no title");
  if (!j.contains("detail") || !j["detail"].is_string() || j["detail"].get<std::string>().empty())
    return fail("no detail");
  return ::testing::AssertionSuccess();
}

}  // namespace

std::string unique_node_id() {
  static std::atomic<int> next{0};
  return "h" + std::to_string(::getpid()) + static_cast<char>('a' + next++ % 26);
}

std::unique_ptr<CoordinatorProcess> start_coordinator(const DbPair& pair,
                                                      std::vector<std::string> extra_args) {
  auto options = CoordinatorOptions::for_pair(pair);
  options.extra_args = std::move(extra_args);
  return start_coordinator(std::move(options));
}

std::unique_ptr<CoordinatorProcess> start_coordinator(CoordinatorOptions options) {
  if (options.node_id.empty() || options.node_id == "1") options.node_id = unique_node_id();
  auto coordinator = CoordinatorProcess::start(std::move(options));
  EXPECT_TRUE(coordinator->wait_ready()) << coordinator->log_text();
  return coordinator;
}

::testing::AssertionResult is_problem(const HttpReply& reply, int status, const std::string& slug) {
  return check_problem(reply.status, reply.headers, reply.body, status, slug);
}

::testing::AssertionResult is_problem(const RawResponse& reply, int status,
                                      const std::string& slug) {
  return check_problem(reply.status, reply.headers, reply.body, status, slug);
}

::testing::AssertionResult is_healthy(const CoordinatorProcess& coordinator) {
  try {
    auto client = coordinator.client(std::chrono::seconds(5));
    auto reply = client.get("/healthz");
    if (reply.status == 200) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << "/healthz answered " << reply.status << " " << reply.body;
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "/healthz failed: " << e.what();
  }
}

}  // namespace xacoord::test
