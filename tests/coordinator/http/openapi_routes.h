// The operations docs/openapi.yaml declares, read with a deliberately small parser: the
// file keeps its `paths:` section in plain block style (a path at two spaces of indent,
// its methods at four), so no YAML library is needed to hold it to the server's routes.
#pragma once

#include <set>
#include <string>
#include <utility>

namespace xacoord::test {

// (METHOD, path pattern), e.g. ("POST", "/v1/orders/{order_id}/pay").
using Operation = std::pair<std::string, std::string>;

std::set<Operation> openapi_operations(const std::string& yaml);
std::string read_text_file(const std::string& path);

}  // namespace xacoord::test
