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
  LaneSession(std::string label, Endpoint endpoint, Timeouts timeouts);

  boost::asio::awaitable<Results> batch(std::vector<std::string> statements) override;
  void close() override;
  std::int64_t server_session_id() const override { return lane_.session_id(); }
  const std::string& label() const override { return lane_.participant(); }

 private:
  Lane lane_;
};

class LaneSessionFactory final : public SessionFactory {
 public:
  LaneSessionFactory(std::string participant, Endpoint endpoint, Timeouts timeouts);

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
};

}  // namespace xacoord::db
