// A small SVG line chart — axes, lines with a legend, shaded bands — for the reports of
// `xacoord chaos` (throughput over time, fault windows shaded) and `xacoord bench`
// (throughput against concurrency, latency percentiles). No dependencies, no scripts.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace xacoord::report {

class SvgChart {
 public:
  using Points = std::vector<std::pair<double, double>>;

  SvgChart(double width, double height) : width_(width), height_(height) {}

  // Data ranges; a range left unset spans the data (y from 0).
  void x_range(double min, double max) { x_min_ = min, x_max_ = max, x_set_ = true; }
  void y_range(double min, double max) { y_min_ = min, y_max_ = max, y_set_ = true; }
  void line(Points points, std::string label);
  // A vertical band from x0 to x1, with a tooltip.
  void shade(double x0, double x1, std::string title);
  // Labels under chosen x values (else only the range's end is labelled).
  void x_ticks(std::vector<std::pair<double, std::string>> ticks) { ticks_ = std::move(ticks); }
  void caption(std::string text) { caption_ = std::move(text); }
  void y_unit(std::string unit) { y_unit_ = std::move(unit); }

  std::string render() const;

 private:
  struct Line {
    Points points;
    std::string label;
  };
  struct Band {
    double x0, x1;
    std::string title;
  };

  double width_, height_;
  double x_min_ = 0, x_max_ = 1, y_min_ = 0, y_max_ = 1;
  bool x_set_ = false, y_set_ = false;
  std::vector<Line> lines_;
  std::vector<Band> bands_;
  std::vector<std::pair<double, std::string>> ticks_;
  std::string caption_;
  std::string y_unit_;
};

}  // namespace xacoord::report
