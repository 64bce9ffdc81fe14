// BuildMimeMessage and the address parsing: headers, RFC 2047 subjects, quoted-printable bodies,
// folding, CRLF, and no header injection.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/delivery/sender_internal.h"
#include "server/delivery/senders.h"
#include "tests/support/mime_reading.h"

namespace notify::delivery {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

struct Parsed {
  std::vector<std::string> header_lines;                    // As written, folded.
  std::vector<std::pair<std::string, std::string>> fields;  // Unfolded, value trimmed.
  std::string body;
};

Parsed Parse(const std::string& message, size_t start = 0) {
  Parsed parsed;
  const size_t end = message.find("\r\n\r\n", start);
  EXPECT_NE(end, std::string::npos) << message;
  const std::string head = message.substr(start, end - start);
  parsed.body = message.substr(end + 4);
  for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
    parsed.header_lines.emplace_back(line);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      EXPECT_FALSE(parsed.fields.empty());
      parsed.fields.back().second.append(line.data(), line.size());  // Unfolding drops the CRLF.
      continue;
    }
    const size_t colon = line.find(':');
    EXPECT_NE(colon, absl::string_view::npos) << "not a header line: " << line;
    parsed.fields.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  for (auto& field : parsed.fields) {
    field.second = std::string(absl::StripAsciiWhitespace(field.second));
  }
  return parsed;
}

std::vector<std::string> Values(const Parsed& parsed, absl::string_view name) {
  std::vector<std::string> out;
  for (const auto& [n, v] : parsed.fields) {
    if (absl::EqualsIgnoreCase(n, name)) out.push_back(v);
  }
  return out;
}

std::string Value(const Parsed& parsed, absl::string_view name) {
  std::vector<std::string> values = Values(parsed, name);
  EXPECT_EQ(values.size(), 1u) << name;
  return values.empty() ? "" : values[0];
}

// The shared readers (tests/support/mime_reading.h), failing the test on what they refuse.
std::string DecodeWords(absl::string_view value) {
  std::optional<std::string> decoded = ::notify::testing::DecodeEncodedWords(value);
  EXPECT_TRUE(decoded.has_value()) << value;
  return decoded.value_or("");
}

std::string DecodeQuotedPrintable(absl::string_view text) {
  std::optional<std::string> decoded = ::notify::testing::DecodeQuotedPrintable(text);
  EXPECT_TRUE(decoded.has_value()) << text;
  return decoded.value_or("");
}

// Every line ends with CRLF: no bare CR or LF.
void ExpectCrlfOnly(const std::string& message) {
  for (size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n') {
      ASSERT_TRUE(i > 0 && message[i - 1] == '\r') << "bare LF at " << i;
    }
    if (message[i] == '\r') {
      ASSERT_TRUE(i + 1 < message.size() && message[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  EXPECT_TRUE(absl::EndsWith(message, "\r\n"));
}

void ExpectLinesAtMost(absl::string_view text, size_t limit) {
  for (absl::string_view line : absl::StrSplit(text, "\r\n")) {
    EXPECT_LE(line.size(), limit) << line;
  }
}

EmailMessage Example() {
  EmailMessage message;
  message.from = "Acme <noreply@acme.example>";
  message.to = "jane@example.com";
  message.subject = "Your transfer";
  message.text = "Hello Jane";
  message.html = "<p>Hello Jane</p>";
  message.reference = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
  return message;
}

const absl::Time kDate = absl::FromUnixSeconds(1704164645);  // 2024-01-02 03:04:05 UTC, a Tuesday.

TEST(MimeTest, WritesTheHeadersAndTwoAlternativeParts) {
  const std::string message = BuildMimeMessage(Example(), kDate);
  ExpectCrlfOnly(message);
  const Parsed parsed = Parse(message);
  EXPECT_EQ(parsed.fields[0].first, "Date");
  EXPECT_EQ(Value(parsed, "Date"), "Tue, 02 Jan 2024 03:04:05 +0000");
  EXPECT_EQ(Value(parsed, "From"), "Acme <noreply@acme.example>");
  EXPECT_EQ(Value(parsed, "To"), "jane@example.com");
  EXPECT_EQ(Value(parsed, "Subject"), "Your transfer");
  EXPECT_EQ(Value(parsed, "Message-ID"), "<0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b@notify>");
  EXPECT_EQ(Value(parsed, "MIME-Version"), "1.0");
  const std::string type = Value(parsed, "Content-Type");
  ASSERT_THAT(type, StartsWith("multipart/alternative; boundary=\""));
  const std::string boundary =
      type.substr(type.find('"') + 1, type.rfind('"') - type.find('"') - 1);
  ASSERT_FALSE(boundary.empty());

  // Preamble, text/plain, text/html, closing delimiter.
  const std::vector<std::string> pieces =
      absl::StrSplit(parsed.body, absl::StrCat("\r\n--", boundary));
  ASSERT_EQ(pieces.size(), 4u) << parsed.body;
  EXPECT_EQ(pieces[3], "--\r\n");
  const Parsed text = Parse(pieces[1], 2);  // Skips the CRLF after the delimiter.
  EXPECT_EQ(Value(text, "Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(Value(text, "Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(DecodeQuotedPrintable(text.body), "Hello Jane");
  const Parsed html = Parse(pieces[2], 2);
  EXPECT_EQ(Value(html, "Content-Type"), "text/html; charset=UTF-8");
  EXPECT_EQ(DecodeQuotedPrintable(html.body), "<p>Hello Jane</p>");
}

TEST(MimeTest, BoundaryIsRandomAndNeverInTheBodies) {
  EmailMessage example = Example();
  example.text = "--=_notify_ looks like a boundary\n--\n=_";
  example.html = "<p>--=_notify_</p>";
  const std::string first = BuildMimeMessage(example, kDate);
  const std::string second = BuildMimeMessage(example, kDate);
  auto boundary_of = [](const std::string& message) {
    const std::string type = Value(Parse(message), "Content-Type");
    return type.substr(type.find('"') + 1, type.rfind('"') - type.find('"') - 1);
  };
  const std::string boundary = boundary_of(first);
  EXPECT_NE(boundary, boundary_of(second));
  // In the body, the boundary occurs only in its three delimiter lines.
  const Parsed parsed = Parse(first);
  const std::vector<std::string> pieces = absl::StrSplit(parsed.body, boundary);
  ASSERT_EQ(pieces.size(), 4u);
  const std::string text = Parse(pieces[1], 2).body;  // Ends with the next delimiter's "\r\n--".
  ASSERT_TRUE(absl::EndsWith(text, "\r\n--"));
  EXPECT_EQ(DecodeQuotedPrintable(text.substr(0, text.size() - 4)),
            "--=_notify_ looks like a boundary\r\n--\r\n=_");
}

TEST(MimeTest, NonAsciiSubjectIsEncodedAndRoundTrips) {
  EmailMessage example = Example();
  example.subject = "Café ✓ €10";
  const Parsed parsed = Parse(BuildMimeMessage(example, kDate));
  const std::string subject = Value(parsed, "Subject");
  EXPECT_THAT(subject, StartsWith("=?UTF-8?B?"));
  EXPECT_EQ(DecodeWords(subject), "Café ✓ €10");
}

TEST(MimeTest, LongSubjectsAreFolded) {
  std::string ascii;
  for (int i = 0; i < 40; ++i) absl::StrAppend(&ascii, "word", i, " ");
  ascii += "end";
  std::string utf8;
  for (int i = 0; i < 30; ++i) utf8 += "Crème brûlée ✓ ";
  utf8 += "fin";
  const std::string unbroken(200, 'x');  // No space to fold at: encoded words instead.
  for (const std::string& subject : {ascii, utf8, unbroken}) {
    EmailMessage example = Example();
    example.subject = subject;
    const std::string message = BuildMimeMessage(example, kDate);
    ExpectCrlfOnly(message);
    const Parsed parsed = Parse(message);
    for (const std::string& line : parsed.header_lines) EXPECT_LE(line.size(), 78u) << line;
    EXPECT_EQ(DecodeWords(Value(parsed, "Subject")), subject);
  }
  // A plain ASCII subject stays readable: folding only, no encoding.
  EmailMessage example = Example();
  example.subject = ascii;
  EXPECT_EQ(Value(Parse(BuildMimeMessage(example, kDate)), "Subject"), ascii);
}

TEST(MimeTest, QuotedPrintableEncodesLongLinesEqualsAndNonAscii) {
  EmailMessage example = Example();
  example.html.clear();
  example.text = std::string(300, 'a') + "\n" + "x = y and 1+1=2\r\n" + "naïve café ✓ €\n" +
                 "trailing space \n" + "tab\tinside";
  const std::string message = BuildMimeMessage(example, kDate);
  ExpectCrlfOnly(message);
  const Parsed parsed = Parse(message);
  const std::string body = parsed.body.substr(0, parsed.body.size() - 2);  // Final CRLF.
  ExpectLinesAtMost(body, 76);
  EXPECT_THAT(body, HasSubstr("x =3D y and 1+1=3D2\r\n"));
  EXPECT_THAT(body, HasSubstr("na=C3=AFve caf=C3=A9 =E2=9C=93 =E2=82=AC\r\n"));
  EXPECT_THAT(body, HasSubstr("trailing space=20\r\n"));
  EXPECT_THAT(body, HasSubstr("tab\tinside"));
  // Line breaks of any kind come out as CRLF.
  EXPECT_EQ(DecodeQuotedPrintable(body), std::string(300, 'a') + "\r\n" + "x = y and 1+1=2\r\n" +
                                             "naïve café ✓ €\r\n" + "trailing space \r\n" +
                                             "tab\tinside");
  // Encoded bytes are never split by a soft break.
  const std::string long_utf8 = [] {
    std::string s;
    for (int i = 0; i < 60; ++i) s += "é";
    return s;
  }();
  example.text = long_utf8;
  const Parsed utf8 = Parse(BuildMimeMessage(example, kDate));
  ExpectLinesAtMost(utf8.body, 76);
  EXPECT_EQ(DecodeQuotedPrintable(utf8.body.substr(0, utf8.body.size() - 2)), long_utf8);
}

TEST(MimeTest, CrLfInHeadersCannotAddHeaders) {
  EmailMessage example = Example();
  example.subject = "Hello\r\nBcc: victim@example.com\r\n\r\nbody";
  example.to = "jane@example.com\r\nBcc: victim@example.com";
  example.from = "\"Acme\r\nCc: x@example.com\" <noreply@acme.example>";
  const std::string message = BuildMimeMessage(example, kDate);
  ExpectCrlfOnly(message);
  const Parsed parsed = Parse(message);
  std::vector<std::string> names;
  for (const auto& [name, value] : parsed.fields) names.push_back(name);
  EXPECT_THAT(names, ::testing::ElementsAre("Date", "From", "To", "Subject", "Message-ID",
                                            "MIME-Version", "Content-Type"));
  for (const std::string& line : parsed.header_lines) {
    EXPECT_THAT(line, Not(StartsWith("Bcc"))) << line;
    EXPECT_THAT(line, Not(StartsWith("Cc"))) << line;
  }
  EXPECT_EQ(DecodeWords(Value(parsed, "Subject")), "Hello  Bcc: victim@example.com    body");
}

TEST(MimeTest, OnePartWhenOnlyOneBodyAndEmptyTextWhenNone) {
  EmailMessage example = Example();
  example.html.clear();
  Parsed parsed = Parse(BuildMimeMessage(example, kDate));
  EXPECT_EQ(Value(parsed, "Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(Value(parsed, "Content-Transfer-Encoding"), "quoted-printable");
  EXPECT_EQ(parsed.body, "Hello Jane\r\n");

  example = Example();
  example.text.clear();
  parsed = Parse(BuildMimeMessage(example, kDate));
  EXPECT_EQ(Value(parsed, "Content-Type"), "text/html; charset=UTF-8");
  EXPECT_EQ(parsed.body, "<p>Hello Jane</p>\r\n");

  example.html.clear();
  parsed = Parse(BuildMimeMessage(example, kDate));
  EXPECT_EQ(Value(parsed, "Content-Type"), "text/plain; charset=UTF-8");
  EXPECT_EQ(parsed.body, "\r\n");
}

TEST(MimeTest, MessageIdIsAlwaysValid) {
  auto id_of = [](absl::string_view reference) {
    EmailMessage example = Example();
    example.reference = std::string(reference);
    return Value(Parse(BuildMimeMessage(example, kDate)), "Message-ID");
  };
  auto valid = [](const std::string& id) {
    if (!absl::StartsWith(id, "<") || !absl::EndsWith(id, "@notify>") || id.size() < 10) {
      return false;
    }
    for (char c : id.substr(1, id.size() - 9)) {
      if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') return false;
    }
    return true;
  };
  EXPECT_EQ(id_of("abc-123"), "<abc-123@notify>");
  const std::string empty1 = id_of(""), empty2 = id_of("");
  EXPECT_TRUE(valid(empty1)) << empty1;
  EXPECT_NE(empty1, empty2);
  const std::string odd = id_of("a b<c>@d\r\n");
  EXPECT_TRUE(valid(odd)) << odd;
  EXPECT_EQ(odd, id_of("a b<c>@d\r\n"));  // Stable across retries of one delivery.
}

TEST(MimeTest, DisplayNamesAreEncodedOrQuoted) {
  EmailMessage example = Example();
  example.from = "Café Ünïcode <noreply@acme.example>";
  example.to = "Doe, Jane <jane@example.com>";
  const Parsed parsed = Parse(BuildMimeMessage(example, kDate));
  const std::string from = Value(parsed, "From");
  EXPECT_THAT(from, StartsWith("=?UTF-8?B?"));
  EXPECT_EQ(DecodeWords(from), "Café Ünïcode <noreply@acme.example>");
  EXPECT_EQ(Value(parsed, "To"), "\"Doe, Jane\" <jane@example.com>");
}

TEST(MailAddressTest, ParsesAndRejects) {
  auto parsed = internal::ParseMailAddress("  Acme Inc <noreply@acme.example> ");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->name, "Acme Inc");
  EXPECT_EQ(parsed->address, "noreply@acme.example");
  parsed = internal::ParseMailAddress("\"Doe, \\\"J\\\"\" <j@x.io>");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->name, "Doe, \"J\"");
  EXPECT_TRUE(internal::ParseMailAddress("a.b+c@sub.example.com").has_value());
  for (const char* bad : {"", "plain", "@x.io", "a@", "a@@x.io", "a@b@x.io", "a b@x.io",
                          "a@x.io\r\nBcc: b@y.io", "a@x.io, b@y.io", "<a@x.io", "Name <>",
                          "a@.x.io", "a@x..io", "a\x01@x.io", "jos\xc3\xa9@x.io"}) {
    EXPECT_FALSE(internal::ParseMailAddress(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace notify::delivery
