// A MariaDB server as the engine and recovery see it through the Session seam
// (participants/session.h), for unit tests of pure logic: no SQL engine, only the XA
// semantics that 2PC depends on (docs/protocol.md, "What the servers do") and faults on
// demand. Never proof of XA or recovery on real servers — the integration tests are.
//
// What it models:
//  - XA branches per xid: ACTIVE, IDLE, PREPARED; committed and rolled-back xids are
//    forgotten (XAER_NOTA afterwards), as the server does.
//  - A branch is attached to the session that started it. Only that session can finish
//    it while it is connected: another session's XA COMMIT/ROLLBACK of a prepared branch
//    gets XAER_NOTA although XA RECOVER lists it (MariaDB's behaviour).
//  - A session that goes (closed, killed, its client process dead) rolls back its ACTIVE
//    and IDLE branches; PREPARED ones survive and detach.
//  - A server restart (restart()) ends every session, keeps prepared branches.
//  - KILL QUERY interrupts a hung statement (error 1317); KILL CONNECTION ends a session.
//  - Every other statement is accepted; a SELECT answers the rows scripted for it
//    (answer()) or none.
//
// A "process" stands for one run of the coordinator: every session belongs to one.
// crash(process) is what SIGKILL does: its sessions die at once, and whatever the process
// sends afterwards never reaches the server and is never answered.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "participants/db_error.h"
#include "participants/session.h"
#include "protocol/xid.h"

namespace xacoord::test {

enum class XaState { kActive, kIdle, kPrepared };

// One coordinator process, as far as the fake servers and store can tell.
struct FakeProcess {
  bool dead = false;
  // Who its sessions register as (participants/server_session.h).
  std::string node_id = "1";
  std::string run = "run";
  // Completions of everything the process is waiting for when it died: held here, never
  // run, so its coroutines stay suspended as a killed process's would.
  std::vector<std::function<void()>> parked;
  // Drops the parked completions (destroying the coroutines that wait on them). Call while
  // every object those coroutines use is still alive.
  void drop_parked() { parked.clear(); }
};

class FakeServer {
 public:
  explicit FakeServer(std::string participant) : participant_(std::move(participant)) {}

  const std::string& participant() const { return participant_; }

  // --- Faults -------------------------------------------------------------------------
  // The next `times` statements that start with `prefix` (after the node marker) fail
  // with `kind` before they run. kConnectionLost also ends the session.
  void fail_next(std::string prefix, db::ErrorKind kind, int times = 1);
  // The next statement that starts with `prefix` runs, then the session is lost before its
  // answer comes back: the client cannot tell whether it happened.
  // With `then_down`, the server then refuses connections too (until set_reachable).
  void lose_answer_of_next(std::string prefix, bool then_down = false);
  // The next statement that starts with `prefix` does not answer until release(), a KILL
  // QUERY or the end of its session (a row lock held elsewhere, a paused server).
  void hang_next(std::string prefix);
  // The next statement that starts with `prefix` hangs on the server, and its client gives
  // up (a read timeout): the client's session is closed on its side only, the server keeps
  // the session and runs the statement when release() comes (a paused server, a partition).
  void time_out_next(std::string prefix);
  // Lets every hung statement go on (they then run and answer).
  void release();
  // Refuses new connections while false (a server that is down or cut off).
  void set_reachable(bool reachable);
  // A restart of the server: every session ends, prepared branches survive.
  void restart();
  // The rows a SELECT that starts with `prefix` answers.
  void answer(std::string prefix, db::Rows rows);

  // --- Inspection ---------------------------------------------------------------------
  std::map<Xid, XaState> branches() const;
  std::vector<Xid> prepared() const;  // what XA RECOVER lists
  const std::set<Xid>& committed() const { return committed_; }
  const std::set<Xid>& rolled_back() const { return rolled_back_; }
  // Every statement that reached the server, marker stripped, in order.
  const std::vector<std::string>& statements() const { return statements_; }
  std::size_t count(const std::string& prefix) const;
  std::size_t live_sessions() const;
  std::size_t hung() const { return hung_.size(); }
  // Forgets every hung statement's waiter (end of a test, before the waiters' objects go).
  void drop_waiters() { hung_.clear(); }

  // --- For FakeSession ----------------------------------------------------------------
  struct Outcome {
    std::optional<db::Rows> rows;
    std::exception_ptr error;
    bool hang = false;         // wait for release / kill, then call run_statement again
    bool client_gone = false;  // the client timed out: it closes its side only
  };
  // Opens a session for `process`; 0 if the server refuses connections.
  std::int64_t connect(std::shared_ptr<FakeProcess> process);
  void disconnect(std::int64_t session);
  bool connected(std::int64_t session) const;
  // Runs one statement on `session`. A statement marked to hang answers hang=true the
  // first time; the session then calls wait_hung, and runs it again once resumed.
  Outcome run_statement(std::int64_t session, const std::string& statement);
  void wait_hung(std::int64_t session, std::function<void()> resume);
  // What a crashed process does to this server: its sessions end.
  void crash(const std::shared_ptr<FakeProcess>& process);

 private:
  struct Branch {
    XaState state;
    std::int64_t session;  // 0 when detached (its session ended while it was prepared)
  };
  struct SessionState {
    std::shared_ptr<FakeProcess> process;
    std::string running;  // the statement it waits in, if hung
  };
  struct Hung {
    std::string statement;
    std::function<void()> resume;  // set once the session waits
    bool client_gone = false;      // its client timed out: it runs on release, unanswered
  };
  struct Fault {
    std::string prefix;
    enum class Kind { kFail, kLoseAnswer, kHang, kTimeOut } kind;
    db::ErrorKind error = db::ErrorKind::kOther;
    int times = 1;
    bool then_down = false;
  };

  std::optional<Fault> take_fault(const std::string& statement);
  Outcome run_xa(std::int64_t session, const std::string& statement);
  Outcome run_other(std::int64_t session, const std::string& statement);
  void end_session(std::int64_t session);
  // Lets the statement hung on `session` go on: to run (released), or to fail.
  void wake(std::int64_t session);

  std::string participant_;
  bool reachable_ = true;
  std::int64_t next_session_ = 100;
  std::map<std::int64_t, SessionState> sessions_;
  std::map<Xid, Branch> branches_;
  std::set<Xid> committed_;
  std::set<Xid> rolled_back_;
  std::vector<Fault> faults_;
  std::map<std::int64_t, Hung> hung_;   // by session
  std::set<std::int64_t> released_;     // sessions whose hung statement may now run
  std::set<std::int64_t> interrupted_;  // sessions whose hung statement was KILL QUERYed
  std::vector<std::pair<std::string, db::Rows>> answers_;
  std::vector<std::string> statements_;
};

// A session on a FakeServer for one process (participants/session.h).
class FakeSession final : public db::Session {
 public:
  FakeSession(FakeServer& server, std::shared_ptr<FakeProcess> process, std::string label);
  ~FakeSession() override;

  boost::asio::awaitable<db::Results> batch(std::vector<std::string> statements) override;
  void close() override;
  db::ServerSession server_session() const override {
    return session_ ? db::ServerSession{session_, "fake:" + std::to_string(session_)}
                    : db::ServerSession{};
  }
  db::ServerSession last_server_session() const override {
    return last_ ? db::ServerSession{last_, "fake:" + std::to_string(last_)} : db::ServerSession{};
  }
  const std::string& label() const override { return label_; }

 private:
  boost::asio::awaitable<void> wait(std::function<void(std::function<void()>)> arm);
  FakeServer& server_;
  std::shared_ptr<FakeProcess> process_;
  std::string label_;
  std::int64_t session_ = 0;
  std::int64_t last_ = 0;
};

class FakeSessionFactory final : public db::SessionFactory {
 public:
  FakeSessionFactory(FakeServer& server, std::shared_ptr<FakeProcess> process)
      : server_(server), process_(std::move(process)) {}

  const std::string& participant() const override { return server_.participant(); }
  std::string address() const override { return "fake:" + server_.participant(); }
  const db::Timeouts& timeouts() const override { return timeouts_; }
  using SessionFactory::make_session;
  std::unique_ptr<db::Session> make_session(const std::string& purpose,
                                            const db::Timeouts&) override {
    return std::make_unique<FakeSession>(server_, process_, server_.participant() + "/" + purpose);
  }

 private:
  FakeServer& server_;
  std::shared_ptr<FakeProcess> process_;
  db::Timeouts timeouts_;
};

}  // namespace xacoord::test
