#include "tests/coordinator/architectures/outbox/outbox_fixture.h"

#include <thread>

#include "tests/support/test_env.h"

namespace xacoord::test {

CoordinatorOptions outbox_options(const DbPair& pair, const harness::LocalBroker& broker,
                                  const std::string& node_id, const std::string& streams) {
  CoordinatorOptions options = CoordinatorOptions::for_pair(pair);
  options.node_id = node_id;
  options.extra_args = quick_recovery_flags();
  for (const std::string& a :
       {std::string("--architecture"), std::string("outbox"), std::string("--broker"), broker.url(),
        std::string("--broker-streams"), streams})
    options.extra_args.push_back(a);
  return options;
}

std::unique_ptr<CoordinatorProcess> start_outbox(const DbPair& pair,
                                                 const harness::LocalBroker& broker,
                                                 const std::string& node_id,
                                                 const std::string& streams,
                                                 std::vector<std::string> extra) {
  CoordinatorOptions options = CoordinatorOptions::for_pair(pair);
  options.node_id = node_id;
  std::vector<std::string> args{"--architecture", "outbox",           "--broker",
                                broker.url(),     "--broker-streams", streams};
  args.insert(args.end(), extra.begin(), extra.end());
  return start_ready(options, std::move(args));
}

std::unique_ptr<harness::LocalBroker> start_test_broker(const std::string& name) {
  return harness::LocalBroker::start(scratch_dir(name));
}

bool wait_settled(const CoordinatorProcess& coordinator, std::chrono::milliseconds timeout) {
  return eventually(
      [&] {
        try {
          auto reply = coordinator.client(std::chrono::seconds(5)).get("/v1/status");
          return reply.status == 200 && reply.json().value("settled", false);
        } catch (const std::exception&) {
          return false;
        }
      },
      timeout);
}

std::string final_state(const DbPair& pair, std::int64_t order_id) {
  std::string state = order_status_in_db(pair, order_id);
  auto rows =
      pair.connect("payments")
          ->query("SELECT status FROM payments WHERE order_id = " + std::to_string(order_id));
  return state + " " + (rows.empty() ? std::string("none") : db::as_string(rows[0], 0));
}

int inbox_count(const DbPair& pair, const std::string& server, const std::string& msg_id) {
  auto rows =
      pair.connect(server)->query("SELECT COUNT(*) FROM inbox WHERE msg_id = '" + msg_id + "'");
  return static_cast<int>(db::as_int(rows[0], 0));
}

std::int64_t balance_in_db(const DbPair& pair, const std::string& account_id) {
  auto rows =
      pair.connect("payments")
          ->query("SELECT balance_cents FROM accounts WHERE account_id = '" + account_id + "'");
  return rows.empty() ? -1 : db::as_int(rows[0], 0);
}

}  // namespace xacoord::test
