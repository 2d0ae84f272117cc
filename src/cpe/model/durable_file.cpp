// Crash-safe files: see durable_file.hpp.
#include "cpe/model/durable_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace cpe::model {

namespace {

std::string describe(const char* what, const std::filesystem::path& path) {
  return std::string(what) + " " + path.string() + ": " + std::strerror(errno);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  // Closes now and reports the error close() may carry (a delayed write error).
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }

 private:
  int fd_;
};

bool fsync_directory(const std::filesystem::path& file, std::string& error) {
  std::filesystem::path dir = file.parent_path();
  if (dir.empty()) dir = ".";
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) {
    error = describe("open", dir);
    return false;
  }
  if (::fsync(fd.get()) != 0) {
    error = describe("fsync", dir);
    return false;
  }
  return true;
}

}  // namespace

ReadStatus read_whole_file(const std::filesystem::path& path, std::size_t max_bytes,
                           std::string& out, std::string& error) {
  out.clear();
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return ReadStatus::kMissing;
    error = describe("open", path);
    return ReadStatus::kError;
  }
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = describe("read", path);
      return ReadStatus::kError;
    }
    if (n == 0) return ReadStatus::kOk;
    if (out.size() + static_cast<std::size_t>(n) > max_bytes) {
      error = path.string() + " is larger than " + std::to_string(max_bytes) + " bytes";
      return ReadStatus::kError;
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

bool write_file_durably(const std::filesystem::path& path, std::string_view data,
                        std::string& error) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) {
      error = describe("open", tmp);
      return false;
    }
    std::size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error = describe("write", tmp);
        return false;
      }
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) {
      error = describe("fsync", tmp);
      return false;
    }
    if (!fd.close()) {
      error = describe("close", tmp);
      return false;
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    error = describe("rename", tmp);
    return false;
  }
  return fsync_directory(path, error);
}

bool remove_file_durably(const std::filesystem::path& path, std::string& error) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    error = describe("unlink", path);
    return false;
  }
  return fsync_directory(path, error);
}

}  // namespace cpe::model
