#include "tools/chaos/workload.h"

#include <random>
#include <thread>

namespace xacoord::chaos {

using Clock = std::chrono::steady_clock;

Workload::Workload(WorkloadOptions options, std::vector<std::int64_t> orders,
                   std::function<HttpClient()> connect)
    : options_(std::move(options)), orders_(std::move(orders)), connect_(std::move(connect)) {}

std::vector<Op> Workload::run(Clock::time_point began) {
  std::vector<std::vector<Op>> per_client(static_cast<std::size_t>(options_.clients));
  std::vector<std::thread> threads;
  for (int i = 0; i < options_.clients; ++i) {
    threads.emplace_back([this, i, began, &per_client] {
      client(i, began, per_client[static_cast<std::size_t>(i)]);
    });
  }
  for (auto& t : threads)
    t.join();
  std::vector<Op> all;
  for (auto& ops : per_client)
    all.insert(all.end(), ops.begin(), ops.end());
  return all;
}

void Workload::client(int index, Clock::time_point began, std::vector<Op>& out) {
  std::mt19937_64 rng(options_.seed * 1000 + static_cast<std::uint64_t>(index));
  std::uniform_int_distribution<std::size_t> pick(0, orders_.size() - 1);
  std::bernoulli_distribution is_pay(options_.pay_share);
  auto seconds_since = [began](Clock::time_point t) {
    return std::chrono::duration<double>(t - began).count();
  };
  HttpClient http = connect_();
  const auto stop_new = began + options_.duration;
  const auto give_up = stop_new + options_.settle;
  for (int n = 0; Clock::now() < stop_new; ++n) {
    Op op;
    op.order_id = orders_[pick(rng)];
    op.pay = is_pay(rng);
    op.key = options_.key_prefix + "c" + std::to_string(index) + "-" + std::to_string(n);
    op.sent_at = seconds_since(Clock::now());
    const std::string path =
        "/v1/orders/" + std::to_string(op.order_id) + (op.pay ? "/pay" : "/cancel");
    auto backoff = std::chrono::milliseconds(50);
    while (Clock::now() < give_up) {
      ++op.attempts;
      int status = 0;
      std::string body;
      try {
        HttpHeaders headers{{"Idempotency-Key", op.key}};
        auto reply = http.request("POST", path, "", headers);
        status = reply.status;
        body = std::move(reply.body);
      } catch (const std::exception&) {
        http = connect_();  // the coordinator may be restarting
      }
      // Only "try again" answers are retried: 503, 408, 429, or no answer at all. Anything
      // else is the definite outcome, a 500 included (a bug or a broken invariant, which
      // retrying would only hide).
      bool retry = status == 0 || status == 503 || status == 408 || status == 429;
      if (!retry) {
        op.status = status;
        op.answered_at = seconds_since(Clock::now());
        if (status == 200) {
          auto j = nlohmann::json::parse(body, nullptr, false);
          if (!j.is_discarded()) {
            op.txn_id = j.value("txn_id", "");
            op.refunded = j.value("refunded", false);
          }
        }
        answered_++;
        break;
      }
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(500));
    }
    out.push_back(std::move(op));
  }
}

}  // namespace xacoord::chaos
