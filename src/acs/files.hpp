// The ACS's files: firmware images and configuration files the operator puts through the
// NBI, and files CPEs upload (Upload RPC). Bytes live under one directory of the data
// dir, metadata (type, applicability, size, md5, sha256) in the store. FileService is the
// HTTP handler of the file listener (default 0.0.0.0:7567) that serves them to CPEs.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "acs/model.hpp"
#include "net/http_server.hpp"
#include "store/store.hpp"

namespace acs {

class Metrics;

struct FileMetadata {
  std::string file_type;  // "1 Firmware Upgrade Image", "3 Vendor Configuration File", ...
  std::string oui;
  std::string product_class;
  std::string version;
};

// Blocking (disk and store I/O): call it off the event loop.
class FileRepository {
 public:
  FileRepository(store::Store& store, std::filesystem::path directory);

  // Stores `bytes` under `name` (a new file or a replacement): written to a temporary file,
  // fsynced, renamed into place, then the metadata (with size, md5, sha256) recorded. A
  // crash leaves either the old file or the new one. Throws std::runtime_error on I/O
  // failure and std::invalid_argument on a name that is empty, longer than 255 bytes or
  // holds a control character.
  store::FileInfo put(std::string_view name, std::string_view bytes, const FileMetadata& metadata,
                      std::string_view device_id, Millis now);
  std::optional<store::FileInfo> get(std::string_view name);
  bool remove(std::string_view name);
  std::vector<store::FileInfo> list();
  // Where the bytes of a file are on disk.
  std::filesystem::path path_of(const store::FileInfo& file) const;

 private:
  void remove_unreferenced(const std::string& storage);

  store::Store& store_;
  std::filesystem::path directory_;
};

struct FileServiceOptions {
  // Optional HTTP Basic/Digest protection of downloads; empty = open (TR-069 lets the ACS
  // hand the CPE a Username/Password in the Download RPC).
  std::string username;
  std::string password;
  std::string realm = "cwmp-acs-files";
  // With credentials set: also accept Basic (the password travels in clear without TLS, but
  // many CPEs' download clients know nothing else). false: Digest only.
  bool allow_basic = true;
  // Largest upload accepted from a CPE (the listener's body limit must allow it).
  std::uint64_t max_upload_bytes = 64 * 1024 * 1024;
  // Backup retention: the uploads kept per device. After a new upload is stored, the
  // device's oldest uploads beyond this many are deleted (store entry and bytes). 0 = keep
  // every upload.
  std::size_t backup_retention = 5;
};

// GET/HEAD /<percent-encoded name> (Range, If-None-Match, If-Range), bodies streamed from
// disk; PUT/POST /upload/<device id>/<name>[?fileType=...] for CPE uploads, stored under the
// name "upload/<device id>/<name>" (so served back at the same URL), keeping the newest
// FileServiceOptions::backup_retention uploads per device. See docs/files.md.
class FileService {
 public:
  FileService(FileRepository& files, boost::asio::any_io_executor blocking_executor,
              FileServiceOptions options, Metrics* metrics = nullptr);
  ~FileService();
  boost::asio::awaitable<net::Response> handle(net::Request& request,
                                               const net::ConnectionInfo& connection);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace acs
