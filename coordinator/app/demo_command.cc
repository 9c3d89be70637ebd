// `xacoord demo`: the famous race, live. Funds an account, creates orders, and for each
// order sends a pay and a cancel at the same instant; then shows how each pair ended and
// checks that the money adds up.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "coordinator/app/commands.h"
#include "common/flags.h"
#include "coordinator/client/http_client.h"

namespace xacoord {

int demo_command(int argc, char** argv) {
  std::string server = "http://127.0.0.1:8080";
  std::int64_t pairs = 8;
  Flags flags("xacoord demo [--server URL] [--pairs N]");
  flags.add("server", "the coordinator's address", &server);
  flags.add("pairs", "pay/cancel pairs to race", &pairs, 1, 1000);
  try {
    flags.parse(argc, argv, 2);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  try {
    auto [host, port] = parse_server_address(server);
    HttpClient client(host, port);
    const std::string account =
        "demo-" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
    const std::int64_t funding = 100'000, price = 1'299;
    auto created =
        client.post_json("/v1/accounts", {{"account_id", account}, {"balance_cents", funding}});
    if (created.status != 201) throw std::runtime_error("create account: " + created.body);
    std::printf("account %s funded with %lld cents\n\n", account.c_str(),
                static_cast<long long>(funding));

    struct Pair {
      std::int64_t order_id = 0;
      int pay_status = 0, cancel_status = 0;
      bool refunded = false;
      std::string final_status;
    };
    std::vector<Pair> results(static_cast<std::size_t>(pairs));
    for (auto& p : results) {
      auto order =
          client.post_json("/v1/orders", {{"account_id", account}, {"amount_cents", price}});
      if (order.status != 201) throw std::runtime_error("create order: " + order.body);
      p.order_id = order.json()["order_id"].get<std::int64_t>();
    }
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (auto& p : results) {
      for (bool pay : {true, false}) {
        threads.emplace_back([&, pay, h = host, pt = port] {
          HttpClient c(h, pt);
          while (!go.load())
            std::this_thread::yield();
          auto path = "/v1/orders/" + std::to_string(p.order_id) + (pay ? "/pay" : "/cancel");
          auto reply = c.request("POST", path);
          if (pay) {
            p.pay_status = reply.status;
          } else {
            p.cancel_status = reply.status;
            p.refunded = reply.status == 200 && reply.json().value("refunded", false);
          }
        });
      }
    }
    go = true;
    for (auto& t : threads)
      t.join();

    std::printf("%-10s %-6s %-8s %-10s %s\n", "order", "pay", "cancel", "final", "what happened");
    int pay_first = 0, cancel_first = 0;
    for (auto& p : results) {
      p.final_status =
          client.get("/v1/orders/" + std::to_string(p.order_id)).json().value("status", "?");
      const char* story = "?";
      if (p.pay_status == 200 && p.cancel_status == 200 && p.refunded) {
        story = "paid, then cancelled with a refund";
        ++pay_first;
      } else if (p.pay_status == 409 && p.cancel_status == 200 && !p.refunded) {
        story = "cancelled first; the payment was refused (409), nothing charged";
        ++cancel_first;
      } else {
        story = "unexpected (see the statuses)";
      }
      std::printf("%-10lld %-6d %-8d %-10s %s\n", static_cast<long long>(p.order_id), p.pay_status,
                  p.cancel_status, p.final_status.c_str(), story);
    }
    auto balance =
        client.get("/v1/accounts/" + account).json().value("balance_cents", std::int64_t{-1});
    std::printf("\n%d pays won their race, %d cancels won theirs; every order ended CANCELLED.\n",
                pay_first, cancel_first);
    std::printf("balance %lld cents (funded %lld): %s\n", static_cast<long long>(balance),
                static_cast<long long>(funding),
                balance == funding ? "every charge was refunded" : "MONEY IS MISSING");
    return balance == funding && pay_first + cancel_first == pairs ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xacoord demo: %s\n", e.what());
    return 1;
  }
}

}  // namespace xacoord
