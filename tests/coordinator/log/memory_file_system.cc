#include "tests/coordinator/log/memory_file_system.h"

#include <cerrno>
#include <system_error>

namespace xacoord::dlog::test {
namespace {

std::string parent_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  return path.substr(path.rfind('/') + 1);
}

[[noreturn]] void fail(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

}  // namespace

class MemoryFileSystem::File final : public WritableFile {
 public:
  File(MemoryFileSystem& fs, std::string path, std::shared_ptr<Node> node)
      : fs_(fs), path_(std::move(path)), node_(std::move(node)) {}

  void append(std::string_view data) override {
    std::lock_guard lock(fs_.mutex_);
    fs_.mutating_operation();
    fs_.appends_++;
    node_->data.append(data);
  }

  void sync() override {
    std::function<void(const std::string&)> hook;
    {
      std::lock_guard lock(fs_.mutex_);
      hook = fs_.before_sync_;
    }
    if (hook) hook(path_);
    std::lock_guard lock(fs_.mutex_);
    fs_.mutating_operation();
    fs_.file_syncs_++;
    if (fs_.fail_sync_in_ > 0 && --fs_.fail_sync_in_ == 0) fail(EIO, "fdatasync " + path_);
    node_->synced = node_->data.size();
  }

  std::uint64_t size() const override {
    std::lock_guard lock(fs_.mutex_);
    return node_->data.size();
  }

 private:
  MemoryFileSystem& fs_;
  std::string path_;
  std::shared_ptr<Node> node_;
};

class MemoryFileSystem::Lock final : public FileLock {
 public:
  Lock(MemoryFileSystem& fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  ~Lock() override {
    std::lock_guard lock(fs_.mutex_);
    fs_.locks_.erase(path_);
  }

 private:
  MemoryFileSystem& fs_;
  std::string path_;
};

MemoryFileSystem::MemoryFileSystem() {
  live_dirs_.insert("/");
  durable_dirs_.insert("/");
}

MemoryFileSystem::~MemoryFileSystem() = default;

void MemoryFileSystem::mutating_operation() {
  if (crashed_) throw SimulatedCrash();
  ++operations_;
  if (crash_at_ != 0 && operations_ == crash_at_) {
    crashed_ = true;
    throw SimulatedCrash();
  }
}

std::shared_ptr<MemoryFileSystem::Node> MemoryFileSystem::node_of(const std::string& path) const {
  auto it = live_.find(path);
  if (it == live_.end()) fail(ENOENT, path);
  return it->second;
}

std::unique_ptr<WritableFile> MemoryFileSystem::create(const std::string& path) {
  std::lock_guard lock(mutex_);
  mutating_operation();
  if (!live_dirs_.contains(parent_of(path))) fail(ENOENT, "create " + path);
  if (live_.contains(path) || live_dirs_.contains(path)) fail(EEXIST, "create " + path);
  auto node = std::make_shared<Node>();
  live_[path] = node;
  return std::make_unique<File>(*this, path, node);
}

std::string MemoryFileSystem::read_all(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (crashed_) throw SimulatedCrash();
  return node_of(path)->data;
}

std::vector<std::string> MemoryFileSystem::list(const std::string& dir) {
  std::lock_guard lock(mutex_);
  if (crashed_) throw SimulatedCrash();
  if (!live_dirs_.contains(dir)) fail(ENOENT, "opendir " + dir);
  std::vector<std::string> names;
  for (const auto& [path, node] : live_) {
    if (parent_of(path) == dir) names.push_back(name_of(path));
  }
  for (const auto& path : live_dirs_) {
    if (path != "/" && parent_of(path) == dir) names.push_back(name_of(path));
  }
  return names;
}

bool MemoryFileSystem::exists(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (crashed_) throw SimulatedCrash();
  return live_.contains(path) || live_dirs_.contains(path);
}

void MemoryFileSystem::make_dirs(const std::string& dir) {
  std::lock_guard lock(mutex_);
  mutating_operation();
  for (std::size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      std::string partial = dir.substr(0, i);
      if (live_.contains(partial)) fail(ENOTDIR, "mkdir " + partial);
      live_dirs_.insert(partial);
    }
  }
}

void MemoryFileSystem::remove(const std::string& path) {
  std::lock_guard lock(mutex_);
  mutating_operation();
  live_.erase(path);
}

void MemoryFileSystem::rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mutex_);
  mutating_operation();
  auto node = node_of(from);
  if (!live_dirs_.contains(parent_of(to))) fail(ENOENT, "rename to " + to);
  if (live_.contains(to) || live_dirs_.contains(to)) fail(EEXIST, "rename to " + to);
  live_.erase(from);
  live_[to] = node;
}

void MemoryFileSystem::truncate(const std::string& path, std::uint64_t size) {
  std::lock_guard lock(mutex_);
  mutating_operation();
  auto node = node_of(path);
  node->data.resize(size);
  node->synced = node->data.size();
}

void MemoryFileSystem::sync_dir(const std::string& dir) {
  std::lock_guard lock(mutex_);
  mutating_operation();
  dir_syncs_++;
  if (!live_dirs_.contains(dir)) fail(ENOENT, "open " + dir);
  if (fail_sync_dir_in_ > 0 && --fail_sync_dir_in_ == 0) fail(EIO, "fsync " + dir);
  std::erase_if(durable_, [&](const auto& entry) { return parent_of(entry.first) == dir; });
  for (const auto& [path, node] : live_) {
    if (parent_of(path) == dir) durable_[path] = node;
  }
  std::erase_if(durable_dirs_, [&](const auto& d) { return d != "/" && parent_of(d) == dir; });
  for (const auto& d : live_dirs_) {
    if (d != "/" && parent_of(d) == dir) durable_dirs_.insert(d);
  }
}

std::unique_ptr<FileLock> MemoryFileSystem::lock(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (crashed_) throw SimulatedCrash();
  if (!live_dirs_.contains(parent_of(path))) fail(ENOENT, "open " + path);
  if (!locks_.insert(path).second) return nullptr;
  return std::make_unique<Lock>(*this, path);
}

void MemoryFileSystem::fail_sync(int nth) {
  std::lock_guard lock(mutex_);
  fail_sync_in_ = nth;
}

void MemoryFileSystem::fail_sync_dir(int nth) {
  std::lock_guard lock(mutex_);
  fail_sync_dir_in_ = nth;
}

void MemoryFileSystem::set_before_sync(std::function<void(const std::string&)> hook) {
  std::lock_guard lock(mutex_);
  before_sync_ = std::move(hook);
}

void MemoryFileSystem::crash_at_operation(std::uint64_t nth) {
  std::lock_guard lock(mutex_);
  crash_at_ = operations_ + nth;
}

bool MemoryFileSystem::crashed() const {
  std::lock_guard lock(mutex_);
  return crashed_;
}

std::unique_ptr<MemoryFileSystem> MemoryFileSystem::crash_image(
    const std::optional<Tear>& tear) const {
  std::lock_guard lock(mutex_);
  auto image = std::make_unique<MemoryFileSystem>();
  // std::set orders a directory before its children, so parents are decided first.
  for (const auto& d : durable_dirs_) {
    if (d != "/" && image->durable_dirs_.contains(parent_of(d))) {
      image->durable_dirs_.insert(d);
      image->live_dirs_.insert(d);
    }
  }
  for (const auto& [path, node] : durable_) {
    if (!image->durable_dirs_.contains(parent_of(path))) continue;
    auto copy = std::make_shared<Node>();
    copy->data = node->data.substr(0, node->synced);
    if (tear && tear->path == path) {
      std::string tail = node->data.substr(node->synced);
      std::size_t keep = std::min(tear->keep, tail.size());
      copy->data += tail.substr(0, keep);
      if (tear->fill) copy->data.append(tail.size() - keep, *tear->fill);
    }
    copy->synced = copy->data.size();
    image->live_[path] = copy;
    image->durable_[path] = copy;
  }
  return image;
}

std::unique_ptr<MemoryFileSystem> MemoryFileSystem::snapshot() const {
  std::lock_guard lock(mutex_);
  auto copy = std::make_unique<MemoryFileSystem>();
  std::map<const Node*, std::shared_ptr<Node>> clones;
  auto clone = [&](const std::shared_ptr<Node>& node) {
    auto& c = clones[node.get()];
    if (!c) c = std::make_shared<Node>(*node);
    return c;
  };
  for (const auto& [path, node] : live_)
    copy->live_[path] = clone(node);
  for (const auto& [path, node] : durable_)
    copy->durable_[path] = clone(node);
  copy->live_dirs_ = live_dirs_;
  copy->durable_dirs_ = durable_dirs_;
  return copy;
}

std::uint64_t MemoryFileSystem::operations() const {
  std::lock_guard lock(mutex_);
  return operations_;
}

std::uint64_t MemoryFileSystem::file_syncs() const {
  std::lock_guard lock(mutex_);
  return file_syncs_;
}

std::uint64_t MemoryFileSystem::dir_syncs() const {
  std::lock_guard lock(mutex_);
  return dir_syncs_;
}

std::uint64_t MemoryFileSystem::appends() const {
  std::lock_guard lock(mutex_);
  return appends_;
}

std::size_t MemoryFileSystem::synced_size(const std::string& path) const {
  std::lock_guard lock(mutex_);
  return node_of(path)->synced;
}

std::vector<std::string> MemoryFileSystem::file_paths() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> paths;
  for (const auto& [path, node] : live_)
    paths.push_back(path);
  return paths;
}

std::uint64_t MemoryFileSystem::total_bytes() const {
  std::lock_guard lock(mutex_);
  std::uint64_t n = 0;
  for (const auto& [path, node] : live_)
    n += node->data.size();
  return n;
}

void MemoryFileSystem::put_durable_file(const std::string& path, const std::string& bytes) {
  std::lock_guard lock(mutex_);
  for (std::string d = parent_of(path); d != "/"; d = parent_of(d)) {
    live_dirs_.insert(d);
    durable_dirs_.insert(d);
  }
  auto node = std::make_shared<Node>();
  node->data = bytes;
  node->synced = bytes.size();
  live_[path] = node;
  durable_[path] = node;
}

std::string MemoryFileSystem::contents(const std::string& path) const {
  std::lock_guard lock(mutex_);
  return node_of(path)->data;
}

}  // namespace xacoord::dlog::test
