#include "engine/core/utc_timestamp.hpp"

#include <ctime>
#include <iomanip>
#include <sstream>

namespace hearth {
namespace {

std::string now_as(const char* format, bool utc) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  if (utc) gmtime_r(&t, &tm);
  else localtime_r(&t, &tm);
  std::ostringstream os;
  os << std::put_time(&tm, format);
  return os.str();
}

}  // namespace

std::string utc_timestamp() { return now_as("%Y-%m-%dT%H:%M:%SZ", true); }

std::string folder_time_stamp() { return now_as("%Y%m%d-%H%M%S", false); }

}  // namespace hearth
