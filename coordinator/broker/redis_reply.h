// A Redis reply copied out of hiredis (which frees its own as soon as the callback
// returns), as plain values the stream parsers (stream_replies.h) read.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct redisReply;

namespace xacoord::broker {

struct Reply {
  enum class Type { kNil, kInteger, kString, kStatus, kError, kArray };

  Type type = Type::kNil;
  std::int64_t integer = 0;
  std::string str;  // bulk string, status or error text
  std::vector<Reply> elements;

  static Reply nil() { return {}; }
  static Reply of_integer(std::int64_t v) { return {Type::kInteger, v, {}, {}}; }
  static Reply of_string(std::string s) { return {Type::kString, 0, std::move(s), {}}; }
  static Reply of_status(std::string s) { return {Type::kStatus, 0, std::move(s), {}}; }
  static Reply of_error(std::string s) { return {Type::kError, 0, std::move(s), {}}; }
  static Reply of_array(std::vector<Reply> e) { return {Type::kArray, 0, {}, std::move(e)}; }

  bool is_nil() const { return type == Type::kNil; }
  bool is_array() const { return type == Type::kArray; }
  bool is_string() const { return type == Type::kString || type == Type::kStatus; }
};

// A deep copy of hiredis's reply.
Reply copy_reply(const redisReply& r);
// A short rendering for error messages ("[\"0-0\", [], nil]").
std::string describe(const Reply& r);

}  // namespace xacoord::broker
