// Reading back what the SMTP sender's MIME builder writes, for its tests and its fuzz target:
// quoted-printable bodies (RFC 2045) and header text with "B" encoded words in UTF-8 (RFC 2047).
// Each answers nullopt for text the builder should never write.
#ifndef NOTIFY_TESTS_SUPPORT_MIME_READING_H_
#define NOTIFY_TESTS_SUPPORT_MIME_READING_H_

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace notify::testing {

// nullopt for an escape that is not "=" and two upper-case hex digits (or a soft break).
inline std::optional<std::string> DecodeQuotedPrintable(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out.push_back(text[i]);
      continue;
    }
    if (text.substr(i + 1, 2) == "\r\n") {
      i += 2;  // A soft break.
      continue;
    }
    const absl::string_view hex = text.substr(i + 1, 2);
    if (hex.size() != 2 || !absl::ascii_isxdigit(hex[0]) || !absl::ascii_isxdigit(hex[1]) ||
        absl::ascii_islower(hex[0]) || absl::ascii_islower(hex[1])) {
      return std::nullopt;
    }
    out += absl::HexStringToBytes(hex);
    i += 2;
  }
  return out;
}

// An unfolded header value with its encoded words decoded; whitespace between two adjacent encoded
// words is dropped, as RFC 2047 says. nullopt for an encoded word longer than 75 characters or
// whose text is not base64.
inline std::optional<std::string> DecodeEncodedWords(absl::string_view value) {
  std::string out;
  bool previous_encoded = false;
  std::string pending_space;
  while (!value.empty()) {
    if (value[0] == ' ' || value[0] == '\t') {
      pending_space.push_back(value[0]);
      value.remove_prefix(1);
      continue;
    }
    const absl::string_view word = value.substr(0, value.find_first_of(" \t"));
    value.remove_prefix(word.size());
    const bool encoded = absl::StartsWith(word, "=?UTF-8?B?") && absl::EndsWith(word, "?=");
    if (!(encoded && previous_encoded)) out += pending_space;
    pending_space.clear();
    if (encoded) {
      std::string decoded;
      if (word.size() > 75 || !absl::Base64Unescape(word.substr(10, word.size() - 12), &decoded)) {
        return std::nullopt;
      }
      out += decoded;
    } else {
      out.append(word.data(), word.size());
    }
    previous_encoded = encoded;
  }
  return out;
}

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_SUPPORT_MIME_READING_H_
