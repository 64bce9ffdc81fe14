// Fuzzes the MIME message the SMTP sender builds: whatever the addresses, subject and bodies (a
// template may put anything there), the message is 7-bit, its lines end in CRLF and stay within
// RFC 5322's 998 characters, its header holds exactly the fields it should (no text can add one),
// and the subject and both bodies decode back to what was given.
//
// Input: from, to, subject, text and html, separated by NUL bytes (missing ones are empty).
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "server/delivery/sender_internal.h"
#include "server/delivery/senders.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/support/mime_reading.h"

namespace {

using notify::fuzz::Require;

void Check(bool holds, const char* what) { Require(holds, what, absl::OkStatus()); }

// Every line break made a CRLF, as the message's bodies carry them.
std::string CrlfLines(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += "\r\n";
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

// What the readers make of `text`; a failed check when they refuse it.
std::string Decoded(std::optional<std::string> decoded, const char* what) {
  Check(decoded.has_value(), what);
  return *decoded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string> fields = absl::StrSplit(
      absl::string_view(reinterpret_cast<const char*>(data), size), absl::MaxSplits('\0', 4));
  auto field = [&](size_t i) { return i < fields.size() ? fields[i] : std::string(); };
  notify::delivery::EmailMessage message;
  message.from = field(0);
  message.to = field(1);
  message.subject = field(2);
  message.text = field(3);
  message.html = field(4);
  message.reference = "0192a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  const std::string mime = notify::delivery::BuildMimeMessage(message, absl::FromUnixSeconds(0));

  // Lines: 7-bit, CRLF, at most 998 characters.
  std::vector<absl::string_view> lines;
  size_t start = 0;
  while (start < mime.size()) {
    const size_t end = mime.find("\r\n", start);
    Check(end != std::string::npos, "the message ends with CRLF");
    lines.push_back(absl::string_view(mime).substr(start, end - start));
    start = end + 2;
  }
  for (absl::string_view line : lines) {
    Check(line.size() <= 998, "no line is longer than 998 characters");
    for (char c : line) {
      const auto byte = static_cast<unsigned char>(c);
      Check(byte < 0x80 && c != '\r' && c != '\n' && c != '\0', "lines are 7-bit text");
    }
  }

  // The header: known fields, each top-level one once, unfolded.
  std::map<std::string, std::string> header;
  size_t body = 0;
  std::string last;
  for (; body < lines.size() && !lines[body].empty(); ++body) {
    const absl::string_view line = lines[body];
    if (line[0] == ' ' || line[0] == '\t') {
      Check(!last.empty(), "a folded line continues a field");
      header[last] += std::string(line);
      continue;
    }
    const size_t colon = line.find(':');
    Check(colon != absl::string_view::npos, "a header line is a field");
    last = std::string(line.substr(0, colon));
    Check(last == "Date" || last == "From" || last == "To" || last == "Subject" ||
              last == "Message-ID" || last == "MIME-Version" || last == "Content-Type" ||
              last == "Content-Transfer-Encoding",
          "the header has only the fields the sender writes");
    Check(header.count(last) == 0, "each field once");
    header[last] = std::string(line.substr(colon + 1));
  }
  Check(body < lines.size(), "a blank line ends the header");
  for (const char* name : {"Date", "From", "To", "Subject", "Message-ID", "MIME-Version"}) {
    Check(header.count(name) == 1, "every field the sender writes is there");
  }
  const std::string subject = notify::delivery::internal::OneLine(message.subject);
  const std::string& subject_field = header["Subject"];
  Check(subject.empty()
            ? subject_field.empty()
            : absl::StartsWith(subject_field, " ") &&
                  Decoded(notify::testing::DecodeEncodedWords(subject_field.substr(1)),
                          "the subject's encoded words are base64, 75 at most") == subject,
        "the subject decodes to the subject given, on one line");

  // The bodies decode to the text and HTML given.
  const std::string rest = mime.substr(mime.find("\r\n\r\n") + 4);
  const bool single = message.text.empty() || message.html.empty();
  if (single) {
    Check(absl::EndsWith(rest, "\r\n"), "the body ends with CRLF");
    const std::string& given = message.html.empty() ? message.text : message.html;
    Check(Decoded(notify::testing::DecodeQuotedPrintable(
                      absl::string_view(rest).substr(0, rest.size() - 2)),
                  "quoted-printable escapes are two upper-case hex digits") == CrlfLines(given),
          "the one body decodes to what was given");
    return 0;
  }
  const std::string& type = header["Content-Type"];
  const size_t b = type.find("boundary=\"");
  Check(b != std::string::npos, "a multipart message names its boundary");
  const std::string boundary = type.substr(b + 10, type.size() - b - 11);
  const std::vector<std::string> parts =
      absl::StrSplit(rest, absl::StrCat("\r\n--", boundary), absl::SkipEmpty());
  Check(parts.size() == 4 && parts[3] == "--\r\n",
        "a preamble, two parts and the closing boundary");
  const std::string* bodies[] = {&message.text, &message.html};
  for (int i = 0; i < 2; ++i) {
    const std::string& part = parts[i + 1];
    const size_t blank = part.find("\r\n\r\n");
    Check(blank != std::string::npos, "each part has its header");
    Check(
        Decoded(notify::testing::DecodeQuotedPrintable(absl::string_view(part).substr(blank + 4)),
                "quoted-printable escapes are two upper-case hex digits") == CrlfLines(*bodies[i]),
        "each part decodes to what was given");
  }
  return 0;
}
