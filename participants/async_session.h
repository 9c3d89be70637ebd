// The Session seam (participants/session.h) over libmariadb's non-blocking API, driven by
// Asio on the io_context of whoever awaits it: no thread of its own, no hand-off per round
// trip. libmariadb (the library Connector/C++ itself sits on) does the protocol; when it
// would block it says on what (MYSQL_WAIT_READ/WRITE), and the session waits for that on
// its socket with the io_context's reactor, then lets libmariadb continue.
//
// Same rules as every session (participants/session.h): it connects at its first batch
// and runs opening_sql (the server's version check, its identity, its registration), a
// batch's statements go in one multi-statement round trip, batches run one at a time in
// the order they were started, every failure is a DbError. A batch that runs past the read
// timeout ends the connection (kTimeout), as a socket read timeout would. docs/performance.md
// says why this is the transaction path of `serve`.
//
// The read timeout is watched by one timer per session that fires at most once per timeout
// period; after a session's last batch it stays pending until it fires, so an io_context
// that is left to run out of work (tests) ends up to one timeout later. `serve` stops its
// io_context explicitly.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "participants/endpoint.h"
#include "participants/session.h"

namespace xacoord::db {

class AsyncSession final : public Session {
 public:
  AsyncSession(std::string label, Endpoint endpoint, Timeouts timeouts,
               std::optional<SessionOwner> owner = {});
  ~AsyncSession() override;

  boost::asio::awaitable<Results> batch(std::vector<std::string> statements) override;
  void close() override;
  ServerSession server_session() const override;
  ServerSession last_server_session() const override;
  const std::string& label() const override;

  struct State;  // shared with the coroutines and handlers that use it (async_session.cc)

 private:
  std::shared_ptr<State> state_;
};

class AsyncSessionFactory final : public SessionFactory {
 public:
  // With `owner`, every session registers itself on its server
  // (participants/server_session.h).
  AsyncSessionFactory(std::string participant, Endpoint endpoint, Timeouts timeouts,
                      std::optional<SessionOwner> owner = {});

  const std::string& participant() const override { return participant_; }
  std::string address() const override { return endpoint_.address(); }
  const Timeouts& timeouts() const override { return timeouts_; }
  using SessionFactory::make_session;
  std::unique_ptr<Session> make_session(const std::string& purpose,
                                        const Timeouts& timeouts) override;

 private:
  const std::string participant_;
  const Endpoint endpoint_;
  const Timeouts timeouts_;
  const std::optional<SessionOwner> owner_;
};

}  // namespace xacoord::db
