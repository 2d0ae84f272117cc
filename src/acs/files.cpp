#include "acs/files.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

namespace acs {

namespace {

std::string digest_hex(const EVP_MD* md, std::string_view bytes) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), out, &length,
                 md, nullptr) != 1) {
    throw std::runtime_error("digest failed");
  }
  // Lowercase, as sha256sum/md5sum print it and store::FileInfo documents.
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex += kDigits[out[i] >> 4];
    hex += kDigits[out[i] & 0xf];
  }
  return hex;
}

[[noreturn]] void io_error(const std::string& what, const std::filesystem::path& path) {
  throw std::system_error(errno, std::generic_category(), what + " " + path.string());
}

// Writes the whole buffer and fsyncs it, so that the rename that follows publishes
// complete bytes even after a power cut.
void write_durably(const std::filesystem::path& path, std::string_view bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) io_error("open", path);
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      errno = saved;
      io_error("write", path);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    const int saved = errno;
    ::close(fd);
    errno = saved;
    io_error("fsync", path);
  }
  ::close(fd);
}

void sync_directory(const std::filesystem::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: the data itself is synced
  ::fsync(fd);
  ::close(fd);
}

void check_name(std::string_view name) {
  if (name.empty() || name.size() > 255) {
    throw std::invalid_argument("a file name has 1 to 255 bytes");
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f)
      throw std::invalid_argument("a file name holds no control character");
  }
}

}  // namespace

FileRepository::FileRepository(store::Store& store, std::filesystem::path directory)
    : store_(store), directory_(std::move(directory)) {
  std::filesystem::create_directories(directory_);
}

store::FileInfo FileRepository::put(std::string_view name, std::string_view bytes,
                                    const FileMetadata& metadata, std::string_view device_id,
                                    Millis now) {
  check_name(name);
  store::FileInfo info;
  info.name = std::string(name);
  info.file_type = metadata.file_type;
  info.oui = metadata.oui;
  info.product_class = metadata.product_class;
  info.version = metadata.version;
  info.size = bytes.size();
  info.md5 = digest_hex(EVP_md5(), bytes);
  info.sha256 = digest_hex(EVP_sha256(), bytes);
  info.uploaded = now;
  info.device_id = std::string(device_id);
  // Stored by content: names may hold any character, and a replaced file's old bytes stay
  // readable to a download already running until the new metadata points elsewhere.
  info.storage = info.sha256;
  const std::filesystem::path final_path = directory_ / info.storage;
  if (!std::filesystem::exists(final_path)) {
    static std::atomic<std::uint64_t> counter{0};
    const std::filesystem::path temp =
        directory_ / (info.storage + "." + std::to_string(++counter) + ".tmp");
    write_durably(temp, bytes);
    std::filesystem::rename(temp, final_path);
    sync_directory(directory_);
  }
  const std::optional<store::FileInfo> old = store_.get_file(name);
  store_.put_file(info);
  if (old && old->storage != info.storage) remove_unreferenced(old->storage);
  return info;
}

std::optional<store::FileInfo> FileRepository::get(std::string_view name) {
  return store_.get_file(name);
}

bool FileRepository::remove(std::string_view name) {
  const std::optional<store::FileInfo> old = store_.get_file(name);
  if (!old || !store_.delete_file(name)) return false;
  remove_unreferenced(old->storage);
  return true;
}

std::vector<store::FileInfo> FileRepository::list() {
  return store_.list_files();
}

std::filesystem::path FileRepository::path_of(const store::FileInfo& file) const {
  return directory_ / file.storage;
}

// Bytes are shared by files with the same content: delete them only when no file uses them.
void FileRepository::remove_unreferenced(const std::string& storage) {
  for (const store::FileInfo& f : store_.list_files()) {
    if (f.storage == storage) return;
  }
  std::error_code ignored;
  std::filesystem::remove(directory_ / storage, ignored);
}

}  // namespace acs
