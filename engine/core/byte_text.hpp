// Text that arrives as bytes: file names, and strings from plugin libraries and packs. Neither is
// promised to be UTF-8 or free of control characters, so nothing may print or serialise them
// as they are.
#pragma once

#include <string>
#include <string_view>

namespace hearth {

/// Whether `bytes` is well-formed UTF-8 (no overlong forms, surrogates or code points past
/// U+10FFFF).
bool is_utf8(std::string_view bytes);

/// `bytes` safe to print on one line: valid UTF-8 stays, a backslash doubles, newline and tab
/// become \n and \t, and any other control character or invalid byte becomes \xNN.
std::string printable(std::string_view bytes);

/// `bytes` as it is when it is UTF-8 (JSON escapes control characters itself), else printable():
/// what a JSON document can hold.
std::string json_text(std::string_view bytes);

}  // namespace hearth
