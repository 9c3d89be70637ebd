#include "tools/workload/definite_answer.h"

#include <algorithm>
#include <thread>

namespace xacoord::workload {

bool worth_retrying(int status) {
  return status == 0 || status == 503 || status == 408 || status == 429;
}

DefiniteReply send_until_definite(HttpClient& http, const DefiniteRequest& request,
                                  Clock::time_point give_up, LiveCounts* counts) {
  DefiniteReply out;
  HttpHeaders headers = request.headers;
  if (!request.body.empty()) headers.emplace_back("Content-Type", "application/json");
  auto backoff = std::chrono::milliseconds(50);
  while (Clock::now() < give_up) {
    ++out.attempts;
    HttpReply reply;
    if (counts) counts->in_transit++;
    try {
      reply = http.request(request.method, request.path, request.body, headers);
    } catch (const std::exception&) {
      reply = HttpReply{};  // the client dropped its connection: the next try opens one
    }
    if (counts) counts->in_transit--;
    if (!worth_retrying(reply.status)) {
      out.reply = std::move(reply);
      if (counts) counts->answered++;
      return out;
    }
    std::this_thread::sleep_for(backoff);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(500));
  }
  return out;
}

}  // namespace xacoord::workload
