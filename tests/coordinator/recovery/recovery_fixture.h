// What the recovery tests share: a node id of their own, the coordinator's serve flags for
// quick recovery, reading XA RECOVER, holding a row lock from a test session so a branch
// blocks at a known statement, finding and killing the coordinator's sessions, running
// the `xacoord` CLI, and checking contract §4 for one test's accounts and node.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "coordinator/client/http_client.h"
#include "participants/connection.h"
#include "protocol/xid.h"
#include "tests/support/coordinator_process.h"
#include "tests/support/db_pair.h"

namespace xacoord::test {

// A node id no other test (or test process) uses: recovery only touches its own node.
std::string unique_node_id(const std::string& prefix);

// Serve flags that make recovery, health checks and retries quick enough for tests.
std::vector<std::string> quick_recovery_flags();

// Starts a coordinator with `options` plus quick_recovery_flags() and `extra`, and waits
// until it is ready. Throws, not expects, when it does not get ready: nothing after that
// could mean anything without a coordinator.
std::unique_ptr<CoordinatorProcess> start_ready(CoordinatorOptions options,
                                                std::vector<std::string> extra = {});

// Prepared xids on `server` ("orders"|"payments") of xacoord's format id and `node_id`.
std::vector<Xid> prepared_of_node(const DbPair& pair, const std::string& server,
                                  const std::string& node_id);
// Every prepared xid on `server`, whatever its format or node.
std::vector<Xid> prepared_all(const DbPair& pair, const std::string& server);

// Polls `done` until it returns true or `timeout` passes; returns its last answer.
bool eventually(const std::function<bool()>& done,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));

// A test session that holds `SELECT ... FOR UPDATE` on one row until released, so a
// coordinator's branch that touches the row waits at that statement.
class RowLock {
 public:
  RowLock(const DbPair& pair, const std::string& server, const std::string& select_for_update);
  ~RowLock();
  void release();  // ROLLBACK: the waiting branch goes on

 private:
  std::unique_ptr<db::Connection> session_;
};

// Server ids of sessions with a transaction waiting for a lock (innodb_trx LOCK WAIT).
std::vector<std::int64_t> sessions_waiting_for_locks(db::Connection& admin);
// Server ids of sessions, other than `admin`'s, that hold a transaction (an XA branch
// prepared on its session shows here until that session ends).
std::vector<std::int64_t> sessions_with_transactions(db::Connection& admin);

// Runs build/bin/xacoord with `args`; returns its exit code and what it printed.
struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};
CommandResult run_xacoord(const std::vector<std::string>& args);

// Contract §4 for accounts starting with `account_prefix` and branches of `node_id`;
// returns the checker's report text, empty when every invariant holds.
std::string invariant_violations(const DbPair& pair, const std::string& account_prefix,
                                 const std::string& node_id);

// POST pay on a thread of its own (the coordinator may be stalled, or killed, meanwhile).
// The future's reply has status 0 and the error in body if the connection failed.
struct AsyncReply {
  explicit AsyncReply(std::function<HttpReply()> request);
  ~AsyncReply();
  HttpReply get(std::chrono::milliseconds timeout = std::chrono::seconds(60));

 private:
  struct State;
  std::shared_ptr<State> state_;
};
AsyncReply pay_async(const CoordinatorProcess& coordinator, std::int64_t order_id,
                     const std::string& idempotency_key);

// The session that holds `node_id`'s lock on `server` (participants/node_lock.h), 0 if none.
std::int64_t node_lock_holder(const DbPair& pair, const std::string& server,
                              const std::string& node_id);

// The order's status read from the orders database itself (no coordinator needed).
std::string order_status_in_db(const DbPair& pair, std::int64_t order_id);

// Whether the event log has a line of `event` that mentions `text` (e.g. a txn id).
bool has_event(const std::string& log, const std::string& event, const std::string& text);

// The value of an unlabelled gauge in /metrics, or -1 if it is missing.
double gauge(HttpClient& client, const std::string& name);

}  // namespace xacoord::test
