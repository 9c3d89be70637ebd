#include "coordinator/recovery/resolver.h"

namespace xacoord {

RecoveryContext Resolver::make_context(boost::asio::any_io_executor executor,
                                       const std::vector<db::Pool*>& participants,
                                       TransactionTable& table, DecisionStore& store,
                                       CoordinatorMetrics& metrics, Clock& clock,
                                       RecoveryOptions options) {
  RecoveryContext context{std::move(executor), {}, table, store, metrics, clock,
                          std::move(options)};
  for (db::Pool* pool : participants) {
    RecoveryParticipant& p = context.participants[pool->participant()];
    p.name = pool->participant();
    p.pool = pool;
    p.session = pool->factory().make_session("recovery");
  }
  return context;
}

Resolver::Resolver(boost::asio::any_io_executor executor,
                   const std::vector<db::Pool*>& participants, TransactionTable& table,
                   DecisionStore& store, CoordinatorMetrics& metrics, Clock& clock,
                   RecoveryOptions options)
    : context_(make_context(std::move(executor), participants, table, store, metrics, clock,
                            std::move(options))),
      retry_(context_),
      startup_(context_, retry_),
      orphans_(context_, retry_),
      forced_(context_, retry_) {}

void Resolver::stop() {
  startup_.stop();
  retry_.stop();
}

}  // namespace xacoord
