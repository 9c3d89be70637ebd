#include "tests/support/fakes/fake_server.h"

#include <algorithm>

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "participants/xa_sql.h"

namespace xacoord::test {

namespace asio = boost::asio;
using db::DbError;
using db::ErrorKind;

namespace {

std::string strip_marker(const std::string& statement) {
  if (statement.rfind("/*", 0) != 0) return statement;
  auto end = statement.find("*/");
  if (end == std::string::npos) return statement;
  std::size_t start = end + 2;
  while (start < statement.size() && statement[start] == ' ')
    ++start;
  return statement.substr(start);
}

bool starts_with(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}

int code_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kUnknownXid:
      return 1397;
    case ErrorKind::kXaState:
      return 1399;
    case ErrorKind::kRolledBack:
      return 1402;
    case ErrorKind::kLockTimeout:
      return 1205;
    case ErrorKind::kDeadlock:
      return 1213;
    case ErrorKind::kConnectionLost:
      return 2013;
    case ErrorKind::kTimeout:
      return 2013;
    case ErrorKind::kDuplicate:
      return 1062;
    case ErrorKind::kConstraint:
      return 4025;
    case ErrorKind::kOther:
      return 1105;
  }
  return 1105;
}

std::exception_ptr error(ErrorKind kind, const std::string& what) {
  return std::make_exception_ptr(DbError(kind, code_of(kind), what));
}

std::optional<Xid> xid_after(const std::string& statement, std::size_t verb_length) {
  std::string rest = statement.substr(verb_length);
  const std::string one_phase = " ONE PHASE";
  if (rest.size() > one_phase.size() &&
      rest.compare(rest.size() - one_phase.size(), one_phase.size(), one_phase) == 0) {
    rest.resize(rest.size() - one_phase.size());
  }
  return parse_sql_xid(rest);
}

std::int64_t number_after(const std::string& statement, std::size_t prefix_length) {
  return std::stoll(statement.substr(prefix_length));
}

}  // namespace

void FakeServer::fail_next(std::string prefix, ErrorKind kind, int times) {
  faults_.push_back({std::move(prefix), Fault::Kind::kFail, kind, times});
}

void FakeServer::lose_answer_of_next(std::string prefix, bool then_down) {
  faults_.push_back(
      {std::move(prefix), Fault::Kind::kLoseAnswer, db::ErrorKind::kOther, 1, then_down});
}

void FakeServer::hang_next(std::string prefix) {
  faults_.push_back({std::move(prefix), Fault::Kind::kHang});
}

void FakeServer::time_out_next(std::string prefix) {
  faults_.push_back({std::move(prefix), Fault::Kind::kTimeOut});
}

void FakeServer::release() {
  std::vector<std::int64_t> sessions;
  for (const auto& [session, hung] : hung_)
    sessions.push_back(session);
  for (auto session : sessions) {
    Hung& hung = hung_[session];
    if (hung.client_gone) {
      // Nobody waits for the answer; the server runs it anyway.
      std::string statement = strip_marker(hung.statement);
      hung_.erase(session);
      sessions_[session].running.clear();
      statements_.push_back(statement);
      if (starts_with(statement, "XA ")) {
        run_xa(session, statement);
      } else {
        run_other(session, statement);
      }
      continue;
    }
    released_.insert(session);
    wake(session);
  }
}

void FakeServer::set_reachable(bool reachable) {
  reachable_ = reachable;
}

void FakeServer::restart() {
  std::vector<std::int64_t> all;
  for (const auto& [id, s] : sessions_)
    all.push_back(id);
  for (auto id : all)
    end_session(id);
}

void FakeServer::answer(std::string prefix, db::Rows rows) {
  answers_.emplace_back(std::move(prefix), std::move(rows));
}

std::map<Xid, XaState> FakeServer::branches() const {
  std::map<Xid, XaState> out;
  for (const auto& [xid, b] : branches_)
    out[xid] = b.state;
  return out;
}

std::vector<Xid> FakeServer::prepared() const {
  std::vector<Xid> out;
  for (const auto& [xid, b] : branches_) {
    if (b.state == XaState::kPrepared) out.push_back(xid);
  }
  return out;
}

std::size_t FakeServer::count(const std::string& prefix) const {
  return static_cast<std::size_t>(
      std::count_if(statements_.begin(), statements_.end(),
                    [&](const std::string& s) { return starts_with(s, prefix); }));
}

std::size_t FakeServer::live_sessions() const {
  return sessions_.size();
}

std::int64_t FakeServer::connect(std::shared_ptr<FakeProcess> process) {
  if (!reachable_) return 0;
  std::int64_t id = next_session_++;
  sessions_[id] = SessionState{std::move(process), {}};
  return id;
}

void FakeServer::disconnect(std::int64_t session) {
  end_session(session);
}

bool FakeServer::connected(std::int64_t session) const {
  return sessions_.contains(session);
}

void FakeServer::crash(const std::shared_ptr<FakeProcess>& process) {
  std::vector<std::int64_t> theirs;
  for (const auto& [id, s] : sessions_) {
    if (s.process == process) theirs.push_back(id);
  }
  for (auto id : theirs)
    end_session(id);
}

// A session ends: its unprepared branches roll back, its prepared ones detach, and a
// statement it was waiting in fails (its client sees the connection go).
void FakeServer::end_session(std::int64_t session) {
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return;
  std::shared_ptr<FakeProcess> process = it->second.process;
  sessions_.erase(it);
  for (auto b = branches_.begin(); b != branches_.end();) {
    if (b->second.session != session) {
      ++b;
      continue;
    }
    if (b->second.state == XaState::kPrepared) {
      b->second.session = 0;
      ++b;
    } else {
      rolled_back_.insert(b->first);
      b = branches_.erase(b);
    }
  }
  if (hung_.contains(session) && hung_[session].client_gone) {
    hung_.erase(session);  // killed before it ran: it never runs
  } else if (hung_.contains(session)) {
    if (process && process->dead) {
      // A dead process hears nothing more.
      if (hung_[session].resume) process->parked.push_back(std::move(hung_[session].resume));
      hung_.erase(session);
    } else {
      wake(session);
    }
  }
}

void FakeServer::wake(std::int64_t session) {
  auto it = hung_.find(session);
  if (it == hung_.end()) return;
  auto resume = std::move(it->second.resume);
  if (!resume) {
    // Not waiting yet (it will be at once): leave the entry, its state says what happens.
    return;
  }
  hung_.erase(it);
  resume();
}

void FakeServer::wait_hung(std::int64_t session, std::function<void()> resume) {
  auto it = hung_.find(session);
  bool go_now = it == hung_.end() || released_.contains(session) ||
                interrupted_.contains(session) || !sessions_.contains(session);
  if (go_now) {
    if (it != hung_.end()) hung_.erase(it);
    resume();
    return;
  }
  it->second.resume = std::move(resume);
}

std::optional<FakeServer::Fault> FakeServer::take_fault(const std::string& statement) {
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!starts_with(statement, it->prefix)) continue;
    Fault fault = *it;
    if (--it->times <= 0) faults_.erase(it);
    return fault;
  }
  return std::nullopt;
}

FakeServer::Outcome FakeServer::run_statement(std::int64_t session, const std::string& raw) {
  if (!sessions_.contains(session)) {
    released_.erase(session);
    interrupted_.erase(session);
    return Outcome{std::nullopt, error(ErrorKind::kConnectionLost, "Lost connection to server")};
  }
  const std::string statement = strip_marker(raw);
  if (interrupted_.erase(session) > 0) {
    sessions_[session].running.clear();
    return Outcome{std::nullopt, std::make_exception_ptr(DbError(
                                     ErrorKind::kOther, 1317, "Query execution was interrupted"))};
  }
  const bool released = released_.erase(session) > 0;
  if (!released) {
    if (auto fault = take_fault(statement)) {
      switch (fault->kind) {
        case Fault::Kind::kFail: {
          statements_.push_back("FAILED " + statement);
          auto e = error(fault->error,
                         "injected " + std::string(db::name_of(fault->error)) + " on " + statement);
          if (fault->error == ErrorKind::kConnectionLost || fault->error == ErrorKind::kTimeout)
            end_session(session);
          return Outcome{std::nullopt, e};
        }
        case Fault::Kind::kLoseAnswer: {
          // It happens on the server whatever its own answer; the client hears nothing.
          if (starts_with(statement, "XA ")) {
            run_xa(session, statement);
          } else {
            run_other(session, statement);
          }
          statements_.push_back(statement);
          end_session(session);
          if (fault->then_down) reachable_ = false;
          return Outcome{std::nullopt,
                         error(ErrorKind::kConnectionLost, "Lost connection during " + statement)};
        }
        case Fault::Kind::kHang:
          hung_[session] = Hung{raw, {}};
          sessions_[session].running = raw;
          return Outcome{std::nullopt, nullptr, /*hang=*/true};
        case Fault::Kind::kTimeOut:
          hung_[session] = Hung{raw, {}, /*client_gone=*/true};
          sessions_[session].running = raw;
          return Outcome{std::nullopt, error(ErrorKind::kTimeout, "read timeout on " + statement),
                         false, /*client_gone=*/true};
      }
    }
  }
  sessions_[session].running.clear();
  statements_.push_back(statement);
  if (starts_with(statement, "XA ")) return run_xa(session, statement);
  return run_other(session, statement);
}

FakeServer::Outcome FakeServer::run_xa(std::int64_t session, const std::string& statement) {
  auto attached_here = [&](const Xid& xid) {
    auto it = branches_.find(xid);
    return it != branches_.end() && it->second.session == session;
  };
  if (starts_with(statement, "XA RECOVER")) {
    db::Rows rows;
    for (const Xid& xid : prepared()) {
      rows.rows.push_back(db::Row{std::to_string(xid.format_id), std::to_string(xid.gtrid.size()),
                                  std::to_string(xid.bqual.size()), xid.to_sql()});
    }
    return Outcome{rows, nullptr};
  }
  struct Verb {
    const char* text;
    int kind;
  };
  static const Verb verbs[] = {
      {"XA START ", 0}, {"XA END ", 1}, {"XA PREPARE ", 2}, {"XA COMMIT ", 3}, {"XA ROLLBACK ", 4}};
  for (const Verb& v : verbs) {
    if (!starts_with(statement, v.text)) continue;
    auto xid = xid_after(statement, std::string(v.text).size());
    if (!xid) return Outcome{std::nullopt, error(ErrorKind::kOther, "bad xid in " + statement)};
    auto it = branches_.find(*xid);
    switch (v.kind) {
      case 0:  // START
        for (const auto& [other, b] : branches_) {
          if (b.session == session)
            return Outcome{std::nullopt,
                           error(ErrorKind::kXaState, "XAER_RMFAIL: session holds a branch")};
        }
        if (it != branches_.end())
          return Outcome{std::nullopt, error(ErrorKind::kXaState, "XAER_DUPID")};
        branches_[*xid] = Branch{XaState::kActive, session};
        return Outcome{};
      case 1:  // END
        if (!attached_here(*xid))
          return Outcome{std::nullopt, error(ErrorKind::kUnknownXid, "XAER_NOTA")};
        if (it->second.state != XaState::kActive)
          return Outcome{std::nullopt, error(ErrorKind::kXaState, "XAER_RMFAIL")};
        it->second.state = XaState::kIdle;
        return Outcome{};
      case 2:  // PREPARE
        if (!attached_here(*xid))
          return Outcome{std::nullopt, error(ErrorKind::kUnknownXid, "XAER_NOTA")};
        if (it->second.state != XaState::kIdle)
          return Outcome{std::nullopt, error(ErrorKind::kXaState, "XAER_RMFAIL")};
        it->second.state = XaState::kPrepared;
        return Outcome{};
      case 3:    // COMMIT [ONE PHASE]
      case 4: {  // ROLLBACK
        const bool one_phase = statement.find(" ONE PHASE") != std::string::npos;
        if (it == branches_.end())
          return Outcome{std::nullopt, error(ErrorKind::kUnknownXid, "XAER_NOTA")};
        Branch& b = it->second;
        // A branch attached to another live session is unknown to this one (MariaDB).
        if (b.session != 0 && b.session != session)
          return Outcome{std::nullopt, error(ErrorKind::kUnknownXid, "XAER_NOTA")};
        if (v.kind == 3) {
          if (one_phase ? b.state != XaState::kIdle : b.state != XaState::kPrepared)
            return Outcome{std::nullopt, error(ErrorKind::kXaState, "XAER_RMFAIL")};
          committed_.insert(*xid);
        } else {
          if (b.state == XaState::kActive)
            return Outcome{std::nullopt, error(ErrorKind::kXaState, "XAER_RMFAIL")};
          rolled_back_.insert(*xid);
        }
        branches_.erase(it);
        return Outcome{};
      }
    }
  }
  return Outcome{std::nullopt, error(ErrorKind::kOther, "unknown XA statement " + statement)};
}

FakeServer::Outcome FakeServer::run_other(std::int64_t session, const std::string& statement) {
  if (starts_with(statement, "SELECT CONNECTION_ID()")) {
    db::Rows rows;
    rows.rows.push_back(db::Row{std::to_string(session)});
    return Outcome{rows, nullptr};
  }
  if (starts_with(statement, "KILL QUERY ") || starts_with(statement, "KILL CONNECTION ")) {
    const bool query = starts_with(statement, "KILL QUERY ");
    std::int64_t target = number_after(statement, query ? 11 : 16);
    if (!sessions_.contains(target))
      return Outcome{std::nullopt, std::make_exception_ptr(
                                       DbError(ErrorKind::kOther, 1094, "Unknown thread id"))};
    if (query) {
      if (hung_.contains(target)) {
        interrupted_.insert(target);
        wake(target);
      }
    } else {
      end_session(target);
    }
    return Outcome{};
  }
  if (starts_with(statement, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ")) {
    std::int64_t target = number_after(statement, 63);
    db::Rows rows;
    rows.rows.push_back(db::Row{sessions_.contains(target) ? "1" : "0"});
    return Outcome{rows, nullptr};
  }
  if (statement.find("FROM xacoord_sessions s JOIN") != std::string::npos) {
    // Registered sessions of a node from other runs (participants/server_session.h).
    auto quoted_after = [&](const std::string& key) {
      auto from = statement.find(key);
      if (from == std::string::npos) return std::string();
      from += key.size();
      return statement.substr(from, statement.find('\'', from) - from);
    };
    std::string node = quoted_after("s.node_id = '"), run = quoted_after("s.run <> '");
    db::Rows rows;
    for (const auto& [id, s] : sessions_) {
      if (id == session || !s.process || s.process->node_id != node || s.process->run == run)
        continue;
      rows.rows.push_back(db::Row{std::to_string(id), "fake:" + std::to_string(id), "100",
                                  s.running.empty() ? "Sleep" : "Query"});
    }
    return Outcome{rows, nullptr};
  }
  if (statement.find("information_schema.processlist") != std::string::npos &&
      statement.find("INSTR(info, '") != std::string::npos) {
    auto from = statement.find("INSTR(info, '") + 13;
    std::string marker = statement.substr(from, statement.find("')", from) - from);
    db::Rows rows;
    for (const auto& [id, s] : sessions_) {
      if (id != session && starts_with(s.running, marker))
        rows.rows.push_back(db::Row{std::to_string(id)});
    }
    return Outcome{rows, nullptr};
  }
  if (starts_with(statement, "SELECT")) {
    for (const auto& [prefix, rows] : answers_) {
      if (starts_with(statement, prefix)) return Outcome{rows, nullptr};
    }
    return Outcome{db::Rows{}, nullptr};
  }
  return Outcome{};
}

// ---------------------------------------------------------------------------------------

FakeSession::FakeSession(FakeServer& server, std::shared_ptr<FakeProcess> process,
                         std::string label)
    : server_(server), process_(std::move(process)), label_(std::move(label)) {}

FakeSession::~FakeSession() {
  if (session_ != 0 && !process_->dead) server_.disconnect(session_);
}

asio::awaitable<void> FakeSession::wait(std::function<void(std::function<void()>)> arm) {
  auto executor = co_await asio::this_coro::executor;
  co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
      [&arm, executor](auto handler) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        arm([shared, executor] { asio::post(executor, [shared] { std::move (*shared)(); }); });
      },
      asio::use_awaitable);
}

asio::awaitable<db::Results> FakeSession::batch(std::vector<std::string> statements) {
  // A round trip: the answer comes later, never inside this call.
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  auto park = [this](std::function<void()> resume) {
    process_->parked.push_back(std::move(resume));
  };
  if (process_->dead) co_await wait(park);
  if (session_ == 0 || !server_.connected(session_)) {
    session_ = server_.connect(process_);
    last_ = session_;
    if (session_ == 0) {
      throw DbError::opening_session_failed(
          DbError(ErrorKind::kConnectionLost, 2003, "Can't connect to " + server_.participant()));
    }
  }
  db::Results results;
  for (const std::string& statement : statements) {
    FakeServer::Outcome outcome = server_.run_statement(session_, statement);
    while (outcome.hang) {
      std::int64_t session = session_;
      co_await wait([this, session](std::function<void()> resume) {
        server_.wait_hung(session, std::move(resume));
      });
      if (process_->dead) co_await wait(park);
      outcome = server_.run_statement(session_, statement);
    }
    if (outcome.error) {
      // The client closes its side when the session is lost or timed out; the server may
      // keep its side (client_gone).
      if (!server_.connected(session_) || outcome.client_gone) session_ = 0;
      std::rethrow_exception(outcome.error);
    }
    results.push_back(std::move(outcome.rows));
  }
  co_return results;
}

void FakeSession::close() {
  if (session_ != 0) server_.disconnect(session_);
  session_ = 0;
}

}  // namespace xacoord::test
