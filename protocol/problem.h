// RFC 9457 problem details: every failure the API answers with.
//
// Every problem type the API can send is in one catalogue (problems::catalogue()): its
// slug, status and title. The named constructors below are the only way the code makes a
// problem, so the catalogue is complete by construction, and docs/api.md and
// docs/openapi.yaml are checked against it (tests/coordinator/http/api_docs_test.cc).
#pragma once

#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace xacoord {

struct Problem {
  int status = 500;
  std::string slug;  // the "type" is "/problems/<slug>"
  std::string title;
  std::string detail;
  int retry_after_seconds = 0;  // sent as Retry-After when > 0 (503s)
  // Extension member: the transaction the failed request ran, when it ran one, so the
  // client can look it up at GET /v1/transactions/{txn_id}.
  std::string txn_id;

  std::string type() const { return "/problems/" + slug; }
  // {"type","title","status","detail"[,"txn_id"]} as application/problem+json.
  std::string to_json() const;
};

// Thrown by validation and by the domain; the HTTP layer turns it into its answer.
class ProblemError : public std::runtime_error {
 public:
  explicit ProblemError(Problem problem)
      : std::runtime_error(problem.detail), problem_(std::move(problem)) {}
  const Problem& problem() const { return problem_; }

 private:
  Problem problem_;
};

namespace problems {

struct Kind {
  std::string_view slug;
  int status;
  std::string_view title;
};
// Every problem type, in status order.
std::span<const Kind> catalogue();

// 400: the request is malformed or a value is out of range (the detail says which).
Problem bad_request(std::string detail);
// 401: an admin route without the right bearer token.
Problem unauthorized(std::string detail);
// 404: the resource (account, order, transaction) does not exist.
Problem not_found(std::string detail);
// 404: no route has this path, whatever the method.
Problem no_route(std::string detail);
// 405: the path exists, the method does not (the answer carries Allow).
Problem method_not_allowed(std::string detail);
// 409s: the resource's state refuses the request.
Problem account_exists(std::string detail);
Problem order_not_payable(std::string detail);
Problem force_refused(std::string detail);
Problem demo_busy(std::string detail);  // serve --demo: another demo run is going
// 413: the body is over 64 KiB.
Problem payload_too_large(std::string detail);
// 415: a JSON body sent with another Content-Type.
Problem unsupported_media_type(std::string detail);
// 422s: well-formed, but the data refuses it.
Problem insufficient_funds(std::string detail);
Problem unknown_account(std::string detail);
Problem idempotency_key_reused(std::string detail);
// 431: the request's header section is over the limit.
Problem headers_too_large(std::string detail);
// 500: a bug of ours, never a client's mistake.
Problem internal(std::string detail);
// 503: a database is down or busy, recovery still runs, or the coordinator is stopping.
// Nothing changed; retry after `retry_after_seconds`.
Problem unavailable(std::string detail, int retry_after_seconds = 1);

}  // namespace problems
}  // namespace xacoord
