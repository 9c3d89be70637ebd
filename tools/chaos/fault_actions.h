// What a fault of the menu does to the processes. Every fault but a crash point runs the
// same way (chaos_runner.cc): wait for its instant, count what is in flight, strike,
// hold for its length, and end — `strikes()` times over for the faults that repeat.
#pragma once

#include <memory>

#include "tools/chaos/fault_schedule.h"
#include "tools/harness/etcd_cluster.h"
#include "tools/harness/local_broker.h"
#include "tools/harness/local_pair.h"
#include "tools/harness/serve_process.h"

namespace xacoord::chaos {

class FaultAction {
 public:
  virtual ~FaultAction() = default;
  // How many times strike() runs, `Fault::length` apart.
  virtual int strikes() const { return 1; }
  // Returns whether it hit anything (KILL CONNECTION may find no session of ours).
  virtual bool strike() = 0;
  // After the last strike and its hold: what undoes the fault, if anything does.
  virtual void end() {}
};

// For every kind but FaultKind::kCrashAt, which the coordinator fires itself. `coordinator`
// is the one the fault strikes (crash:random, kill-node: the runner keeps a killed node down
// until it is taken over); `broker` is needed by kill-broker (chaos starts one for
// --architecture outbox), `etcd` by kill-etcd-member (--decision-store etcd).
std::unique_ptr<FaultAction> make_fault_action(const Fault& fault, harness::LocalPair& pair,
                                               harness::ServeProcess& coordinator,
                                               harness::LocalBroker* broker = nullptr,
                                               harness::EtcdCluster* etcd = nullptr);

}  // namespace xacoord::chaos
