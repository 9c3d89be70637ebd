#include "tests/support/fakes/fake_coordinator.h"

#include "common/crash_points.h"

namespace xacoord::test {

namespace asio = boost::asio;

FakeCoordinator::FakeCoordinator(FakeWorld& world, Options options)
    : world_(world), process_(std::make_shared<FakeProcess>()) {
  static int runs = 0;
  process_->node_id = options.node_id;
  process_->run = "run" + std::to_string(++runs);
  options.recovery.run = process_->run;
  auto executor = world.io().get_executor();
  orders_sessions_ = std::make_unique<FakeSessionFactory>(world.orders, process_);
  payments_sessions_ = std::make_unique<FakeSessionFactory>(world.payments, process_);
  orders_pool_ =
      std::make_unique<db::Pool>(executor, *orders_sessions_, options.pool_size, world.clock);
  payments_pool_ =
      std::make_unique<db::Pool>(executor, *payments_sessions_, options.pool_size, world.clock);
  store_ = std::make_unique<MemoryDecisionStore>(world.disk, process_);
  table_ = std::make_unique<TransactionTable>(*store_, metrics_, world.clock);
  options.recovery.node_id = options.node_id;
  std::vector<db::Pool*> participants{orders_pool_.get(), payments_pool_.get()};
  resolver_ = std::make_unique<Resolver>(executor, participants, *table_, *store_, metrics_,
                                         world.clock, options.recovery);
  TwoPhaseCommit::Options engine;
  engine.node_id = options.node_id;
  engine.deadline = options.deadline;
  engine_ = std::make_unique<TwoPhaseCommit>(*table_, *store_, resolver_->handoff(), metrics_,
                                             world.clock, engine);
}

FakeCoordinator::~FakeCoordinator() = default;

void FakeCoordinator::crash() {
  process_->dead = true;
  store_->crash();
  world_.orders.crash(process_);
  world_.payments.crash(process_);
}

FakeWorld::~FakeWorld() {
  set_crash_hook({});
  // Coroutines that wait for a dead process's I/O, a hung statement, a queued fsync or a
  // timer are destroyed first, while everything they use still exists — the coordinators
  // and the io_context their handlers are bound to; then the io_context's own queue (io_
  // is declared last, so it goes before the coordinators and the clock).
  orders.drop_waiters();
  payments.drop_waiters();
  for (auto& p : processes_) {
    p->store().crash();
    p->process()->drop_parked();
  }
  clock.drop_waiters();
  io_.stop();
}

FakeCoordinator& FakeWorld::start(FakeCoordinator::Options options) {
  processes_.push_back(std::make_unique<FakeCoordinator>(*this, std::move(options)));
  settle();
  return *processes_.back();
}

void FakeWorld::settle() {
  for (int rounds = 0; rounds < 100'000; ++rounds) {
    io_.restart();
    if (io_.poll() == 0) return;
  }
  throw std::logic_error("FakeWorld::settle: still busy after 100000 rounds (a busy loop?)");
}

void FakeWorld::advance(std::chrono::milliseconds total, std::chrono::milliseconds step) {
  settle();
  for (std::chrono::milliseconds done{0}; done < total; done += step) {
    clock.advance(step);
    settle();
  }
}

std::shared_ptr<FakeWorld::Spawned> FakeWorld::spawn(asio::awaitable<void> work) {
  auto spawned = std::make_shared<Spawned>();
  asio::co_spawn(io_, std::move(work), [spawned](std::exception_ptr e) {
    spawned->done = true;
    spawned->error = e;
  });
  return spawned;
}

asio::awaitable<void> pay(FakeCoordinator& c, std::shared_ptr<Transaction>* out) {
  TwoPhaseCommit& engine = c.engine();
  auto txn = engine.begin("pay", 1);
  if (out) *out = txn;
  std::exception_ptr failure;
  try {
    Branch* orders = co_await engine.enlist(*txn, c.orders());
    std::vector<std::string> lock;
    lock.push_back("SELECT order FOR UPDATE");
    co_await engine.run(*txn, *orders, std::move(lock));
    Branch* payments = co_await engine.enlist(*txn, c.payments());
    txn->branches().front().final_statements.push_back("UPDATE orders SET status = 'PAID'");
    payments->final_statements.push_back("UPDATE accounts SET balance = balance - 1");
    payments->final_statements.push_back("INSERT INTO payments VALUES (1)");
    co_await engine.commit(*txn);
  } catch (...) {
    failure = std::current_exception();
  }
  if (failure) {
    co_await engine.rollback(*txn, "the test's pay failed");
    std::rethrow_exception(failure);
  }
}

}  // namespace xacoord::test
