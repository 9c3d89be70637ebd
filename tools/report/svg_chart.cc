#include "tools/report/svg_chart.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

namespace xacoord::report {
namespace {

constexpr const char* kColors[] = {"#1f5fbf", "#d9822b", "#3a9e4a", "#8e44ad", "#c0392b"};
constexpr double kLeft = 60, kRight = 130, kTop = 20, kBottom = 40;

std::string num(double v, int digits = 1) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '<') {
      out += "&lt;";
    } else if (c == '&') {
      out += "&amp;";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

void SvgChart::line(Points points, std::string label) {
  lines_.push_back({std::move(points), std::move(label)});
}

void SvgChart::shade(double x0, double x1, std::string title) {
  bands_.push_back({x0, x1, std::move(title)});
}

std::string SvgChart::render() const {
  double x_min = x_min_, x_max = x_max_, y_min = y_min_, y_max = y_max_;
  if (!x_set_ || !y_set_) {
    bool first = true;
    for (const auto& l : lines_) {
      for (const auto& [x, y] : l.points) {
        if (!x_set_) {
          x_min = first ? x : std::min(x_min, x);
          x_max = first ? x : std::max(x_max, x);
        }
        if (!y_set_) y_max = first ? y : std::max(y_max, y);
        first = false;
      }
    }
    if (!y_set_) y_min = 0;
  }
  if (x_max <= x_min) x_max = x_min + 1;
  if (y_max <= y_min) y_max = y_min + 1;
  auto px = [&](double x) {
    return kLeft + (width_ - kLeft - kRight) * (x - x_min) / (x_max - x_min);
  };
  auto py = [&](double y) {
    return height_ - kBottom - (height_ - kTop - kBottom) * (y - y_min) / (y_max - y_min);
  };

  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << width_ << "' height='" << height_
      << "' font-family='sans-serif' font-size='11'>\n<rect width='100%' height='100%' "
         "fill='white'/>\n";
  for (const auto& b : bands_) {
    svg << "<rect x='" << num(px(b.x0)) << "' y='" << kTop << "' width='"
        << num(std::max(1.0, px(b.x1) - px(b.x0))) << "' height='" << height_ - kTop - kBottom
        << "' fill='#f4a6a6' opacity='0.5'><title>" << escape(b.title) << "</title></rect>\n";
  }
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    const char* color = kColors[i % std::size(kColors)];
    svg << "<polyline fill='none' stroke='" << color << "' stroke-width='1.8' points='";
    for (const auto& [x, y] : lines_[i].points)
      svg << num(px(x)) << "," << num(py(y)) << " ";
    svg << "'/>\n";
    if (!lines_[i].label.empty()) {
      svg << "<text x='" << width_ - kRight + 10 << "' y='" << kTop + 15 * (i + 1) << "' fill='"
          << color << "'>" << escape(lines_[i].label) << "</text>\n";
    }
  }
  svg << "<line x1='" << kLeft << "' y1='" << height_ - kBottom << "' x2='" << width_ - kRight
      << "' y2='" << height_ - kBottom << "' stroke='black'/>\n<line x1='" << kLeft << "' y1='"
      << kTop << "' x2='" << kLeft << "' y2='" << height_ - kBottom << "' stroke='black'/>\n";
  svg << "<text x='" << kLeft + 4 << "' y='" << kTop + 4 << "'>" << num(y_max, 0) << " "
      << escape(y_unit_) << "</text>\n";
  if (ticks_.empty()) {
    svg << "<text x='" << num(width_ - kRight - 30) << "' y='" << height_ - kBottom + 16 << "'>"
        << num(x_max, 0) << "</text>\n";
  }
  for (const auto& [x, label] : ticks_) {
    svg << "<text x='" << num(px(x) - 6) << "' y='" << height_ - kBottom + 16 << "'>"
        << escape(label) << "</text>\n";
  }
  svg << "<text x='" << kLeft << "' y='" << height_ - 6 << "'>" << escape(caption_)
      << "</text>\n</svg>\n";
  return svg.str();
}

}  // namespace xacoord::report
