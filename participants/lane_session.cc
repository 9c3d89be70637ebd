#include "participants/lane_session.h"

#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "participants/db_error.h"

namespace xacoord::db {

namespace asio = boost::asio;

LaneSession::LaneSession(std::string label, Endpoint endpoint, Timeouts timeouts,
                         std::optional<SessionOwner> owner)
    : lane_(std::move(label), std::move(endpoint), timeouts, 0, std::move(owner)) {}

asio::awaitable<Results> LaneSession::batch(std::vector<std::string> statements) {
  auto executor = co_await asio::this_coro::executor;
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                          void(std::exception_ptr, Results)>(
      [this, executor](auto handler, std::vector<std::string> statements) {
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        lane_.post([this, executor, shared, statements = std::move(statements)] {
          Results results;
          std::exception_ptr error;
          try {
            results = lane_.connection().batch(statements);
          } catch (const DbError& e) {
            // The session is gone or in an unknown state: the next batch reconnects.
            if (e.connection_unusable()) lane_.drop_connection();
            error = std::current_exception();
          } catch (...) {
            error = std::current_exception();
          }
          asio::post(executor, [shared, error, results = std::move(results)]() mutable {
            std::move (*shared)(error, std::move(results));
          });
        });
      },
      asio::use_awaitable, std::move(statements));
}

void LaneSession::close() {
  lane_.post([this] { lane_.drop_connection(); });
}

LaneSessionFactory::LaneSessionFactory(std::string participant, Endpoint endpoint,
                                       Timeouts timeouts, std::optional<SessionOwner> owner)
    : participant_(std::move(participant)),
      endpoint_(std::move(endpoint)),
      timeouts_(timeouts),
      owner_(std::move(owner)) {}

std::unique_ptr<Session> LaneSessionFactory::make_session(const std::string& purpose,
                                                          const Timeouts& timeouts) {
  return std::make_unique<LaneSession>(participant_ + "/" + purpose, endpoint_, timeouts, owner_);
}

}  // namespace xacoord::db
