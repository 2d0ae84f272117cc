// Crash-safe files for the model's state (issue 4 §7): a write either leaves the old
// contents or the new ones, never a mix, and is on disk when the call returns.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace cpe::model {

enum class ReadStatus { kOk, kMissing, kError };

// Reads the whole file into `out` (at most `max_bytes`; a larger file is an error).
ReadStatus read_whole_file(const std::filesystem::path& path, std::size_t max_bytes,
                           std::string& out, std::string& error);

// Writes `data` to "<path>.tmp", fsyncs it, renames it over `path` and fsyncs the directory,
// so that after a crash (kill -9, power loss) `path` holds either the old or the new data.
bool write_file_durably(const std::filesystem::path& path, std::string_view data,
                        std::string& error);

// Removes `path` (absent is fine) and fsyncs the directory.
bool remove_file_durably(const std::filesystem::path& path, std::string& error);

}  // namespace cpe::model
