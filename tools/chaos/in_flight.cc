#include "tools/chaos/in_flight.h"

#include "tools/report/prometheus_text.h"

namespace xacoord::chaos {

InFlight& InFlight::operator+=(const InFlight& other) {
  before_prepare += other.before_prepare;
  prepared_undecided += other.prepared_undecided;
  decided_uncommitted += other.decided_uncommitted;
  messages_pending += other.messages_pending;
  return *this;
}

nlohmann::json InFlight::to_json() const {
  nlohmann::json j{{"before_prepare", before_prepare},
                   {"prepared_undecided", prepared_undecided},
                   {"decided_uncommitted", decided_uncommitted}};
  if (messages_pending > 0) j["messages_pending"] = messages_pending;  // xa's reports unchanged
  return j;
}

void PhaseSamples::add(const InFlight& s) {
  ++samples;
  with_before_prepare += s.before_prepare > 0;
  with_prepared_undecided += s.prepared_undecided > 0;
  with_decided_uncommitted += s.decided_uncommitted > 0;
  with_every_phase += s.before_prepare > 0 && s.prepared_undecided > 0 && s.decided_uncommitted > 0;
  with_none += s.total() == 0;
}

PhaseSamples& PhaseSamples::operator+=(const PhaseSamples& o) {
  samples += o.samples;
  with_before_prepare += o.with_before_prepare;
  with_prepared_undecided += o.with_prepared_undecided;
  with_decided_uncommitted += o.with_decided_uncommitted;
  with_every_phase += o.with_every_phase;
  with_none += o.with_none;
  return *this;
}

nlohmann::json PhaseSamples::to_json() const {
  auto share = [this](std::size_t n) {
    return samples == 0 ? 0.0 : static_cast<double>(n) / static_cast<double>(samples);
  };
  return {{"samples", samples},
          {"with_before_prepare", with_before_prepare},
          {"with_prepared_undecided", with_prepared_undecided},
          {"with_decided_uncommitted", with_decided_uncommitted},
          {"with_every_phase", with_every_phase},
          {"with_none", with_none},
          {"share_with_every_phase", share(with_every_phase)},
          {"share_with_none", share(with_none)}};
}

std::optional<InFlight> in_flight_from_metrics(const std::string& scrape) {
  auto parsed = report::parse_prometheus_text(scrape);
  auto phase = [&parsed](const char* name) {
    return parsed.value(std::string("xacoord_transactions_in_phase{phase=\"") + name + "\"}");
  };
  auto before = phase("before_prepare"), prepared = phase("prepared_undecided"),
       decided = phase("decided_uncommitted");
  if (!before || !prepared || !decided) return std::nullopt;
  return InFlight{static_cast<std::size_t>(*before), static_cast<std::size_t>(*prepared),
                  static_cast<std::size_t>(*decided)};
}

void add_status(InFlight& f, const nlohmann::json& status) {
  if (!status.is_object()) return;
  f.messages_pending += status.value("pending_messages", std::size_t{0});
  // xa's in_flight is what the phase gauge counts already.
  if (status.value("architecture", "xa") != "xa")
    f.messages_pending += status.value("in_flight", std::size_t{0});
}

InFlight in_flight_from_recovery(const RecoveryFound& found, std::size_t requests_outstanding) {
  InFlight f;
  f.decided_uncommitted = found.open_decisions;
  f.prepared_undecided = found.to_roll_back;
  std::size_t found_total = found.open_decisions + found.to_roll_back;
  f.before_prepare = requests_outstanding > found_total ? requests_outstanding - found_total : 0;
  return f;
}

std::size_t requests_outstanding_at(const std::vector<workload::Op>& ops, double at) {
  std::size_t n = 0;
  for (const auto& op : ops) {
    if (op.sent_at <= at && (op.status == 0 || op.answered_at > at)) ++n;
  }
  return n;
}

}  // namespace xacoord::chaos
