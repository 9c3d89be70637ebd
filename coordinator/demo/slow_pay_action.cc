// The slow pay (card 1): a pay on a fresh demo order whose engine waits step_ms at each
// protocol step (Demo::at_step), so the branches can be watched going from their
// statements to PREPARED to COMMITTED; the transaction is readable meanwhile at
// GET /v1/transactions/{txn_id} (its id is in every branch_state event).
#include "coordinator/demo/demo.h"
#include "coordinator/demo/demo_actions.h"
#include "protocol/problem.h"

namespace xacoord::demo {

namespace asio = boost::asio;
using nlohmann::json;

Action slow_pay_action(const json& body) {
  std::int64_t step_ms = 1200;
  if (body.contains("step_ms")) {
    // At most 2 s a step: four waits must stay well inside the transaction's deadline
    // (serve --deadline, 10 s by default), or the pay would abort on its own.
    if (!body["step_ms"].is_number_integer() || body["step_ms"].get<std::int64_t>() < 100 ||
        body["step_ms"].get<std::int64_t>() > 2000) {
      throw ProblemError(problems::bad_request("step_ms must be an integer from 100 to 2000"));
    }
    step_ms = body["step_ms"].get<std::int64_t>();
  }
  return [step_ms](Demo& demo, DemoRun& run) -> asio::awaitable<json> {
    if (demo.context().architecture != "xa") {
      throw std::runtime_error("the slow pay shows XA branches: this coordinator runs " +
                               demo.context().architecture);
    }
    Shop& shop = demo.local();
    std::string account = demo.name(run, "slow");
    ShopAnswer a = co_await shop.create_account(account, 10'000);
    if (a.status != 201) throw std::runtime_error("creating the demo account: " + a.body.dump());
    ShopAnswer o = co_await shop.create_order(account, 1299);
    if (o.status != 201) throw std::runtime_error("creating the demo order: " + o.body.dump());
    const std::int64_t order_id = o.body["order_id"].get<std::int64_t>();
    run.event("order", true,
              "order " + std::to_string(order_id) + " of 12.99 on account " + account +
                  "; paying it with " + std::to_string(step_ms) + " ms at each step",
              "订单 " + std::to_string(order_id) + "（12.99，账户 " + account +
                  "）；支付时每一步停 " + std::to_string(step_ms) + " 毫秒",
              json{{"order_id", order_id}, {"account_id", account}});
    demo.slow_pay = Demo::SlowPay{order_id, std::chrono::milliseconds(step_ms), &run};
    ShopAnswer paid = co_await shop.pay(order_id, std::nullopt);
    demo.slow_pay.reset();
    if (paid.status != 200) throw std::runtime_error("the pay answered " + paid.body.dump());
    const std::string txn_id = paid.body["txn_id"].get<std::string>();
    auto txn = demo.context().transactions.find(txn_id);
    json branches = json::array();
    std::string state = "UNKNOWN";
    if (txn) {
      state = std::string(name_of(txn->state()));
      for (const auto& b : txn->branches()) {
        branches.push_back({{"participant", b.participant},
                            {"xid", b.xid.to_string()},
                            {"state", std::string(name_of(b.state))}});
      }
    }
    run.event("answered", true, "the pay answered 200: transaction " + txn_id + " " + state,
              "支付返回 200：事务 " + txn_id + " " + state,
              json{{"txn_id", txn_id}, {"branches", branches}});
    co_return json{
        {"txn_id", txn_id}, {"order_id", order_id}, {"state", state}, {"branches", branches}};
  };
}

}  // namespace xacoord::demo
