#include "gateway/rest/url.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"

namespace notify::gateway {
namespace {

int Hex(char c) { return absl::ascii_isdigit(c) ? c - '0' : absl::ascii_tolower(c) - 'a' + 10; }

// Whether `text` is UTF-8 as RFC 3629 has it: no overlong forms, no surrogates, nothing past
// U+10FFFF. Protobuf refuses to send string fields that are not (and the server to read them).
bool IsUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    const size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (length == 0 || c > 0xF4 || i + length > text.size()) return false;
    char32_t code = c & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    const char32_t least = length == 2 ? 0x80 : length == 3 ? 0x800 : 0x10000;
    if (code < least || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

}  // namespace

std::optional<std::string> PercentDecode(absl::string_view in, bool query) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (query && in[i] == '+') {
      out.push_back(' ');
    } else if (in[i] != '%') {
      out.push_back(in[i]);
    } else if (i + 2 < in.size() && absl::ascii_isxdigit(in[i + 1]) &&
               absl::ascii_isxdigit(in[i + 2])) {
      out.push_back(static_cast<char>(Hex(in[i + 1]) * 16 + Hex(in[i + 2])));
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  if (!IsUtf8(out)) return std::nullopt;
  return out;
}

std::string PercentEncode(absl::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (unsigned char c : in) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> QueryOf(absl::string_view target) {
  std::vector<std::pair<std::string, std::string>> params;
  const size_t q = target.find('?');
  if (q == absl::string_view::npos) return params;
  for (absl::string_view part : absl::StrSplit(target.substr(q + 1), '&', absl::SkipEmpty())) {
    const size_t eq = part.find('=');
    std::optional<std::string> name = PercentDecode(part.substr(0, eq), true);
    std::optional<std::string> value =
        eq == absl::string_view::npos ? std::string() : PercentDecode(part.substr(eq + 1), true);
    if (!name.has_value() || !value.has_value()) return std::nullopt;
    params.emplace_back(*std::move(name), *std::move(value));
  }
  return params;
}

}  // namespace notify::gateway
