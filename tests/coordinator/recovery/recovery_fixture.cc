#include "tests/coordinator/recovery/recovery_fixture.h"

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "participants/node_lock.h"
#include "participants/sql_text.h"
#include "protocol/txn_id.h"
#include "tests/support/shop.h"
#include "tests/support/test_env.h"
#include "tools/reconcile/reconcile.h"
#include "tools/report/prometheus_text.h"

namespace xacoord::test {

std::string unique_node_id(const std::string& prefix) {
  // Node ids are at most 12 of [A-Za-z0-9_]: prefix (2), pid (up to 7), counter.
  static std::atomic<int> counter{0};
  std::string id = prefix.substr(0, 2) + std::to_string(::getpid() % 10'000'000) + "_" +
                   std::to_string(counter++ % 10);
  return id.substr(0, kMaxNodeIdBytes);
}

std::vector<std::string> quick_recovery_flags() {
  return {"--health-interval",
          "200ms",
          "--retry-max-backoff",
          "400ms",
          "--connect-timeout-seconds",
          "1",
          "--read-timeout-seconds",
          "20",
          "--lock-wait-seconds",
          "20",
          "--orphan-scan-interval",
          "1s",
          "--stuck-after",
          "1s",
          "--pool-size",
          "8"};
}

std::unique_ptr<CoordinatorProcess> start_ready(CoordinatorOptions options,
                                                std::vector<std::string> extra) {
  options.extra_args = quick_recovery_flags();
  for (auto& a : extra)
    options.extra_args.push_back(std::move(a));
  auto coordinator = CoordinatorProcess::start(options);
  if (!coordinator->wait_ready())
    throw std::runtime_error("the coordinator did not get ready: " + coordinator->log_text());
  return coordinator;
}

std::vector<Xid> prepared_all(const DbPair& pair, const std::string& server) {
  return pair.connect(server)->xa_recover();
}

std::vector<Xid> prepared_of_node(const DbPair& pair, const std::string& server,
                                  const std::string& node_id) {
  std::vector<Xid> out;
  for (auto& xid : prepared_all(pair, server)) {
    auto txn = txn_of_xid(xid);
    if (txn && txn->node == node_id) out.push_back(xid);
  }
  return out;
}

bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    try {
      if (done()) return true;
    } catch (const std::exception&) {
      // a server that is still starting: ask again
    }
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

RowLock::RowLock(const DbPair& pair, const std::string& server,
                 const std::string& select_for_update)
    : session_(pair.connect(server)) {
  session_->execute("BEGIN");
  session_->query(select_for_update);
}

RowLock::~RowLock() {
  try {
    release();
  } catch (const std::exception&) {
    // the server was killed under it: the lock went with it
  }
}

void RowLock::release() {
  if (!session_) return;
  auto session = std::move(session_);
  session->execute("ROLLBACK");
}

static std::vector<std::int64_t> ids(db::Connection& admin, const std::string& sql) {
  std::vector<std::int64_t> out;
  for (const auto& row : admin.query(sql).rows)
    out.push_back(db::as_int(row, 0));
  return out;
}

std::vector<std::int64_t> sessions_waiting_for_locks(db::Connection& admin) {
  return ids(admin,
             "SELECT trx_mysql_thread_id FROM information_schema.innodb_trx "
             "WHERE trx_state = 'LOCK WAIT'");
}

std::vector<std::int64_t> sessions_with_transactions(db::Connection& admin) {
  return ids(admin,
             "SELECT trx_mysql_thread_id FROM information_schema.innodb_trx "
             "WHERE trx_mysql_thread_id <> CONNECTION_ID()");
}

CommandResult run_xacoord(const std::vector<std::string>& args) {
  // Appended piece by piece: g++ 12 warns falsely (-Wstringop-overflow) on "'" + string.
  std::string cmd;
  cmd.append("'").append(binary_path()).append("'");
  for (const auto& a : args)
    cmd.append(" '").append(a).append("'");
  cmd.append(" 2>&1");
  CommandResult result;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe))
    result.output.append(buffer.data(), n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string invariant_violations(const DbPair& pair, const std::string& account_prefix,
                                 const std::string& node_id) {
  auto orders = pair.connect("orders");
  auto payments = pair.connect("payments");
  reconcile::Scope scope;
  scope.account_prefix = account_prefix;
  scope.node_id = node_id;
  auto report = reconcile::check(*orders, *payments, scope);
  return report.ok() ? "" : report.to_text();
}

struct AsyncReply::State {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  HttpReply reply;
};

AsyncReply::AsyncReply(std::function<HttpReply()> request) : state_(std::make_shared<State>()) {
  std::thread([state = state_, request = std::move(request)] {
    // The test kills servers with std::system(), and something in the process catches
    // SIGCHLD: its delivery here would cut the blocking read short (EINTR) and lose the
    // answer. Other threads take the test's signals.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    HttpReply reply;
    try {
      reply = request();
    } catch (const std::exception& e) {
      reply.status = 0;
      reply.body = e.what();
    }
    std::lock_guard lock(state->mutex);
    state->reply = std::move(reply);
    state->done = true;
    state->done_cv.notify_all();
  }).detach();
}

AsyncReply::~AsyncReply() = default;

HttpReply AsyncReply::get(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  if (!state_->done_cv.wait_for(lock, timeout, [this] { return state_->done; })) {
    HttpReply none;
    none.status = -1;
    none.body = "no answer within the test's bound";
    return none;
  }
  return state_->reply;
}

AsyncReply pay_async(const CoordinatorProcess& coordinator, std::int64_t order_id,
                     const std::string& idempotency_key) {
  std::uint16_t port = coordinator.port();
  return AsyncReply([port, order_id, idempotency_key] {
    HttpClient client("127.0.0.1", port, std::chrono::seconds(90));
    return pay(client, order_id, idempotency_key);
  });
}

std::string order_status_in_db(const DbPair& pair, std::int64_t order_id) {
  auto rows = pair.connect("orders")->query("SELECT status FROM orders WHERE order_id = " +
                                            std::to_string(order_id));
  return rows.empty() ? "" : db::as_string(rows[0], 0);
}

std::int64_t node_lock_holder(const DbPair& pair, const std::string& server,
                              const std::string& node_id) {
  auto rows = pair.connect(server)->query("SELECT IFNULL(IS_USED_LOCK(" +
                                          db::quote(db::node_lock_name(node_id)) + "), 0)");
  return db::as_int(rows.rows.at(0), 0);
}

bool has_event(const std::string& log, const std::string& event, const std::string& text) {
  std::istringstream lines(log);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("\"event\":\"" + event + "\"") != std::string::npos &&
        line.find(text) != std::string::npos) {
      return true;
    }
  }
  return false;
}

double gauge(HttpClient& client, const std::string& name) {
  return report::parse_prometheus_text(client.get("/metrics").body).value(name).value_or(-1);
}

}  // namespace xacoord::test
