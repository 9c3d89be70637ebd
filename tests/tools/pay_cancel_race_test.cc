// The workload of chaos against a real coordinator: a pay and a cancel race on every fresh
// order, repeats and late pays get the answers they must, the protocol's phases are busy
// while it runs, and a seed fixes its choices.
#include "tools/workload/pay_cancel_race.h"

#include <atomic>
#include <map>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/coordinator_process.h"
#include "tests/support/db_pair.h"
#include "tests/support/test_env.h"
#include "tools/chaos/in_flight.h"

namespace xacoord::test {
namespace {

using workload::Op;
using workload::Purpose;

struct Round {
  std::vector<const Op*> ops;
  const Op* race_pay = nullptr;
  const Op* race_cancel = nullptr;
};

// "c<client>-<round>" from a key "<prefix>c<client>-<round>-<what>".
std::string round_of(const Op& op, const std::string& prefix) {
  std::string rest = op.key.substr(prefix.size());
  return rest.substr(0, rest.rfind('-'));
}

std::map<std::string, Round> rounds_of(const workload::RaceResult& result,
                                       const std::string& prefix) {
  std::map<std::string, Round> rounds;
  for (const auto& op : result.ops) {
    Round& r = rounds[round_of(op, prefix)];
    r.ops.push_back(&op);
    if (op.purpose == Purpose::kRace) (op.pay ? r.race_pay : r.race_cancel) = &op;
  }
  return rounds;
}

// What a seed decides about a round: which requests, with which keys, for what order.
std::string choices(const Round& round, const std::string& prefix, HttpClient& http) {
  std::string out;
  for (const Op* op : round.ops)
    out += std::to_string(static_cast<int>(op->purpose)) + op->key.substr(prefix.size()) + " ";
  auto order = http.get("/v1/orders/" + std::to_string(round.ops.front()->order_id)).json();
  return out + order["account_id"].get<std::string>().substr(prefix.size()) + " " +
         std::to_string(order["amount_cents"].get<std::int64_t>());
}

class PayCancelRaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto pair = DbPair::shared();
    if (!pair) GTEST_SKIP() << "needs the MariaDB pair of `make test`";
    coordinator_ = CoordinatorProcess::start(CoordinatorOptions::for_pair(*pair));
    ASSERT_TRUE(coordinator_->wait_ready()) << coordinator_->log_text();
  }

  workload::RaceResult run(std::uint64_t seed, const std::string& prefix,
                           chaos::PhaseSamples* phases = nullptr) {
    workload::RaceOptions o;
    o.clients = 4;
    o.duration = std::chrono::milliseconds(1500);
    o.seed = seed;
    o.prefix = prefix;
    workload::PayCancelRace race(o,
                                 [this] { return coordinator_->client(std::chrono::seconds(10)); });
    race.open_accounts();
    std::atomic<bool> done{false};
    std::thread sampler([&] {
      auto http = coordinator_->client(std::chrono::seconds(5));
      while (!done) {
        auto sample = chaos::in_flight_from_metrics(http.get("/metrics").body);
        if (phases && sample) phases->add(*sample);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
    auto result = race.run(workload::Clock::now());
    done = true;
    sampler.join();
    return result;
  }

  std::unique_ptr<CoordinatorProcess> coordinator_;
};

TEST_F(PayCancelRaceTest, RacesEveryFreshOrderAndAnswersRepeatsAndLatePaysAsPromised) {
  const std::string prefix = unique_name("wl") + "-";
  chaos::PhaseSamples phases;
  auto result = run(11, prefix, &phases);
  EXPECT_TRUE(result.errors.empty()) << result.errors.front();
  auto rounds = rounds_of(result, prefix);
  ASSERT_GT(rounds.size(), 40u) << "four clients for 1.5 s";
  int pay_won = 0, cancel_won = 0, refused_funds = 0, repeats = 0, late = 0;
  for (const auto& [name, round] : rounds) {
    ASSERT_TRUE(round.race_pay && round.race_cancel) << name << " lacks a racer";
    ASSERT_EQ(round.race_cancel->status, 200) << name << ": a cancel always ends the order";
    const Op& pay = *round.race_pay;
    if (pay.status == 200) {
      ++pay_won;
      EXPECT_TRUE(round.race_cancel->refunded) << name << ": paid first, so refunded";
    } else {
      EXPECT_TRUE(pay.status == 409 || pay.status == 422) << name << ": " << pay.status;
      EXPECT_FALSE(round.race_cancel->refunded) << name;
      pay.status == 409 ? ++cancel_won : ++refused_funds;
    }
    for (const Op* op : round.ops) {
      EXPECT_EQ(op->order_id, pay.order_id) << name << ": one order per round";
      if (op->purpose == Purpose::kRepeat) {
        ++repeats;
        EXPECT_EQ(op->key, pay.key);
        // The same key: a payment's answer again. A refusal is not stored (it changed
        // nothing), so the repeat is tried afresh and refused again, maybe otherwise: 422
        // while the order was pending, 409 once it was cancelled.
        if (pay.status == 200 || op->status == 200) {
          EXPECT_EQ(op->status, pay.status) << name;
          EXPECT_EQ(op->txn_id, pay.txn_id) << name;
        } else {
          EXPECT_TRUE(op->status == 409 || op->status == 422) << name << ": " << op->status;
        }
      }
      if (op->purpose == Purpose::kLatePay) {
        ++late;
        EXPECT_EQ(op->status, 409) << name << ": a pay of a cancelled order";
      }
    }
  }
  std::printf("%zu rounds: pay won %d, cancel won %d, funds refused %d; %d repeats, %d late pays\n",
              rounds.size(), pay_won, cancel_won, refused_funds, repeats, late);
  EXPECT_GT(pay_won, 0);
  EXPECT_GT(cancel_won, 0);
  EXPECT_GT(refused_funds, 0) << "the poor accounts' pays take the abort path";
  EXPECT_GT(repeats, 0);
  EXPECT_GT(late, 0);
  EXPECT_EQ(result.orders_created, rounds.size() + 4) << "one order made ahead per client";
  // The phases of two-phase commit were busy while it ran.
  std::printf("phase samples: %zu, prepared undecided in %zu, decided uncommitted in %zu\n",
              phases.samples, phases.with_prepared_undecided, phases.with_decided_uncommitted);
  ASSERT_GT(phases.samples, 50u);
  EXPECT_GT(phases.with_prepared_undecided, phases.samples / 5);
  EXPECT_GT(phases.with_decided_uncommitted, phases.samples / 5);
}

TEST_F(PayCancelRaceTest, TheSeedFixesEveryChoice) {
  const std::string a = unique_name("wa") + "-", b = unique_name("wb") + "-",
                    c = unique_name("wc") + "-";
  // The rounds point into the results: both live to the end.
  auto ra = run(21, a), rb = run(21, b), rc = run(22, c);
  auto first = rounds_of(ra, a), again = rounds_of(rb, b), other = rounds_of(rc, c);
  auto http = coordinator_->client();
  int compared = 0, differing = 0;
  for (const auto& [name, round] : first) {
    if (!again.contains(name) || compared >= 60) continue;
    EXPECT_EQ(choices(round, a, http), choices(again.at(name), b, http)) << name;
    ++compared;
    if (other.contains(name) && choices(round, a, http) != choices(other.at(name), c, http))
      ++differing;
  }
  EXPECT_GT(compared, 30);
  EXPECT_GT(differing, compared / 2) << "another seed, other choices";
}

}  // namespace
}  // namespace xacoord::test
