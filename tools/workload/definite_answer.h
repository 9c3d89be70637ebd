// How a careful client talks to the coordinator under faults: after a transport error or
// a "try again" answer (503, 408, 429, or none at all) it sends the same request again —
// with the same Idempotency-Key, where there is one — until a definite answer comes or
// it gives up. Anything else is definite, a 500 included: a bug or a broken invariant,
// which retrying would only hide.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <string>

#include "coordinator/client/http_client.h"

namespace xacoord::workload {

using Clock = std::chrono::steady_clock;

// What the clients of a workload count together while it runs, for progress bars and for
// the faults that want to know what is outstanding when they strike.
struct LiveCounts {
  std::atomic<std::size_t> answered{0};    // definite answers so far
  std::atomic<std::size_t> in_transit{0};  // requests sent and not yet answered, right now
};

struct DefiniteRequest {
  std::string method = "POST";
  std::string path;
  std::string body;  // JSON, or empty
  HttpHeaders headers;
};

struct DefiniteReply {
  HttpReply reply;  // status 0 if no definite answer came before giving up
  int attempts = 0;
};

// After a transport error `http` connects afresh on its next request (the coordinator may
// be restarting). Waits 50 ms before the first retry, doubling up to 500 ms.
DefiniteReply send_until_definite(HttpClient& http, const DefiniteRequest& request,
                                  Clock::time_point give_up, LiveCounts* counts = nullptr);

// Whether an answer means "nothing decided, send it again".
bool worth_retrying(int status);

}  // namespace xacoord::workload
