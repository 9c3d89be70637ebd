// An in-memory FileSystem for the decision log's tests, modelled on what a power cut does
// to a real one:
//  - a file's bytes survive only up to its last sync(); unsynced bytes may survive in
//    part (a torn write), or leave garbage behind when the size was updated but not the data;
//  - a created, removed or renamed entry survives only once its directory is synced;
//  - sync() can be made to fail, to block (a gate), and any mutating operation can be made
//    the moment of the crash.
// crash_image() returns what a restart would find, as a new file system. The model loses
// every unsynced change; it does not write some back early or out of order, so a sync
// that only guards against such reordering (ext4 journals metadata in order) is invisible
// to it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "coordinator/log/file_system.h"

namespace xacoord::dlog::test {

// Thrown by every mutating operation from the armed one on (crash_at_operation).
struct SimulatedCrash : std::runtime_error {
  SimulatedCrash() : std::runtime_error("simulated crash") {}
};

// How the unsynced tail of one file looks after the crash; every other file loses its
// unsynced bytes.
struct Tear {
  std::string path;
  std::size_t keep = 0;      // unsynced bytes that reached the disk, from the start
  std::optional<char> fill;  // if set, the rest of the tail is this byte, not gone
};

class MemoryFileSystem : public FileSystem {
 public:
  MemoryFileSystem();
  ~MemoryFileSystem() override;

  std::unique_ptr<WritableFile> create(const std::string& path) override;
  std::string read_all(const std::string& path) override;
  std::vector<std::string> list(const std::string& dir) override;
  bool exists(const std::string& path) override;
  void make_dirs(const std::string& dir) override;
  void remove(const std::string& path) override;
  void rename(const std::string& from, const std::string& to) override;
  void truncate(const std::string& path, std::uint64_t size) override;
  void sync_dir(const std::string& dir) override;
  std::unique_ptr<FileLock> lock(const std::string& path) override;

  // Fault injection. Counts start from the call.
  void fail_sync(int nth);      // the nth file sync() from now throws EIO and syncs nothing
  void fail_sync_dir(int nth);  // the nth sync_dir() from now throws EIO
  // Runs inside every file sync(), before it takes effect, without the file system's lock:
  // a test can block the writer there, or take a snapshot of the moment.
  void set_before_sync(std::function<void(const std::string& path)> hook);
  // The nth mutating operation from now (1-based) throws SimulatedCrash without effect,
  // and so does every one after it.
  void crash_at_operation(std::uint64_t nth);
  bool crashed() const;

  // What survives a power cut now (see Tear), as a fresh file system.
  std::unique_ptr<MemoryFileSystem> crash_image(const std::optional<Tear>& tear = {}) const;
  // A copy of the current state, durable and not, to take crash images of later.
  std::unique_ptr<MemoryFileSystem> snapshot() const;

  // Inspection and set-up for tests (no fault injection, no counting).
  std::uint64_t operations() const;
  std::uint64_t file_syncs() const;
  std::uint64_t dir_syncs() const;
  std::uint64_t appends() const;
  std::size_t synced_size(const std::string& path) const;
  std::vector<std::string> file_paths() const;  // every live file, sorted
  std::uint64_t total_bytes() const;            // of every live file
  // Puts a file in place, durable (entry and bytes); replaces any old one.
  void put_durable_file(const std::string& path, const std::string& bytes);
  std::string contents(const std::string& path) const;

 private:
  struct Node {
    std::string data;
    std::size_t synced = 0;  // bytes [0, synced) are durable
  };
  class File;
  class Lock;

  void mutating_operation();  // counts; throws when the crash is due; needs mutex_ held
  std::shared_ptr<Node> node_of(const std::string& path) const;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Node>> live_;     // path -> file
  std::map<std::string, std::shared_ptr<Node>> durable_;  // entries as of the last sync_dir
  std::set<std::string> live_dirs_;
  std::set<std::string> durable_dirs_;
  std::set<std::string> locks_;
  std::function<void(const std::string&)> before_sync_;
  int fail_sync_in_ = 0;
  int fail_sync_dir_in_ = 0;
  std::uint64_t crash_at_ = 0;  // 0: never
  std::uint64_t operations_ = 0;
  std::uint64_t file_syncs_ = 0;
  std::uint64_t dir_syncs_ = 0;
  std::uint64_t appends_ = 0;
  bool crashed_ = false;
};

}  // namespace xacoord::dlog::test
