#include "coordinator/broker/redis_reply.h"

#include <hiredis/hiredis.h>

namespace xacoord::broker {

Reply copy_reply(const redisReply& r) {
  switch (r.type) {
    case REDIS_REPLY_INTEGER:
      return Reply::of_integer(r.integer);
    case REDIS_REPLY_STRING:
      return Reply::of_string(std::string(r.str, r.len));
    case REDIS_REPLY_STATUS:
      return Reply::of_status(std::string(r.str, r.len));
    case REDIS_REPLY_ERROR:
      return Reply::of_error(std::string(r.str, r.len));
    case REDIS_REPLY_ARRAY: {
      std::vector<Reply> elements;
      elements.reserve(r.elements);
      for (size_t i = 0; i < r.elements; ++i)
        elements.push_back(copy_reply(*r.element[i]));
      return Reply::of_array(std::move(elements));
    }
    default:  // REDIS_REPLY_NIL
      return Reply::nil();
  }
}

std::string describe(const Reply& r) {
  switch (r.type) {
    case Reply::Type::kNil:
      return "nil";
    case Reply::Type::kInteger:
      return std::to_string(r.integer);
    case Reply::Type::kString:
    case Reply::Type::kStatus:
      return "\"" + (r.str.size() > 40 ? r.str.substr(0, 40) + "..." : r.str) + "\"";
    case Reply::Type::kError:
      return "error \"" + r.str + "\"";
    case Reply::Type::kArray: {
      std::string out = "[";
      for (size_t i = 0; i < r.elements.size() && i < 8; ++i) {
        if (i) out += ", ";
        out += describe(r.elements[i]);
      }
      if (r.elements.size() > 8) out += ", ...";
      return out + "]";
    }
  }
  return "?";
}

}  // namespace xacoord::broker
