#include "acs/model.hpp"

#include <chrono>
#include <cstdio>

#include <algorithm>
#include <array>
#include <utility>

namespace acs {

namespace {

constexpr std::array<std::pair<TaskType, std::string_view>, 18> kTaskNames = {{
    {TaskType::kGetParameterValues, "getParameterValues"},
    {TaskType::kSetParameterValues, "setParameterValues"},
    {TaskType::kGetParameterNames, "getParameterNames"},
    {TaskType::kGetParameterAttributes, "getParameterAttributes"},
    {TaskType::kSetParameterAttributes, "setParameterAttributes"},
    {TaskType::kAddObject, "addObject"},
    {TaskType::kDeleteObject, "deleteObject"},
    {TaskType::kRefreshObject, "refreshObject"},
    {TaskType::kReboot, "reboot"},
    {TaskType::kFactoryReset, "factoryReset"},
    {TaskType::kDownload, "download"},
    {TaskType::kUpload, "upload"},
    {TaskType::kScheduleInform, "scheduleInform"},
    {TaskType::kScheduleDownload, "scheduleDownload"},
    {TaskType::kCancelTransfer, "cancelTransfer"},
    {TaskType::kGetRPCMethods, "getRPCMethods"},
    {TaskType::kGetQueuedTransfers, "getQueuedTransfers"},
    {TaskType::kGetAllQueuedTransfers, "getAllQueuedTransfers"},
}};

constexpr std::array<std::pair<TaskState, std::string_view>, 5> kStateNames = {{
    {TaskState::kQueued, "queued"},
    {TaskState::kSent, "sent"},
    {TaskState::kDone, "done"},
    {TaskState::kFault, "fault"},
    {TaskState::kExpired, "expired"},
}};

template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E e) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "unknown";
}

template <typename E, std::size_t N>
std::optional<E> value_of(const std::array<std::pair<E, std::string_view>, N>& table,
                          std::string_view name) {
  for (const auto& [value, n] : table) {
    if (n == name) return value;
  }
  return std::nullopt;
}

bool has_event(const std::vector<cwmp::EventStruct>& events, std::string_view code) {
  return std::any_of(events.begin(), events.end(),
                     [&](const cwmp::EventStruct& e) { return e.event_code == code; });
}

}  // namespace

std::string_view to_string(TaskType type) {
  return name_of(kTaskNames, type);
}
std::optional<TaskType> parse_task_type(std::string_view name) {
  return value_of(kTaskNames, name);
}
std::string_view to_string(TaskState state) {
  return name_of(kStateNames, state);
}
std::optional<TaskState> parse_task_state(std::string_view name) {
  return value_of(kStateNames, name);
}

bool InformRecord::bootstrap() const {
  return has_event(events, "0 BOOTSTRAP");
}
bool InformRecord::boot() const {
  return has_event(events, "1 BOOT");
}

std::string format_iso_time(Millis ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> t{milliseconds{ms}};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> hms{t - day};
  char buffer[96];  // room for any value the types can hold: -Wformat-truncation at -Os
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<long long>(hms.hours().count()),
                static_cast<long long>(hms.minutes().count()),
                static_cast<long long>(hms.seconds().count()),
                static_cast<long long>(hms.subseconds().count()));
  return buffer;
}

}  // namespace acs
