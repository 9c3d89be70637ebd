// The few file operations the decision log needs, behind an interface so tests can swap
// in a file system that loses unsynced bytes, tears writes and fails fdatasync.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace xacoord::dlog {

// A file opened for appending. Errors throw std::system_error.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual void append(std::string_view data) = 0;
  // fdatasync: once it returns, every byte appended so far survives a crash.
  virtual void sync() = 0;
  virtual std::uint64_t size() const = 0;
};

class FileLock {
 public:
  virtual ~FileLock() = default;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates a new, empty file; fails if it exists.
  virtual std::unique_ptr<WritableFile> create(const std::string& path) = 0;
  virtual std::string read_all(const std::string& path) = 0;
  // Names (not paths) of the entries in `dir`.
  virtual std::vector<std::string> list(const std::string& dir) = 0;
  virtual bool exists(const std::string& path) = 0;
  virtual void make_dirs(const std::string& dir) = 0;
  virtual void remove(const std::string& path) = 0;
  // Atomically gives `from` the name `to` (same directory tree; replaces nothing: `to` must
  // not exist). Durable only after sync_dir of both directories.
  virtual void rename(const std::string& from, const std::string& to) = 0;
  // Cuts the file to `size` bytes and syncs it.
  virtual void truncate(const std::string& path, std::uint64_t size) = 0;
  // fsync of a directory: makes creations, renames and removals inside it durable.
  virtual void sync_dir(const std::string& dir) = 0;
  // Takes an exclusive advisory lock on `path` (created if needed), held until the returned
  // object is destroyed; nullptr if another process (or open log) holds it.
  virtual std::unique_ptr<FileLock> lock(const std::string& path) = 0;
};

FileSystem& posix_file_system();

}  // namespace xacoord::dlog
