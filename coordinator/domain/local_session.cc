#include "coordinator/domain/local_session.h"

namespace xacoord {

namespace asio = boost::asio;

asio::awaitable<db::Results> run_local(db::Pool& pool, SteadyTime deadline,
                                       std::vector<std::string> statements) {
  db::Lease lease = co_await pool.acquire(deadline);
  std::exception_ptr failure;
  db::Results results;
  try {
    results = co_await lease.session().batch(std::move(statements));
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    lease.discard_session();
    std::rethrow_exception(failure);
  }
  co_return results;
}

asio::awaitable<db::Results> run_local_transaction(db::Pool& pool, SteadyTime deadline,
                                                   std::vector<std::string> statements) {
  statements.insert(statements.begin(), "START TRANSACTION");
  statements.push_back("COMMIT");
  db::Results results = co_await run_local(pool, deadline, std::move(statements));
  results.erase(results.begin());
  results.pop_back();
  co_return results;
}

}  // namespace xacoord
