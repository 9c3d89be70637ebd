#include "coordinator/broker/asio_adapter.h"

#include <hiredis/async.h>

#include <memory>

#include <boost/asio/posix/stream_descriptor.hpp>

namespace xacoord::broker {
namespace asio = boost::asio;

namespace {

// Lives while hiredis holds it (ac->ev.data, `self`) and while a wait is pending (each
// wait's handler holds a reference), whichever is longer: a wait cancelled by cleanup
// completes after hiredis has freed the context.
class Attachment : public std::enable_shared_from_this<Attachment> {
 public:
  Attachment(redisAsyncContext* ac, const asio::any_io_executor& executor)
      : ac_(ac), socket_(executor, ac->c.fd) {}

  static void add_read(void* p) { static_cast<Attachment*>(p)->want(Direction::kRead, true); }
  static void del_read(void* p) { static_cast<Attachment*>(p)->want(Direction::kRead, false); }
  static void add_write(void* p) { static_cast<Attachment*>(p)->want(Direction::kWrite, true); }
  static void del_write(void* p) { static_cast<Attachment*>(p)->want(Direction::kWrite, false); }
  static void cleanup(void* p) { static_cast<Attachment*>(p)->detach(); }

  std::shared_ptr<Attachment> self;  // hiredis's reference, dropped in detach()

 private:
  enum class Direction { kRead, kWrite };
  struct Interest {
    bool wanted = false;
    bool waiting = false;
  };

  Interest& interest(Direction d) { return d == Direction::kRead ? read_ : write_; }

  void want(Direction d, bool on) {
    interest(d).wanted = on;
    if (on) arm(d);
  }

  void arm(Direction d) {
    Interest& i = interest(d);
    if (i.waiting || !ac_) return;
    i.waiting = true;
    auto type = d == Direction::kRead ? asio::posix::stream_descriptor::wait_read
                                      : asio::posix::stream_descriptor::wait_write;
    socket_.async_wait(type, [me = shared_from_this(), d](const boost::system::error_code& ec) {
      Interest& i = me->interest(d);
      i.waiting = false;
      if (ec || !me->ac_ || !i.wanted) return;
      // May run reply callbacks, and may free the context (cleanup clears ac_).
      if (d == Direction::kRead) {
        redisAsyncHandleRead(me->ac_);
      } else {
        redisAsyncHandleWrite(me->ac_);
      }
      if (me->ac_ && me->interest(d).wanted) me->arm(d);
    });
  }

  void detach() {
    ac_ = nullptr;
    read_.wanted = write_.wanted = false;
    // release(), not close(): hiredis closes the socket right after this hook. Pending
    // waits complete with operation_aborted and find ac_ empty.
    socket_.release();
    auto keep = std::move(self);
  }

  redisAsyncContext* ac_;
  asio::posix::stream_descriptor socket_;
  Interest read_;
  Interest write_;
};

}  // namespace

bool attach_to_asio(redisAsyncContext* ac, const asio::any_io_executor& executor) {
  if (ac->ev.data != nullptr) return false;
  auto attachment = std::make_shared<Attachment>(ac, executor);
  attachment->self = attachment;
  ac->ev.data = attachment.get();
  ac->ev.addRead = &Attachment::add_read;
  ac->ev.delRead = &Attachment::del_read;
  ac->ev.addWrite = &Attachment::add_write;
  ac->ev.delWrite = &Attachment::del_write;
  ac->ev.cleanup = &Attachment::cleanup;
  return true;
}

}  // namespace xacoord::broker
