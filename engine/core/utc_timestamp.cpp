#include "engine/core/utc_timestamp.hpp"

#include <ctime>
#include <iomanip>
#include <sstream>

namespace hearth {

std::string utc_timestamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::ostringstream os;
  os << std::put_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  return os.str();
}

}  // namespace hearth
