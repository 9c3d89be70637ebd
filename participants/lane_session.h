// The Session seam (participants/session.h) over Connector/C++: each session is a lane,
// one blocking Connection on a thread of its own (participants/lane.h). A batch is handed
// to the lane's thread and its result posted back to the awaiting coroutine.
#pragma once

#include <memory>
#include <string>

#include "participants/endpoint.h"
#include "participants/lane.h"
#include "participants/session.h"

namespace xacoord::db {

class LaneSession final : public Session {
 public:
  LaneSession(std::string label, Endpoint endpoint, Timeouts timeouts,
              std::optional<SessionOwner> owner = {});

  boost::asio::awaitable<Results> batch(std::vector<std::string> statements) override;
  void close() override;
  ServerSession server_session() const override { return lane_.identity(); }
  ServerSession last_server_session() const override { return lane_.last_identity(); }
  const std::string& label() const override { return lane_.participant(); }

 private:
  Lane lane_;
};

class LaneSessionFactory final : public SessionFactory {
 public:
  // With `owner`, every session registers itself on its server
  // (participants/server_session.h).
  LaneSessionFactory(std::string participant, Endpoint endpoint, Timeouts timeouts,
                     std::optional<SessionOwner> owner = {});

  const std::string& participant() const override { return participant_; }
  std::string address() const override { return endpoint_.address(); }
  const Timeouts& timeouts() const override { return timeouts_; }
  const Endpoint& endpoint() const { return endpoint_; }
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
