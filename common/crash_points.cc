#include "common/crash_points.h"

#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

namespace xacoord {
namespace crash_detail {

std::atomic<bool> armed{false};
namespace {

// One armed fault: which point, and how many more visits until it fires.
struct Armed {
  std::optional<CrashPoint> point;
  std::atomic<int> remaining{0};
  bool due(CrashPoint reached) { return point == reached && remaining.fetch_sub(1) == 1; }
};
Armed crash;
Armed stall;
int stall_ms = 0;
std::function<void(CrashPoint)> hook;

void announce(const char* event, CrashPoint point) {
  std::fprintf(stderr, "{\"event\":\"%s\",\"point\":\"%s\"}\n", event,
               std::string(name_of(point)).c_str());
  std::fflush(stderr);
}

}  // namespace

void reach(CrashPoint point) {
  if (hook) {
    hook(point);
    return;
  }
  if (stall.due(point)) {
    announce("stall_point", point);
    std::this_thread::sleep_for(std::chrono::milliseconds(stall_ms));
  }
  if (crash.due(point)) {
    announce("crash_point", point);
    ::kill(::getpid(), SIGKILL);
    ::pause();  // SIGKILL is on its way; never run another line of the protocol
  }
}

}  // namespace crash_detail

std::string_view name_of(CrashPoint point) {
  switch (point) {
    case CrashPoint::kBeforePrepare:
      return "before_prepare";
    case CrashPoint::kAfterPrepareFirst:
      return "after_prepare_first";
    case CrashPoint::kAfterPrepareAll:
      return "after_prepare_all";
    case CrashPoint::kAfterDecisionLogged:
      return "after_decision_logged";
    case CrashPoint::kAfterCommitFirst:
      return "after_commit_first";
    case CrashPoint::kAfterCommitAll:
      return "after_commit_all";
    case CrashPoint::kBeforeRollback:
      return "before_rollback";
    case CrashPoint::kAfterRollbackFirst:
      return "after_rollback_first";
    case CrashPoint::kStartupRecovery:
      return "startup_recovery";
    case CrashPoint::kSagaBeforeStep1:
      return "saga_before_step1";
    case CrashPoint::kSagaAfterStep1:
      return "saga_after_step1";
    case CrashPoint::kSagaBeforeStep2:
      return "saga_before_step2";
    case CrashPoint::kSagaAfterStep2:
      return "saga_after_step2";
    case CrashPoint::kSagaBeforeCompensation:
      return "saga_before_compensation";
    case CrashPoint::kSagaAfterCompensation:
      return "saga_after_compensation";
    case CrashPoint::kSagaAfterCancelStep1:
      return "saga_after_cancel_step1";
    case CrashPoint::kSagaAfterRefund:
      return "saga_after_refund";
    case CrashPoint::kOutboxBeforePayCommit:
      return "outbox_before_pay_commit";
    case CrashPoint::kOutboxAfterPayCommit:
      return "outbox_after_pay_commit";
    case CrashPoint::kOutboxRelayAfterClaim:
      return "outbox_relay_after_claim";
    case CrashPoint::kOutboxRelayAfterPublish:
      return "outbox_relay_after_publish";
    case CrashPoint::kOutboxBeforeChargeCommit:
      return "outbox_before_charge_commit";
    case CrashPoint::kOutboxAfterChargeCommit:
      return "outbox_after_charge_commit";
    case CrashPoint::kOutboxBeforeSettleCommit:
      return "outbox_before_settle_commit";
    case CrashPoint::kOutboxAfterSettleCommit:
      return "outbox_after_settle_commit";
    case CrashPoint::kOutboxAfterCancelCommit:
      return "outbox_after_cancel_commit";
    case CrashPoint::kOutboxBeforeRefundCommit:
      return "outbox_before_refund_commit";
    case CrashPoint::kOutboxAfterRefundCommit:
      return "outbox_after_refund_commit";
    case CrashPoint::kTccBeforeTry:
      return "tcc_before_try";
    case CrashPoint::kTccAfterTryOrders:
      return "tcc_after_try_orders";
    case CrashPoint::kTccAfterTryPayments:
      return "tcc_after_try_payments";
    case CrashPoint::kTccAfterDecision:
      return "tcc_after_decision";
    case CrashPoint::kTccAfterConfirmPayments:
      return "tcc_after_confirm_payments";
    case CrashPoint::kTccAfterConfirmOrders:
      return "tcc_after_confirm_orders";
    case CrashPoint::kTccAfterCancelPayments:
      return "tcc_after_cancel_payments";
    case CrashPoint::kTccAfterCancelOrders:
      return "tcc_after_cancel_orders";
    case CrashPoint::kTccAfterRefundOrders:
      return "tcc_after_refund_orders";
    case CrashPoint::kTccAfterRefundPayments:
      return "tcc_after_refund_payments";
    case CrashPoint::kTakeoverClaimed:
      return "takeover_claimed";
    case CrashPoint::kTakeoverResolved:
      return "takeover_resolved";
  }
  return "unknown";
}

std::span<const CrashPoint> crash_points_of(std::string_view architecture) {
  if (architecture == "saga") return kSagaCrashPoints;
  if (architecture == "outbox") return kOutboxCrashPoints;
  if (architecture == "tcc") return kTccCrashPoints;
  return kAllCrashPoints;
}

namespace {

// Every point of every architecture, for names.
template <typename Visit>
void for_every_point(Visit visit) {
  for (auto p : kAllCrashPoints)
    visit(p);
  for (auto p : kSagaCrashPoints)
    visit(p);
  for (auto p : kOutboxCrashPoints)
    visit(p);
  for (auto p : kTccCrashPoints)
    visit(p);
  visit(CrashPoint::kStartupRecovery);  // a stall point of start-up (docs/recovery.md)
  for (auto p : kTakeoverCrashPoints)
    visit(p);
}

}  // namespace

std::optional<CrashPoint> crash_point_from_name(std::string_view name) {
  std::optional<CrashPoint> found;
  for_every_point([&](CrashPoint p) {
    if (name_of(p) == name) found = p;
  });
  return found;
}

namespace {

std::pair<CrashPoint, int> parse_spec(std::string_view spec) {
  auto colon = spec.find(':');
  auto point = crash_point_from_name(spec.substr(0, colon));
  int n = 1;
  bool count_ok = true;
  if (colon != std::string_view::npos) {
    auto digits = spec.substr(colon + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    count_ok = ec == std::errc() && end == digits.data() + digits.size() && n >= 1;
  }
  if (!point || !count_ok) {
    std::string valid;
    for_every_point(
        [&](CrashPoint p) { valid += (valid.empty() ? "" : ", ") + std::string(name_of(p)); });
    throw std::invalid_argument("bad fault point '" + std::string(spec) +
                                "': expected <point>[:<n>] with n >= 1; points: " + valid);
  }
  return {*point, n};
}

}  // namespace

void set_crash_hook(std::function<void(CrashPoint)> hook) {
  crash_detail::hook = std::move(hook);
  crash_detail::armed = static_cast<bool>(crash_detail::hook);
}

void arm_crash_point(std::string_view spec) {
  auto [point, n] = parse_spec(spec);
  crash_detail::crash.point = point;
  crash_detail::crash.remaining = n;
  crash_detail::armed = true;
}

void arm_stall_point(std::string_view spec, int stall_ms) {
  auto [point, n] = parse_spec(spec);
  crash_detail::stall.point = point;
  crash_detail::stall.remaining = n;
  crash_detail::stall_ms = stall_ms;
  crash_detail::armed = true;
}

}  // namespace xacoord
