#include "tools/chaos/fault_actions.h"

#include <signal.h>

#include <stdexcept>

#include "tools/harness/packet_filter.h"

namespace xacoord::chaos {

namespace {

// SIGKILL at a random instant. Its end is the runner's: it restarts a dead coordinator.
class CoordinatorKill : public FaultAction {
 public:
  explicit CoordinatorKill(harness::ServeProcess& coordinator) : coordinator_(coordinator) {}
  bool strike() override {
    coordinator_.signal(SIGKILL);
    return coordinator_.wait_exit(std::chrono::seconds(5)).has_value();
  }

 private:
  harness::ServeProcess& coordinator_;
};

// A database made unreachable for the fault's length and brought back: SIGKILL and a
// restart, or SIGSTOP and SIGCONT.
class DatabaseOutage : public FaultAction {
 public:
  using Verb = void (harness::LocalPair::*)(const std::string&);
  DatabaseOutage(harness::LocalPair& pair, std::string database, Verb down, Verb up)
      : pair_(pair), database_(std::move(database)), down_(down), up_(up) {}
  bool strike() override {
    (pair_.*down_)(database_);
    return true;
  }
  void end() override { (pair_.*up_)(database_); }

 private:
  harness::LocalPair& pair_;
  std::string database_;
  Verb down_;
  Verb up_;
};

// KILL CONNECTION of every session of ours on one server, three times.
class ConnectionKills : public FaultAction {
 public:
  ConnectionKills(harness::LocalPair& pair, std::string database)
      : pair_(pair), database_(std::move(database)) {}
  int strikes() const override { return 3; }
  bool strike() override {
    bool hit = false;
    try {
      auto admin = pair_.connect(database_);
      auto victims = admin->query(
          "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'root' AND ID <> "
          "CONNECTION_ID() AND COMMAND <> 'Daemon'");
      for (const auto& row : victims.rows) {
        try {
          admin->execute("KILL CONNECTION " + *row[0]);
          hit = true;
        } catch (const std::exception&) {
          // it ended on its own meanwhile
        }
      }
    } catch (const std::exception&) {
      // the server refused the admin session: this strike hit nothing
    }
    return hit;
  }

 private:
  harness::LocalPair& pair_;
  std::string database_;
};

// The link between the coordinator and one server cut: every packet to and from its port
// dropped, both ways, no reset (tools/harness/packet_filter.h), then healed.
class Partition : public FaultAction {
 public:
  Partition(harness::LocalPair& pair, std::string database)
      : pair_(pair), database_(std::move(database)) {}
  bool strike() override {
    filter_ = std::make_unique<harness::PacketFilter>();
    filter_->cut_server_port(pair_.port(database_));
    return true;
  }
  void end() override { filter_.reset(); }

 private:
  harness::LocalPair& pair_;
  std::string database_;
  std::unique_ptr<harness::PacketFilter> filter_;
};

// The broker SIGKILLed and, after the fault's length, started again on its data: what it
// acknowledged must survive (its append-only file, docs/broker.md "Durability").
class BrokerOutage : public FaultAction {
 public:
  explicit BrokerOutage(harness::LocalBroker& broker) : broker_(broker) {}
  bool strike() override {
    broker_.kill();
    return true;
  }
  void end() override { broker_.restart(); }

 private:
  harness::LocalBroker& broker_;
};

// One etcd member SIGKILLed and, after the fault's length, started again on its data. The
// other two keep a quorum: no decision may fail (docs/scale-out.md, "What each failure does").
class EtcdMemberOutage : public FaultAction {
 public:
  EtcdMemberOutage(harness::EtcdCluster& etcd, int member) : etcd_(etcd), member_(member) {}
  bool strike() override {
    etcd_.kill(member_);
    return true;
  }
  void end() override { etcd_.start(member_); }

 private:
  harness::EtcdCluster& etcd_;
  int member_;
};

}  // namespace

std::unique_ptr<FaultAction> make_fault_action(const Fault& fault, harness::LocalPair& pair,
                                               harness::ServeProcess& coordinator,
                                               harness::LocalBroker* broker,
                                               harness::EtcdCluster* etcd) {
  using harness::LocalPair;
  switch (fault.kind) {
    case FaultKind::kCrashRandom:
    case FaultKind::kKillNode:
      return std::make_unique<CoordinatorKill>(coordinator);
    case FaultKind::kKillEtcdMember:
      if (!etcd) throw std::invalid_argument("kill-etcd-member needs --decision-store etcd");
      return std::make_unique<EtcdMemberOutage>(*etcd, fault.member);
    case FaultKind::kKillDatabase:
      return std::make_unique<DatabaseOutage>(pair, fault.database, &LocalPair::kill,
                                              &LocalPair::restart);
    case FaultKind::kPauseDatabase:
      return std::make_unique<DatabaseOutage>(pair, fault.database, &LocalPair::pause,
                                              &LocalPair::resume);
    case FaultKind::kKillConnections:
      return std::make_unique<ConnectionKills>(pair, fault.database);
    case FaultKind::kPartition:
      return std::make_unique<Partition>(pair, fault.database);
    case FaultKind::kKillBroker:
      if (!broker) throw std::invalid_argument("kill-broker needs a broker: --architecture outbox");
      return std::make_unique<BrokerOutage>(*broker);
    case FaultKind::kCrashAt:
      break;
  }
  throw std::logic_error("no fault action for " + fault.name() + ": the coordinator fires it");
}

}  // namespace xacoord::chaos
