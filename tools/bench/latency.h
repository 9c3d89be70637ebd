// Latency samples of one benchmark run, and their percentiles.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace xacoord::bench {

class Latencies {
 public:
  void add(double seconds) { samples_.push_back(seconds); }
  void merge(const Latencies& other) {
    samples_.insert(samples_.end(), other.samples_.begin(), other.samples_.end());
  }
  std::size_t count() const { return samples_.size(); }
  // The q-quantile (0..1) by the nearest-rank method; 0 when empty.
  double quantile(double q);
  const std::vector<double>& samples() const { return samples_; }

 private:
  std::vector<double> samples_;
  bool sorted_ = false;
};

}  // namespace xacoord::bench
