// The dashboard's built files (ui/, bundled by esbuild at build time), compiled into the
// binary by ui/scripts/embed-assets.mjs: the library xacoord_ui_assets defines
// dashboard_assets(). Each asset is served at its `path` as it is.
#pragma once

#include <span>
#include <string_view>

namespace xacoord::http {

struct DashboardAsset {
  std::string_view path;           // "/", "/ui/app-<hash>.js", "/favicon.ico"
  std::string_view content_type;   // with its charset for text
  std::string_view cache_control;  // no-cache for the page, immutable for hashed names
  std::string_view etag;           // a quoted hash of the body
  std::string_view body;
};

std::span<const DashboardAsset> dashboard_assets();

}  // namespace xacoord::http
