#include "coordinator/architectures/tcc/branch_transaction.h"

namespace xacoord::tcc {

namespace asio = boost::asio;

asio::awaitable<BranchTransaction> BranchTransaction::begin(db::Pool& pool, SteadyTime deadline,
                                                            const std::string& gid,
                                                            sql::Branch branch, sql::Op op,
                                                            std::vector<std::string> reads) {
  // The barrier's statements first, then the step's reads, in the opening round trip.
  std::vector<std::string> opening = sql::barrier_sql(gid, branch, op);
  const auto barrier_size = static_cast<std::ptrdiff_t>(opening.size());
  for (auto& r : reads)
    opening.push_back(std::move(r));
  BranchTransaction txn(
      co_await LocalTransaction::begin(pool, deadline, /*marker=*/"", std::move(opening)));
  const db::Results& results = txn.local_.reads();
  txn.verdict_ =
      sql::verdict_from(op, db::Results(results.begin(), results.begin() + barrier_size));
  txn.reads_.assign(results.begin() + barrier_size, results.end());
  co_return txn;
}

}  // namespace xacoord::tcc
