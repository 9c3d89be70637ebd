#include "coordinator/architectures/tcc/branch_transaction.h"

namespace xacoord::tcc {

namespace asio = boost::asio;

asio::awaitable<BranchTransaction> BranchTransaction::begin(db::Pool& pool, SteadyTime deadline,
                                                            const std::string& gid,
                                                            sql::Branch branch, sql::Op op,
                                                            std::vector<std::string> reads) {
  BranchTransaction txn;
  txn.lease_ = co_await pool.acquire(deadline);
  txn.open_ = true;
  std::vector<std::string> barrier = sql::barrier_sql(gid, branch, op);
  const std::size_t barrier_size = barrier.size();
  std::vector<std::string> batch;
  batch.reserve(1 + barrier_size + reads.size());
  batch.emplace_back("START TRANSACTION");
  for (auto& s : barrier)
    batch.push_back(std::move(s));
  for (auto& r : reads)
    batch.push_back(std::move(r));
  db::Results results = co_await txn.send(std::move(batch));
  results.erase(results.begin());
  db::Results barrier_results(results.begin(),
                              results.begin() + static_cast<std::ptrdiff_t>(barrier_size));
  txn.verdict_ = sql::verdict_from(op, barrier_results);
  results.erase(results.begin(), results.begin() + static_cast<std::ptrdiff_t>(barrier_size));
  txn.reads_ = std::move(results);
  co_return txn;
}

BranchTransaction::~BranchTransaction() {
  if (open_ && lease_) lease_.discard_session();
}

asio::awaitable<db::Results> BranchTransaction::send(std::vector<std::string> statements) {
  std::exception_ptr failure;
  db::Results results;
  try {
    results = co_await lease_.session().batch(std::move(statements));
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    // Half a transaction must never reach the pool's next user: closing the session rolls
    // back what did not commit.
    lease_.discard_session();
    lease_.release();
    open_ = false;
    std::rethrow_exception(failure);
  }
  co_return results;
}

asio::awaitable<db::Results> BranchTransaction::commit(std::vector<std::string> writes) {
  writes.push_back("COMMIT");
  db::Results results = co_await send(std::move(writes));
  results.pop_back();
  open_ = false;
  lease_.release();
  co_return results;
}

asio::awaitable<db::Results> BranchTransaction::run(std::vector<std::string> statements) {
  co_return co_await send(std::move(statements));
}

asio::awaitable<void> BranchTransaction::rollback() {
  std::vector<std::string> rollback;
  rollback.push_back("ROLLBACK");
  co_await send(std::move(rollback));
  open_ = false;
  lease_.release();
}

}  // namespace xacoord::tcc
