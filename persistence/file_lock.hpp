#pragma once
// An exclusive advisory lock on a file (flock). The daemon holds `<database>.lock` for a SQLite
// database so that a second daemon on the same file refuses to start; the lock dies with the process.

#include <string>

namespace tunemantra::persistence {

class file_lock {
public:
  /// Takes the lock without waiting; throws std::runtime_error naming the file when it is held.
  explicit file_lock(std::string path);
  ~file_lock();
  file_lock(const file_lock&) = delete;
  file_lock& operator=(const file_lock&) = delete;

  const std::string& path() const { return path_; }

private:
  std::string path_;
  int fd_ = -1;
};

} // namespace tunemantra::persistence
