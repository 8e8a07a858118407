#include "persistence/media_files.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

#include "domain/log.hpp"

namespace tunemantra::persistence {
namespace fs = std::filesystem;

namespace {

void sync_dir(const fs::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

} // namespace

media_files::media_files(fs::path root) : root_(fs::absolute(std::move(root))) {
  std::error_code ec;
  for (const char* sub : {"tmp", "audio", "artwork", "sales"}) {
    fs::create_directories(root_ / sub, ec);
    if (ec)
      throw std::runtime_error("cannot create the media directory " + (root_ / sub).string() + ": " + ec.message());
  }
  if (::access((root_ / "tmp").c_str(), W_OK) != 0)
    throw std::runtime_error("the media directory " + root_.string() + " is not writable");
  // Temp files of uploads cut short by a crash. Other nodes sharing the directory may be
  // uploading right now, so only day-old leftovers go.
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(24);
  for (const auto& entry : fs::directory_iterator(root_ / "tmp", ec))
    if (entry.last_write_time(ec) < cutoff)
      fs::remove(entry.path(), ec);
}

std::unique_ptr<media_files::upload> media_files::begin(std::int64_t limit) const {
  auto name = root_ / "tmp" / ("upload-" + domain::crypto::random_token(12));
  const int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0)
    throw std::runtime_error("cannot create an upload file in " + (root_ / "tmp").string() + ": " + std::strerror(errno));
  return std::unique_ptr<upload>(new upload(root_, std::move(name), fd, limit));
}

media_files::upload::upload(fs::path root, fs::path temp, int fd, std::int64_t limit)
  : root_(std::move(root)), temp_(std::move(temp)), fd_(fd), limit_(limit) {}

media_files::upload::~upload() {
  if (fd_ >= 0)
    ::close(fd_);
  if (!stored_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

bool media_files::upload::write(std::string_view data) {
  if (over_limit_ || bytes_ + static_cast<std::int64_t>(data.size()) > limit_) {
    over_limit_ = true;
    return false;
  }
  if (head_.size() < 64)
    head_.append(data.substr(0, 64 - head_.size()));
  hash_.update(data);
  while (!data.empty()) {
    const auto n = ::write(fd_, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      throw std::runtime_error("cannot write the upload: " + std::string(std::strerror(errno)));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
    bytes_ += n;
  }
  return true;
}

std::string media_files::upload::finish() {
  if (::fsync(fd_) != 0)
    throw std::runtime_error("cannot flush the upload: " + std::string(std::strerror(errno)));
  ::close(fd_);
  fd_ = -1;
  sha256_ = hash_.finish();
  return sha256_;
}

std::string media_files::upload::store(std::string_view kind, std::string_view ext) {
  if (sha256_.empty())
    throw std::logic_error("upload::store before finish");
  const auto name = std::string(kind) + "/" + sha256_ + "." + std::string(ext);
  // Same content, same name: replacing an identical file is harmless.
  fs::rename(temp_, root_ / name);
  stored_ = true;
  sync_dir(root_ / kind);
  return name;
}

} // namespace tunemantra::persistence
