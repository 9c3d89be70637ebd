#include "tools/workload/pay_cancel_race.h"

#include <future>
#include <latch>
#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "tools/workload/shop_setup.h"

namespace xacoord::workload {

struct PayCancelRace::RoundPlan {
  int account = 0;  // the client's account; the last one is the poor one
  std::int64_t amount_cents = 0;
  bool cancel_leads = false;
  std::chrono::microseconds head_start{0};  // how long the other racers wait after the leader
  bool repeat = false;
  bool repeat_in_race = false;  // the repeat races too (the same key twice at once)
  bool late_pay = false;
};

struct PayCancelRace::ClientLog {
  std::vector<Op> ops;
  std::size_t orders_created = 0;
  std::size_t rounds = 0;
  std::vector<std::string> errors;
};

PayCancelRace::PayCancelRace(RaceOptions options, std::function<HttpClient()> connect)
    : options_(std::move(options)), connect_(std::move(connect)) {
  if (options_.clients < 1 || options_.funded_accounts_per_client < 1 ||
      options_.min_amount_cents < 1 || options_.max_amount_cents < options_.min_amount_cents) {
    throw std::invalid_argument("pay-cancel race: clients, accounts and amounts must be positive");
  }
}

std::string PayCancelRace::account_id(int client, int account) const {
  return options_.prefix + "c" + std::to_string(client) + "-a" + std::to_string(account);
}

void PayCancelRace::open_accounts() {
  HttpClient http = connect_();
  const auto give_up = Clock::now() + options_.settle;
  for (int c = 0; c < options_.clients; ++c) {
    for (int a = 0; a <= options_.funded_accounts_per_client; ++a) {
      bool poor = a == options_.funded_accounts_per_client;
      open_account(http, account_id(c, a),
                   poor ? options_.poor_balance_cents : options_.funded_balance_cents, give_up);
    }
  }
}

PayCancelRace::RoundPlan PayCancelRace::draw_round(std::mt19937_64& rng) const {
  auto chance = [&rng](double p) { return std::bernoulli_distribution(p)(rng); };
  RoundPlan plan;
  plan.account = chance(options_.poor_share) ? options_.funded_accounts_per_client
                                             : std::uniform_int_distribution<int>(
                                                   0, options_.funded_accounts_per_client - 1)(rng);
  plan.amount_cents = std::uniform_int_distribution<std::int64_t>(options_.min_amount_cents,
                                                                  options_.max_amount_cents)(rng);
  plan.cancel_leads = chance(0.5);
  // Up to about one commit's time: either racer may win the order's row lock.
  plan.head_start = std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng));
  plan.repeat = chance(options_.repeat_share);
  plan.repeat_in_race = chance(0.5);
  plan.late_pay = chance(options_.late_pay_share);
  return plan;
}

RaceResult PayCancelRace::run(Clock::time_point began) {
  std::vector<ClientLog> logs(static_cast<std::size_t>(options_.clients));
  std::vector<std::thread> threads;
  for (int i = 0; i < options_.clients; ++i) {
    threads.emplace_back(
        [this, i, began, &logs] { client(i, began, logs[static_cast<std::size_t>(i)]); });
  }
  for (auto& t : threads)
    t.join();
  RaceResult result;
  for (auto& log : logs) {
    result.ops.insert(result.ops.end(), log.ops.begin(), log.ops.end());
    result.orders_created += log.orders_created;
    result.rounds += log.rounds;
    result.errors.insert(result.errors.end(), log.errors.begin(), log.errors.end());
  }
  return result;
}

void PayCancelRace::client(int index, Clock::time_point began, ClientLog& log) {
  std::mt19937_64 rng(options_.seed * 1000 + static_cast<std::uint64_t>(index));
  // One connection per request of a round in flight at once, and one for the orders.
  std::vector<HttpClient> lanes;
  for (int i = 0; i < 4; ++i)
    lanes.push_back(connect_());
  HttpClient& orders_lane = lanes[3];
  const auto stop_new = began + options_.duration;
  const auto give_up = stop_new + options_.settle;
  // The next round's order is created while this round races: a client that paused its
  // transactions for every new order would leave gaps with nothing in flight, and the
  // clients fall into step (they wait on the same group commit), so the gaps line up.
  auto create_for = [&](const RoundPlan& plan) {
    return std::async(std::launch::async, [&, plan] {
      return create_order(orders_lane, account_id(index, plan.account), plan.amount_cents, give_up);
    });
  };
  RoundPlan plan = draw_round(rng);
  auto next_order = create_for(plan);
  for (int n = 0; Clock::now() < stop_new; ++n) {
    std::int64_t order_id = 0;
    try {
      order_id = next_order.get();
    } catch (const std::exception& e) {
      log.errors.push_back(e.what());
      return;  // a refused order is a bug to report, not a reason to carry on
    }
    ++log.orders_created;
    ++log.rounds;
    const RoundPlan round = plan;
    plan = draw_round(rng);
    next_order = create_for(plan);
    const std::string key = options_.prefix + "c" + std::to_string(index) + "-" + std::to_string(n);
    auto op = [order_id](bool pay, Purpose purpose, std::string k) {
      Op o;
      o.order_id = order_id;
      o.pay = pay;
      o.purpose = purpose;
      o.key = std::move(k);
      return o;
    };
    std::vector<Op> racers{op(true, Purpose::kRace, key + "-pay"),
                           op(false, Purpose::kRace, key + "-cancel")};
    if (round.repeat && round.repeat_in_race)
      racers.push_back(op(true, Purpose::kRepeat, key + "-pay"));

    std::latch start(static_cast<std::ptrdiff_t>(racers.size()));
    auto race = [&](std::size_t k) {
      start.arrive_and_wait();
      bool leads = (k == 1) == round.cancel_leads;
      if (!leads) std::this_thread::sleep_for(round.head_start);
      send(lanes[k], racers[k], began, give_up);
    };
    std::vector<std::thread> others;
    for (std::size_t k = 1; k < racers.size(); ++k)
      others.emplace_back(race, k);
    race(0);
    for (auto& t : others)
      t.join();

    if (round.repeat && !round.repeat_in_race) {
      racers.push_back(op(true, Purpose::kRepeat, key + "-pay"));
      send(lanes[0], racers.back(), began, give_up);
    }
    if (round.late_pay) {
      racers.push_back(op(true, Purpose::kLatePay, key + "-late"));
      send(lanes[0], racers.back(), began, give_up);
    }
    for (auto& o : racers)
      log.ops.push_back(std::move(o));
  }
  // The order made for a round that did not start stays PENDING, as orders may.
  try {
    next_order.get();
    ++log.orders_created;
  } catch (const std::exception& e) {
    log.errors.push_back(e.what());
  }
}

void PayCancelRace::send(HttpClient& http, Op& op, Clock::time_point began,
                         Clock::time_point give_up) {
  auto seconds_since_began = [began] {
    return std::chrono::duration<double>(Clock::now() - began).count();
  };
  op.sent_at = seconds_since_began();
  DefiniteRequest request{
      "POST",
      "/v1/orders/" + std::to_string(op.order_id) + (op.pay ? "/pay" : "/cancel"),
      "",
      {{"Idempotency-Key", op.key}}};
  auto answer = send_until_definite(http, request, give_up, &counts_);
  op.attempts = answer.attempts;
  op.status = answer.reply.status;
  if (op.status == 0) return;
  op.answered_at = seconds_since_began();
  // 202: the outbox architecture accepted the pay (docs/architectures/outbox.md).
  if (op.status == 200 || op.status == 202) {
    auto body = answer.reply.json();
    if (body.is_object()) {
      op.txn_id = body.value("txn_id", "");
      op.refunded = body.value("refunded", false);
    }
  }
}

}  // namespace xacoord::workload
