#include "participants/async_session.h"

#include <mysql.h>
#include <unistd.h>

#include <chrono>
#include <deque>
#include <mutex>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "common/check.h"
#include "participants/db_error.h"

namespace xacoord::db {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

// Results of one statement that asks for more (a statement text holding a ';' of its own)
// are read and dropped, up to this many, so the session stays in step with the server.
constexpr int kMaxExtraResults = 64;

DbError error_of(MYSQL* mysql, std::string_view what) {
  const int code = static_cast<int>(mysql_errno(mysql));
  return DbError(
      kind_of_error_code(code), code,
      std::string(what) + ": " + mysql_error(mysql) + " (error " + std::to_string(code) + ")");
}

struct FreeResult {
  void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};

}  // namespace

// Everything a session owns, shared with its coroutines and handlers so that a frame
// destroyed late (an io_context torn down with a batch suspended) touches live memory.
struct AsyncSession::State {
  std::string label;
  Endpoint endpoint;
  Timeouts timeouts;
  std::optional<SessionOwner> owner;

  MYSQL* mysql = nullptr;
  int raw_fd = -1;  // libmariadb's socket
  // A dup() of libmariadb's socket registered with the reactor: libmariadb may close its
  // own descriptor on a failure, and the reactor must never wait on a recycled number.
  std::optional<asio::posix::stream_descriptor> socket;
  asio::any_io_executor executor;

  // The deadline of the running round trip, watched by one timer that fires at most once
  // per timeout period (re-arming per batch would cost a timerfd update each time).
  std::optional<asio::steady_timer> watchdog;
  bool watchdog_armed = false;
  bool in_round = false;
  bool timed_out = false;
  SteadyClock::time_point deadline;

  // Batches take turns in the order they were started; a close() queued behind them runs
  // when its turn comes (a Turn without a timer).
  struct Turn {
    asio::steady_timer* timer = nullptr;
    bool* granted = nullptr;
  };
  bool busy = false;
  std::deque<Turn> turns;

  mutable std::mutex identity_mutex;  // the accessors may be called from any thread
  ServerSession identity;
  ServerSession last_identity;

  void disconnect() {
    if (socket) {
      boost::system::error_code ignored;
      socket->close(ignored);
      socket.reset();
    }
    if (mysql) {
      // Sends COM_QUIT on the non-blocking socket and closes it; the server rolls back an
      // unprepared branch and keeps a prepared one for recovery.
      mysql_close(mysql);
      mysql = nullptr;
    }
    raw_fd = -1;
    in_round = false;
    timed_out = false;
    std::lock_guard lock(identity_mutex);
    identity = ServerSession{};
  }
};

namespace {

using State = AsyncSession::State;

void arm_watchdog(const std::shared_ptr<State>& s) {
  if (s->watchdog_armed || !s->watchdog) return;
  s->watchdog_armed = true;
  s->watchdog->expires_at(s->deadline);
  s->watchdog->async_wait([weak = std::weak_ptr<State>(s)](boost::system::error_code ec) {
    auto s = weak.lock();
    if (!s) return;
    s->watchdog_armed = false;
    if (ec || !s->in_round) return;
    if (SteadyClock::now() >= s->deadline) {
      s->timed_out = true;
      if (s->socket) s->socket->cancel();  // the waiting round trip wakes and fails
      return;
    }
    arm_watchdog(s);
  });
}

void begin_round(const std::shared_ptr<State>& s, std::chrono::seconds limit) {
  s->in_round = true;
  s->timed_out = false;
  s->deadline = SteadyClock::now() + limit;
  arm_watchdog(s);
}

// Follows libmariadb's socket (a connect may open a new one per address it tries).
void track_socket(State& s) {
  const int fd = static_cast<int>(mysql_get_socket(s.mysql));
  if (fd == s.raw_fd && s.socket) return;
  if (s.socket) {
    boost::system::error_code ignored;
    s.socket->close(ignored);
    s.socket.reset();
  }
  s.raw_fd = fd;
  if (fd < 0) return;
  const int copy = ::dup(fd);
  if (copy < 0)
    throw DbError(ErrorKind::kConnectionLost, 0, s.label + ": dup() of its socket failed");
  s.socket.emplace(s.executor, copy);
}

// Waits until the socket is ready for what libmariadb asked (`status`), and returns what
// it is ready for, to pass to the *_cont call.
asio::awaitable<int> wait_ready(std::shared_ptr<State> s, int status) {
  if (!(status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE | MYSQL_WAIT_EXCEPT)))
    co_return MYSQL_WAIT_TIMEOUT;  // only a libmariadb timeout was asked for: none is set
  track_socket(*s);
  if (!s->socket)
    throw DbError(ErrorKind::kConnectionLost, 2006, s->label + ": the connection has no socket");
  int ready = MYSQL_WAIT_READ;
  auto what = asio::posix::stream_descriptor::wait_read;
  if (status & MYSQL_WAIT_WRITE) {
    ready = MYSQL_WAIT_WRITE;
    what = asio::posix::stream_descriptor::wait_write;
  } else if (!(status & MYSQL_WAIT_READ)) {
    ready = MYSQL_WAIT_EXCEPT;
    what = asio::posix::stream_descriptor::wait_error;
  }
  boost::system::error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  co_await s->socket->async_wait(what, token);
  if (s->timed_out) {
    throw DbError(ErrorKind::kTimeout, 0,
                  s->label + ": no answer from " + s->endpoint.address() + " within " +
                      std::to_string(s->timeouts.read.count()) + " s");
  }
  if (ec)
    throw DbError(ErrorKind::kConnectionLost, 0, s->label + ": waiting failed: " + ec.message());
  co_return ready;
}

asio::awaitable<std::optional<Rows>> read_result(std::shared_ptr<State> s, std::string_view what) {
  MYSQL* m = s->mysql;
  if (mysql_field_count(m) == 0) co_return std::nullopt;
  MYSQL_RES* raw = nullptr;
  int status = mysql_store_result_start(&raw, m);
  while (status) {
    int ready = co_await wait_ready(s, status);
    status = mysql_store_result_cont(&raw, m, ready);
  }
  if (!raw) throw error_of(m, what);
  std::unique_ptr<MYSQL_RES, FreeResult> result(raw);
  Rows rows;
  const unsigned columns = mysql_num_fields(raw);
  rows.rows.reserve(mysql_num_rows(raw));
  while (MYSQL_ROW values = mysql_fetch_row(raw)) {  // stored: never blocks
    const unsigned long* lengths = mysql_fetch_lengths(raw);
    Row row;
    row.reserve(columns);
    for (unsigned c = 0; c < columns; ++c) {
      if (values[c] == nullptr) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(values[c], lengths[c]));
      }
    }
    rows.rows.push_back(std::move(row));
  }
  co_return rows;
}

// The statements in one multi-statement round trip, on the open connection.
asio::awaitable<Results> run_statements(std::shared_ptr<State> s,
                                        const std::vector<std::string>& statements) {
  std::string joined;
  for (const auto& one : statements) {
    if (!joined.empty()) joined += ";\n";
    joined += one;
  }
  MYSQL* m = s->mysql;
  begin_round(s, s->timeouts.read);
  int err = 0;
  int status = mysql_real_query_start(&err, m, joined.data(), joined.size());
  while (status) {
    int ready = co_await wait_ready(s, status);
    status = mysql_real_query_cont(&err, m, ready);
  }
  if (err) throw error_of(m, joined);
  Results results;
  results.reserve(statements.size());
  for (std::size_t i = 0; i < statements.size(); ++i) {
    if (i > 0) {
      // A failure of statement i surfaces here; the statements after it did not run.
      int more = 0;
      status = mysql_next_result_start(&more, m);
      while (status) {
        int ready = co_await wait_ready(s, status);
        status = mysql_next_result_cont(&more, m, ready);
      }
      if (more > 0) throw error_of(m, statements[i]);
      if (more < 0)
        throw DbError(ErrorKind::kConnectionLost, 2014,
                      s->label + ": the server answered fewer results than statements");
    }
    auto result = co_await read_result(s, statements[i]);
    results.push_back(std::move(result));
  }
  for (int extra = 0; mysql_more_results(m); ++extra) {
    if (extra >= kMaxExtraResults)
      throw DbError(ErrorKind::kConnectionLost, 2014, s->label + ": too many results");
    int more = 0;
    status = mysql_next_result_start(&more, m);
    while (status) {
      int ready = co_await wait_ready(s, status);
      status = mysql_next_result_cont(&more, m, ready);
    }
    if (more > 0) throw error_of(m, joined);
    co_await read_result(s, joined);
  }
  s->in_round = false;
  co_return results;
}

asio::awaitable<void> open_connection(std::shared_ptr<State> s) {
  s->executor = co_await asio::this_coro::executor;
  if (!s->watchdog) s->watchdog.emplace(s->executor);
  s->mysql = mysql_init(nullptr);
  XA_CHECK(s->mysql != nullptr, "mysql_init failed: out of memory");
  mysql_options(s->mysql, MYSQL_OPT_NONBLOCK, nullptr);
  mysql_options(s->mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // Auto-reconnect stays off (libmariadb's default): a silent reconnect would throw away an
  // open XA branch and carry on.
  const Endpoint& e = s->endpoint;
  begin_round(s, s->timeouts.connect);
  MYSQL* connected = nullptr;
  int status = mysql_real_connect_start(&connected, s->mysql, e.host.c_str(), e.user.c_str(),
                                        e.password.empty() ? nullptr : e.password.c_str(),
                                        e.schema.empty() ? nullptr : e.schema.c_str(),
                                        static_cast<unsigned>(e.port), nullptr,
                                        CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS);
  while (status) {
    int ready = co_await wait_ready(s, status);
    status = mysql_real_connect_cont(&connected, s->mysql, ready);
  }
  if (!connected) throw error_of(s->mysql, "connect to " + e.address());
  track_socket(*s);
  // Its identity comes with its settings (one round trip), so a deadline can interrupt its
  // statement, and recovery end it, from another session.
  auto opening = opening_sql(s->timeouts, s->owner);
  Results opened = co_await run_statements(s, opening);
  ServerSession who = opened_session(opened, e.address());
  std::lock_guard lock(s->identity_mutex);
  s->identity = who;
  s->last_identity = who;
}

asio::awaitable<Results> run_batch(std::shared_ptr<State> s, std::vector<std::string> statements) {
  std::exception_ptr failure;
  bool opening = !s->mysql;
  Results results;
  try {
    if (opening) co_await open_connection(s);
    opening = false;
    results = co_await run_statements(s, statements);
  } catch (const DbError& e) {
    // A connection that is gone or in an unknown state is closed: the next batch reconnects.
    if (opening || e.connection_unusable()) s->disconnect();
    failure = opening ? std::make_exception_ptr(DbError::opening_session_failed(e))
                      : std::current_exception();
  } catch (...) {
    s->disconnect();  // UnsupportedServer, or a bug: nothing is left half open
    failure = std::current_exception();
  }
  s->in_round = false;
  if (failure) std::rethrow_exception(failure);
  co_return results;
}

// Waits for this batch's turn (batches run one at a time, in the order they started).
asio::awaitable<void> take_turn(std::shared_ptr<State> s) {
  if (!s->busy && s->turns.empty()) {
    s->busy = true;
    co_return;
  }
  auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, asio::steady_timer::time_point::max());
  bool granted = false;
  s->turns.push_back(State::Turn{&timer, &granted});
  boost::system::error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  co_await timer.async_wait(token);
  XA_CHECK(granted, "a session's batch woke before its turn");
}

void pass_turn(State& s) {
  while (!s.turns.empty()) {
    State::Turn next = s.turns.front();
    s.turns.pop_front();
    if (!next.timer) {  // a close() queued behind the batches started before it
      s.disconnect();
      continue;
    }
    *next.granted = true;
    next.timer->cancel();
    return;  // still busy: the next batch runs
  }
  s.busy = false;
}

}  // namespace

AsyncSession::AsyncSession(std::string label, Endpoint endpoint, Timeouts timeouts,
                           std::optional<SessionOwner> owner)
    : state_(std::make_shared<State>()) {
  state_->label = std::move(label);
  state_->endpoint = std::move(endpoint);
  state_->timeouts = timeouts;
  state_->owner = std::move(owner);
}

AsyncSession::~AsyncSession() {
  state_->disconnect();
}

asio::awaitable<Results> AsyncSession::batch(std::vector<std::string> statements) {
  auto s = state_;
  co_await take_turn(s);
  std::exception_ptr failure;
  Results results;
  try {
    results = co_await run_batch(s, std::move(statements));
  } catch (...) {
    failure = std::current_exception();
  }
  pass_turn(*s);
  if (failure) std::rethrow_exception(failure);
  co_return results;
}

void AsyncSession::close() {
  if (!state_->busy && state_->turns.empty()) {
    state_->disconnect();
    return;
  }
  state_->turns.push_back(State::Turn{});
}

ServerSession AsyncSession::server_session() const {
  std::lock_guard lock(state_->identity_mutex);
  return state_->identity;
}

ServerSession AsyncSession::last_server_session() const {
  std::lock_guard lock(state_->identity_mutex);
  return state_->last_identity;
}

const std::string& AsyncSession::label() const {
  return state_->label;
}

AsyncSessionFactory::AsyncSessionFactory(std::string participant, Endpoint endpoint,
                                         Timeouts timeouts, std::optional<SessionOwner> owner)
    : participant_(std::move(participant)),
      endpoint_(std::move(endpoint)),
      timeouts_(timeouts),
      owner_(std::move(owner)) {
  // Once per process, before the first session (libmariadb guards it with pthread_once).
  static const bool initialised = mysql_library_init(0, nullptr, nullptr) == 0;
  XA_CHECK(initialised, "libmariadb failed to initialise");
}

std::unique_ptr<Session> AsyncSessionFactory::make_session(const std::string& purpose,
                                                           const Timeouts& timeouts) {
  return std::make_unique<AsyncSession>(participant_ + "/" + purpose, endpoint_, timeouts, owner_);
}

}  // namespace xacoord::db
