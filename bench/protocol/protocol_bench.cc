// Microbenchmarks of the per-transaction pure work: xids, transaction ids, the API's
// JSON in and out. Each must stay far below a database round trip (~100 µs).
//   build/bench/protocol_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "protocol/api_types.h"
#include "protocol/txn_id.h"
#include "protocol/xid.h"

namespace xacoord {
namespace {

void XidToSql(benchmark::State& state) {
  Xid xid = branch_xid(TxnId{"node1", 42, 123456789}, "payments");
  for (auto _ : state)
    benchmark::DoNotOptimize(xid.to_sql());
}
BENCHMARK(XidToSql);

void XidParseRecoverRow(benchmark::State& state) {
  std::string row = branch_xid(TxnId{"node1", 42, 123456789}, "payments").to_sql();
  for (auto _ : state) {
    auto xid = parse_sql_xid(row);
    benchmark::DoNotOptimize(txn_of_xid(*xid));
  }
}
BENCHMARK(XidParseRecoverRow);

void TxnIdFormatAndParse(benchmark::State& state) {
  TxnId id{"node1", 42, 123456789};
  for (auto _ : state)
    benchmark::DoNotOptimize(TxnId::parse(id.to_string()));
}
BENCHMARK(TxnIdFormatAndParse);

// A create-order request in, validated, and its response out: the HTTP layer's JSON work.
void OrderRequestParseValidateRespond(benchmark::State& state) {
  const std::string body = R"({"account_id":"alice-1234","amount_cents":1299,"note":"ignored"})";
  for (auto _ : state) {
    auto request = api::CreateOrderRequest::parse(body);
    api::Order order{7, request.account_id, request.amount_cents, "PENDING", std::nullopt};
    benchmark::DoNotOptimize(api::dump(api::to_json(order)));
  }
}
BENCHMARK(OrderRequestParseValidateRespond);

void PayResponseEncode(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(api::dump(api::to_json(api::PayResult{123456, 123456, "1-7-99"})));
}
BENCHMARK(PayResponseEncode);

}  // namespace
}  // namespace xacoord
