// hiredis's asynchronous context driven by Boost.Asio: the adapter hiredis ships for
// libevent, libuv and others, written for an Asio io_context. hiredis owns the socket and
// says when it wants to read or write; the adapter waits for readiness on an Asio
// descriptor wrapped around that socket and calls hiredis back. hiredis closes the socket
// itself, so the adapter releases it (never closes it) when hiredis cleans up.
#pragma once

#include <boost/asio/any_io_executor.hpp>

struct redisAsyncContext;

namespace xacoord::broker {

// Hooks `ac`'s event callbacks to `executor` (which must be the one thread, or strand,
// that also calls into `ac`). Returns false if `ac` has an adapter already.
bool attach_to_asio(redisAsyncContext* ac, const boost::asio::any_io_executor& executor);

}  // namespace xacoord::broker
