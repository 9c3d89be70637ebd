// Test helpers that speak the HTTP API: open accounts, create orders, read them back.
#pragma once

#include <cstdint>
#include <string>

#include "coordinator/client/http_client.h"

namespace xacoord::test {

// Creates an account with a unique id starting with `prefix`; returns the id.
std::string open_account(HttpClient& client, const std::string& prefix, std::int64_t balance_cents);
std::int64_t create_order(HttpClient& client, const std::string& account_id,
                          std::int64_t amount_cents);
std::string order_status(HttpClient& client, std::int64_t order_id);
std::int64_t balance(HttpClient& client, const std::string& account_id);
HttpReply pay(HttpClient& client, std::int64_t order_id, const std::string& idempotency_key = "");
HttpReply cancel(HttpClient& client, std::int64_t order_id,
                 const std::string& idempotency_key = "");

}  // namespace xacoord::test
