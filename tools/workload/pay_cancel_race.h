// The workload of `xacoord chaos` (and of the comparisons and soaks to come): clients keep
// creating fresh orders and race a pay and a cancel on each, so that at every instant of a
// run there are transactions before prepare, prepared without a decision, and decided but
// not yet committed (docs/reliability.md, "The workload").
//
// Each client owns a few funded accounts and one poor one (its pays are refused after the
// payments branch fails, the abort path with a branch prepared), so row locks serialize
// little beyond the race itself. A round: create an order, send its pay and its cancel at
// the same instant (which one leads, and by how much, is drawn), sometimes the pay again
// with the same Idempotency-Key (inside the race or after it), sometimes a late pay with a
// new key once the order is final. Every choice of a round is drawn from the client's
// seeded generator before its first request, so a seed gives the same choices whatever the
// answers; only the number of rounds depends on the machine.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "tools/workload/definite_answer.h"
#include "tools/workload/history.h"

namespace xacoord::workload {

struct RaceOptions {
  int clients = 8;
  std::chrono::milliseconds duration{4000};  // new rounds start only within this
  std::chrono::milliseconds settle{30000};   // how long a started request may keep retrying
  std::uint64_t seed = 1;
  std::string prefix;  // of account ids and Idempotency-Keys: unique per run
  int funded_accounts_per_client = 3;
  std::int64_t funded_balance_cents = 1'000'000'000;  // ~3 million pays of at most 500
  std::int64_t poor_balance_cents = 300;              // below most orders' amounts
  std::int64_t min_amount_cents = 100;
  std::int64_t max_amount_cents = 500;
  double poor_share = 0.1;       // orders of the poor account
  double repeat_share = 0.15;    // rounds that send the pay twice with one key
  double late_pay_share = 0.15;  // rounds that end with a pay on the final order
};

struct RaceResult {
  std::vector<Op> ops;  // every pay and cancel, answered or not
  std::size_t orders_created = 0;
  std::size_t rounds = 0;
  std::vector<std::string> errors;  // requests the coordinator refused that it must not
};

class PayCancelRace {
 public:
  // `connect` opens a client of the coordinator (one per connection the workload keeps).
  PayCancelRace(RaceOptions options, std::function<HttpClient()> connect);

  // Opens every client's accounts; call before the clock of the run starts. Throws
  // std::runtime_error if the coordinator refuses.
  void open_accounts();
  // Runs every client to the end of the duration and lets started requests finish.
  RaceResult run(Clock::time_point began);

  const RaceOptions& options() const { return options_; }
  std::size_t answered() const { return counts_.answered.load(); }
  // Pays and cancels sent and not yet answered, right now.
  std::size_t in_transit() const { return counts_.in_transit.load(); }

 private:
  struct RoundPlan;
  struct ClientLog;
  std::string account_id(int client, int account) const;
  RoundPlan draw_round(std::mt19937_64& rng) const;
  void client(int index, Clock::time_point began, ClientLog& log);
  void send(HttpClient& http, Op& op, Clock::time_point began, Clock::time_point give_up);

  RaceOptions options_;
  std::function<HttpClient()> connect_;
  LiveCounts counts_;
};

}  // namespace xacoord::workload
