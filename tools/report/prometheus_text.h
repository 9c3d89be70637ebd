// Reads the Prometheus text exposition format back (what `GET /metrics` answers), strictly
// enough to catch a malformed scrape: every sample belongs to a family with # HELP and
// # TYPE, and parses as a number. The tests check the coordinator's scrape with it, and
// `xacoord chaos` reads the coordinator's gauges with it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

namespace xacoord::report {

struct Scrape {
  std::map<std::string, std::string> types;  // family -> counter | gauge | histogram
  std::map<std::string, double> samples;     // `name{labels}` exactly as rendered -> value
  std::string error;                         // the first malformed line, if any

  // The value of one series, e.g. value("xacoord_ready") or
  // value("xacoord_transactions_total{kind=\"pay\",outcome=\"committed\"}").
  std::optional<double> value(const std::string& series) const;
};

Scrape parse_prometheus_text(const std::string& text);

}  // namespace xacoord::report
