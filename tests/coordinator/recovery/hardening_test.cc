// Issue 13 against real servers: a forced decision refused during start-up, the sessions a
// vanished host leaves ended by the next start, network partitions during prepare and
// during commit (nftables drops, tools/harness/packet_filter.h), a connection limit, a full
// and a slow disk under the decision log. Each test has a private MariaDB pair.
#include <sys/mount.h>

#include <csignal>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "protocol/txn_id.h"
#include "tests/coordinator/recovery/recovery_fixture.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"
#include "tools/harness/packet_filter.h"

namespace xacoord::test {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class HardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pair_ = DbPair::start_private();
    prefix_ = unique_name("hard");
  }

  CoordinatorOptions options(const std::string& stall_at = "", int stall_ms = 2000) {
    CoordinatorOptions o = CoordinatorOptions::for_pair(*pair_);
    o.node_id = node_;
    o.log_dir = log_dir_;
    o.stderr_path = scratch_dir("hard-stderr") + "/serve.stderr";  // never on a full disk
    o.stall_at = stall_at;
    o.stall_ms = stall_ms;
    return o;
  }
  std::unique_ptr<CoordinatorProcess> start(const std::string& stall_at = "",
                                            std::vector<std::string> extra = {}) {
    return start_ready(options(stall_at), std::move(extra));
  }
  std::pair<std::string, std::int64_t> order(CoordinatorProcess& coordinator) {
    auto client = coordinator.client();
    auto account = open_account(client, prefix_, 10'000);
    return {account, create_order(client, account, 1'000)};
  }
  bool none_prepared() {
    return prepared_of_node(*pair_, "orders", node_).empty() &&
           prepared_of_node(*pair_, "payments", node_).empty();
  }
  // The client ports of every session this node registered on `server`.
  std::vector<std::uint16_t> registered_ports(const std::string& server) {
    std::vector<std::uint16_t> ports;
    auto rows = pair_->connect(server)->query(
        "SELECT client FROM xacoord_sessions WHERE node_id = '" + node_ + "'");
    for (const auto& row : rows.rows) {
      if (row[0]) ports.push_back(harness::client_port_of(*row[0]));
    }
    return ports;
  }
  void require_packet_filter() {
    std::string why;
    if (!harness::PacketFilter::available(&why)) GTEST_SKIP() << why;
  }

  std::unique_ptr<DbPair> pair_;
  std::string prefix_;
  std::string node_ = unique_node_id("hd");
  std::string log_dir_ = scratch_dir("hard-log");
};

// Finding 1: admin routes wait for the node lock and start-up recovery. A forced commit
// sent while start-up is held at its first step is refused, and start-up's presumed abort
// stands.
TEST_F(HardeningTest, AForcedDecisionDuringStartupRecoveryIsRefused) {
  // A transaction of this node that died after both prepares, undecided.
  TxnId id{node_, 900'001, 1};
  for (const char* server : {"orders", "payments"}) {
    auto session = pair_->connect(server);
    Xid xid = branch_xid(id, server);
    session->xa_start(xid);
    session->execute(std::string("INSERT INTO ") +
                     (std::string(server) == "orders"
                          ? "idempotency_keys (idem_key, fingerprint, http_status, response) "
                            "VALUES ('" +
                                prefix_ + "', 'f', 200, '')"
                          : "accounts (account_id, balance_cents, funded_cents) VALUES ('" +
                                prefix_ + "', 0, 0)"));
    session->xa_end(xid);
    session->xa_prepare(xid);
  }
  const std::string token = "tk-" + prefix_;
  CoordinatorOptions o = options("startup_recovery", 3000);
  o.extra_args = quick_recovery_flags();
  o.extra_args.insert(o.extra_args.end(), {"--admin-token", token});
  auto coordinator = CoordinatorProcess::start(o);
  ASSERT_TRUE(coordinator->wait_for_log("\"stall_point\"")) << coordinator->log_text();
  auto forced = run_xacoord({"txn", "commit", id.to_string(), "--force", "--admin-token", token,
                             "--server", "127.0.0.1:" + std::to_string(coordinator->port())});
  EXPECT_EQ(forced.exit_code, 1) << forced.output;
  EXPECT_NE(forced.output.find("start-up recovery"), std::string::npos) << forced.output;
  ASSERT_TRUE(coordinator->wait_ready()) << coordinator->log_text();
  EXPECT_TRUE(eventually([&] { return none_prepared(); }));
  EXPECT_TRUE(pair_->connect("payments")
                  ->query("SELECT 1 FROM accounts WHERE account_id = '" + prefix_ + "'")
                  .empty());  // rolled back, not committed by force
}

// Finding 2: a host that vanishes leaves its sessions on the servers — the node lock's and
// a branch's, idle. The next start of the node ends them (once the lock holder is stale)
// and becomes ready; the pay the dead host prepared is rolled back (no decision).
TEST_F(HardeningTest, TheNextStartEndsTheIdleSessionsOfAVanishedHost) {
  require_packet_filter();
  auto first = start("after_prepare_all");
  auto [account, order_id] = order(*first);
  auto reply = pay_async(*first, order_id, "");
  ASSERT_TRUE(first->wait_for_log("\"stall_point\"")) << first->log_text();
  ASSERT_EQ(prepared_of_node(*pair_, "payments", node_).size(), 1u);
  // The host vanishes: nothing of its connections reaches the servers any more, not even
  // the FIN of its death.
  harness::PacketFilter cut;
  for (const char* server : {"orders", "payments"})
    cut.cut_client_ports(registered_ports(server));
  first->signal(SIGKILL);
  ASSERT_TRUE(first->wait_exit(seconds(10)));
  (void)reply.get(seconds(10));
  ASSERT_FALSE(sessions_with_transactions(*pair_->connect("payments")).empty());

  CoordinatorOptions o = options();
  o.extra_args = quick_recovery_flags();
  o.extra_args.insert(o.extra_args.end(),
                      {"--node-lock-stale-seconds", "4", "--node-lock-wait-seconds", "1"});
  auto next = CoordinatorProcess::start(o);
  ASSERT_TRUE(next->wait_ready(seconds(40))) << next->log_text();
  EXPECT_TRUE(has_event(next->log_text(), "node_lock_holder_of_earlier_run_ended", ""))
      << next->log_text();
  EXPECT_TRUE(has_event(next->log_text(), "idle_sessions_of_earlier_run_ended", ""))
      << next->log_text();
  EXPECT_TRUE(eventually([&] { return none_prepared(); })) << next->log_text();
  EXPECT_EQ(order_status_in_db(*pair_, order_id), "PENDING");
  cut.heal();
  EXPECT_EQ(invariant_violations(*pair_, prefix_, node_), "");
}

// Partition (issue 13 point 6) between the coordinator and payments while the pay
// prepares: answered 503, and after the heal the branch the server may still prepare from
// the buffered batch is ended with its session and rolled back; the account row is free
// again within the bound (heal + the orphan grace + a scan).
TEST_F(HardeningTest, APartitionDuringPrepareIsRolledBackAfterTheHeal) {
  require_packet_filter();
  auto coordinator = start("before_prepare", {"--read-timeout-seconds", "2"});
  auto [account, order_id] = order(*coordinator);
  auto reply = pay_async(*coordinator, order_id, "k-" + prefix_);
  ASSERT_TRUE(coordinator->wait_for_log("\"stall_point\"")) << coordinator->log_text();
  harness::PacketFilter cut;
  cut.cut_server_port(pair_->payments_port());
  auto answer = reply.get(seconds(30));
  EXPECT_EQ(answer.status, 503) << answer.body;
  std::this_thread::sleep_for(seconds(2));
  cut.heal();
  const auto healed = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return none_prepared(); }, seconds(30))) << coordinator->log_text();
  // The account row is free: a locking read on it answers at once.
  auto admin = pair_->connect("payments");
  admin->execute("SET SESSION innodb_lock_wait_timeout = 1");
  EXPECT_NO_THROW(admin->query("SELECT balance_cents FROM accounts WHERE account_id = '" + account +
                               "' FOR UPDATE"));
  EXPECT_LT(std::chrono::steady_clock::now() - healed, seconds(30));
  EXPECT_EQ(order_status_in_db(*pair_, order_id), "PENDING");
  // A client retries a 503 with its key; once the coordinator sees payments again, it pays.
  auto client = coordinator->client();
  EXPECT_TRUE(eventually([&] { return pay(client, order_id, "k-" + prefix_).status == 200; }))
      << coordinator->log_text();
  EXPECT_EQ(invariant_violations(*pair_, prefix_, node_), "");
}

// Partition while the pay commits: the decision is logged, the client hears 200, and the
// payments branch is committed once the link heals.
TEST_F(HardeningTest, APartitionDuringCommitIsCommittedAfterTheHeal) {
  require_packet_filter();
  auto coordinator = start("after_decision_logged", {"--read-timeout-seconds", "2"});
  auto [account, order_id] = order(*coordinator);
  auto reply = pay_async(*coordinator, order_id, "k-" + prefix_);
  ASSERT_TRUE(coordinator->wait_for_log("\"stall_point\"")) << coordinator->log_text();
  harness::PacketFilter cut;
  cut.cut_server_port(pair_->payments_port());
  auto answer = reply.get(seconds(30));
  ASSERT_EQ(answer.status, 200) << answer.body;
  std::this_thread::sleep_for(seconds(3));  // recovery retries meanwhile, unanswered
  EXPECT_TRUE(has_event(coordinator->log_text(), "phase_two_handed_to_recovery", ""));
  cut.heal();
  EXPECT_TRUE(eventually([&] { return none_prepared(); }, seconds(30))) << coordinator->log_text();
  EXPECT_EQ(order_status_in_db(*pair_, order_id), "PAID");
  auto client = coordinator->client();
  EXPECT_TRUE(eventually([&] { return balance(client, account) == 9'000; }));
  EXPECT_EQ(invariant_violations(*pair_, prefix_, node_), "");
}

// Point 8: the server's connection limit reached. Pays beyond it get a clear 503 and leave
// nothing prepared.
TEST_F(HardeningTest, AConnectionLimitGivesClear503sAndNoStuckBranch) {
  auto coordinator = start();
  std::vector<std::int64_t> orders;
  auto client = coordinator->client();
  auto account = open_account(client, prefix_, 1'000'000);
  for (int i = 0; i < 24; ++i)
    orders.push_back(create_order(client, account, 100));
  // Room for the coordinator's own sessions and a few for transactions only. The test's
  // own session is opened first, and kept: it lifts the limit again afterwards.
  auto admin = pair_->connect("payments");
  admin->execute("SET GLOBAL max_connections = 10");
  std::vector<std::unique_ptr<AsyncReply>> replies;
  for (auto id : orders)
    replies.push_back(std::make_unique<AsyncReply>(pay_async(*coordinator, id, "")));
  int ok = 0, unavailable = 0;
  for (auto& r : replies) {
    auto a = r->get();
    if (a.status == 200) ++ok;
    if (a.status == 503) {
      ++unavailable;
      EXPECT_NE(a.body.find("detail"), std::string::npos) << a.body;
    }
    EXPECT_TRUE(a.status == 200 || a.status == 503) << a.status << " " << a.body;
  }
  EXPECT_GT(ok, 0);
  admin->execute("SET GLOBAL max_connections = 151");
  EXPECT_TRUE(eventually([&] { return none_prepared(); })) << coordinator->log_text();
  EXPECT_EQ(invariant_violations(*pair_, prefix_, node_), "");
  std::printf("connection limit: %d paid, %d answered 503\n", ok, unavailable);
}

// Point 7: the decision log's disk fills up. The coordinator stops loudly; every pay it
// answered 200 is durable, and after space returns the restart commits or rolls back the
// rest.
TEST_F(HardeningTest, AFullDiskStopsTheCoordinatorLoudlyAndLosesNoAcknowledgedPay) {
  const std::string mount_point = scratch_dir("hard-tmpfs");
  if (::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=512k") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  struct Unmount {
    std::string at;
    ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{mount_point};
  log_dir_ = mount_point + "/log";
  auto coordinator = start("", {"--segment-bytes", "65536"});
  auto client = coordinator->client();
  auto account = open_account(client, prefix_, 10'000'000);
  {
    // Fill the disk to within a few KiB.
    std::ofstream filler(mount_point + "/filler", std::ios::binary);
    std::string block(1024, 'x');
    for (int i = 0; i < 2048 && filler.write(block.data(), block.size()); ++i) {
    }
  }
  std::vector<std::int64_t> paid;
  for (int i = 0; i < 400 && coordinator->running(); ++i) {
    std::int64_t id = 0;
    try {
      id = create_order(client, account, 10);
    } catch (const std::exception&) {
      break;  // the coordinator died meanwhile
    }
    try {
      if (pay(client, id, "").status == 200) paid.push_back(id);
    } catch (const std::exception&) {
      break;  // no answer: it died during this pay (which is not counted as acknowledged)
    }
  }
  auto died = coordinator->wait_exit(seconds(10));
  ASSERT_TRUE(died) << "the coordinator kept running on a full disk";
  EXPECT_NE(coordinator->log_text().find("FATAL"), std::string::npos) << coordinator->log_text();
  std::remove((mount_point + "/filler").c_str());
  auto restarted = start();
  EXPECT_TRUE(eventually([&] { return none_prepared(); }));
  for (auto id : paid)
    EXPECT_EQ(order_status_in_db(*pair_, id), "PAID") << "order " << id;
  EXPECT_EQ(invariant_violations(*pair_, prefix_, node_), "");
  restarted.reset();
  std::printf("full disk: %zu pays answered 200 before the coordinator stopped\n", paid.size());
}

// Point 7: a slow disk under the decision log (an fdatasync that takes 600 ms, longer than
// the pay's whole deadline). Answers wait for it; none comes before the decision is
// durable, and a decision that waits past the deadline is still honoured.
TEST_F(HardeningTest, ASlowDiskSlowsAnswersButNeverAnswersEarly) {
  CoordinatorOptions o = options();
  o.extra_args = quick_recovery_flags();
  o.extra_args.insert(o.extra_args.end(), {"--enable-fault-injection", "--deadline", "400ms"});
  o.env.emplace_back("XACOORD_LOG_SYNC_DELAY_MS", "600");
  auto coordinator = CoordinatorProcess::start(o);
  ASSERT_TRUE(coordinator->wait_ready()) << coordinator->log_text();
  auto [account, order_id] = order(*coordinator);
  auto client = coordinator->client();
  const auto began = std::chrono::steady_clock::now();
  auto answer = pay(client, order_id, "");
  const auto took = std::chrono::steady_clock::now() - began;
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_GE(took, milliseconds(600));
  auto log = run_xacoord({"log", "dump", log_dir_});
  EXPECT_NE(log.output.find(answer.json().value("txn_id", "?")), std::string::npos) << log.output;
  EXPECT_EQ(order_status_in_db(*pair_, order_id), "PAID");
  EXPECT_EQ(invariant_violations(*pair_, prefix_, node_), "");
}

}  // namespace
}  // namespace xacoord::test
