// RFC 9457 problem details: every failure the API answers with.
#pragma once

#include <stdexcept>
#include <string>

namespace xacoord {

struct Problem {
  int status = 500;
  std::string slug;  // the "type" is "/problems/<slug>", documented in docs/api.md
  std::string title;
  std::string detail;
  int retry_after_seconds = 0;  // sent as Retry-After when > 0 (503s)

  std::string type() const { return "/problems/" + slug; }
  // {"type","title","status","detail"} as application/problem+json.
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
Problem bad_request(std::string detail);                                         // 400 validation
Problem not_found(std::string detail);                                           // 404
Problem method_not_allowed(std::string detail);                                  // 405
Problem conflict(std::string slug, std::string title, std::string detail);       // 409
Problem payload_too_large(std::string detail);                                   // 413
Problem unsupported_media_type(std::string detail);                              // 415
Problem unprocessable(std::string slug, std::string title, std::string detail);  // 422
Problem unauthorized(std::string detail);                                        // 401
Problem unavailable(std::string detail, int retry_after_seconds = 1);            // 503
Problem internal(std::string detail);  // 500: a bug of ours
}  // namespace problems

}  // namespace xacoord
