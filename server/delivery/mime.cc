// The RFC 5322 / MIME message SmtpMailer sends, and the address parsing the senders share.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "server/common/crypto.h"
#include "server/delivery/sender_internal.h"
#include "server/delivery/senders.h"

namespace notify::delivery {
namespace internal {

std::string OneLine(absl::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = ' ';
  }
  return std::string(absl::StripAsciiWhitespace(out));
}

std::optional<MailAddress> ParseMailAddress(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  // Control characters (CR and LF above all) have no business in an address, display name
  // included.
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return std::nullopt;
  }
  MailAddress parsed;
  absl::string_view address = text;
  if (absl::EndsWith(text, ">")) {
    const size_t open = text.rfind('<');
    if (open == absl::string_view::npos) return std::nullopt;
    address = text.substr(open + 1, text.size() - open - 2);
    absl::string_view name = absl::StripAsciiWhitespace(text.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
      // Undo quoted-pair escapes.
      std::string unquoted;
      for (size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) ++i;
        unquoted.push_back(name[i]);
      }
      parsed.name = OneLine(unquoted);
    } else {
      parsed.name = OneLine(name);
    }
  }
  if (address.empty() || address.size() > 254) return std::nullopt;
  for (char c : address) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) return std::nullopt;  // Controls, space, non-ASCII.
    if (absl::string_view("<>()[]\\,;:\"").find(c) != absl::string_view::npos) return std::nullopt;
  }
  const size_t at = address.find('@');
  if (at == absl::string_view::npos || at == 0 || at + 1 == address.size() ||
      address.find('@', at + 1) != absl::string_view::npos) {
    return std::nullopt;
  }
  const absl::string_view domain = address.substr(at + 1);
  if (domain.front() == '.' || domain.back() == '.' || absl::StrContains(domain, "..")) {
    return std::nullopt;
  }
  parsed.address = std::string(address);
  return parsed;
}

}  // namespace internal

namespace {

constexpr size_t kMaxHeaderLine = 78;   // RFC 5322's recommended limit, CRLF excluded.
constexpr size_t kMaxEncodedWord = 75;  // RFC 2047.
constexpr absl::string_view kEncodedWordStart = "=?UTF-8?B?";
constexpr absl::string_view kEncodedWordEnd = "?=";

// One header field, folded (CRLF + space before a token) so that no line exceeds 78 characters.
class HeaderField {
 public:
  explicit HeaderField(absl::string_view name) : text_(absl::StrCat(name, ":")) {
    column_ = text_.size();
  }

  size_t column() const { return column_; }
  bool at_line_start() const { return line_start_; }

  // Appends " token", folding first when the line would grow too long (unless it was just
  // folded, when folding again would not help).
  void Add(absl::string_view token) {
    if (!line_start_ && column_ + 1 + token.size() > kMaxHeaderLine) Fold();
    absl::StrAppend(&text_, " ", token);
    column_ += 1 + token.size();
    line_start_ = false;
  }

  void Fold() {
    text_ += "\r\n";
    column_ = 0;
    line_start_ = true;
  }

  std::string Finish() && { return std::move(text_) + "\r\n"; }

 private:
  std::string text_;
  size_t column_ = 0;
  bool line_start_ = false;  // Nothing added since the last fold.
};

// Appends `text` to `field` as RFC 2047 "B" encoded words, each cut at a UTF-8 character boundary
// and sized to fit the line it lands on.
void AddEncodedWords(HeaderField& field, absl::string_view text) {
  const size_t overhead = kEncodedWordStart.size() + kEncodedWordEnd.size();
  // Room for base64 on the current line after " =?UTF-8?B?" and before "?=".
  auto room = [&] {
    const size_t used = field.column() + 1 + overhead;
    const size_t left = used < kMaxHeaderLine ? kMaxHeaderLine - used : 0;
    return std::min(kMaxEncodedWord - overhead, left);
  };
  while (!text.empty()) {
    if (room() < 8 && !field.at_line_start()) field.Fold();
    size_t take = std::min(text.size(), room() / 4 * 3);
    // Do not split a multi-byte character (continuation bytes are 10xxxxxx); malformed UTF-8
    // (a run of continuation bytes) is cut anywhere.
    size_t cut = take;
    while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    if (cut > 0) take = cut;
    field.Add(
        absl::StrCat(kEncodedWordStart, absl::Base64Escape(text.substr(0, take)), kEncodedWordEnd));
    text.remove_prefix(take);
  }
}

// Whether `text` can go into a header as is: printable ASCII, and nothing a reader could take for
// an encoded word.
bool IsPlainHeaderText(absl::string_view text) {
  for (char c : text) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return !absl::StrContains(text, "=?");
}

// Unstructured text (the subject): words folded at spaces when plain, encoded words otherwise.
void AddUnstructured(HeaderField& field, absl::string_view text) {
  if (text.empty()) return;
  if (IsPlainHeaderText(text)) {
    const std::vector<absl::string_view> words = absl::StrSplit(text, ' ');
    bool fits = true;
    for (absl::string_view word : words) fits = fits && word.size() + 1 <= kMaxHeaderLine;
    if (fits) {
      // Splitting at every single space keeps runs of spaces (empty words) on unfolding.
      for (absl::string_view word : words) field.Add(word);
      return;
    }
  }
  AddEncodedWords(field, text);
}

// A display name as atoms, a quoted string, or encoded words.
void AddDisplayName(HeaderField& field, absl::string_view name) {
  if (!IsPlainHeaderText(name)) {
    AddEncodedWords(field, name);
    return;
  }
  bool atoms = true;
  for (char c : name) {
    atoms = atoms && (absl::ascii_isalnum(c) || c == ' ' ||
                      absl::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != absl::string_view::npos);
  }
  if (atoms) {
    for (absl::string_view word : absl::StrSplit(name, ' ', absl::SkipEmpty())) field.Add(word);
    return;
  }
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  field.Add(quoted);
}

std::string AddressField(absl::string_view name, absl::string_view value) {
  HeaderField field(name);
  std::optional<internal::MailAddress> address = internal::ParseMailAddress(value);
  if (!address.has_value()) {
    // The senders refuse such addresses before building a message; still, never let one break
    // the header.
    AddUnstructured(field, internal::OneLine(value));
  } else if (address->name.empty()) {
    field.Add(address->address);
  } else {
    AddDisplayName(field, address->name);
    field.Add(absl::StrCat("<", address->address, ">"));
  }
  return std::move(field).Finish();
}

std::string DateField(absl::Time date) {
  static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const absl::CivilSecond t = absl::ToCivilSecond(date, absl::UTCTimeZone());
  return absl::StrFormat("Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
                         kDays[static_cast<int>(absl::GetWeekday(t))], t.day(),
                         kMonths[t.month() - 1], t.year(), t.hour(), t.minute(), t.second());
}

// "<id@notify>": the reference when it is a safe dot-atom, a digest of it otherwise (stable
// across retries of one delivery), random when there is none.
std::string MessageIdField(absl::string_view reference) {
  bool safe = !reference.empty() && reference.size() <= 128 && reference.front() != '.' &&
              reference.back() != '.' && !absl::StrContains(reference, "..");
  for (char c : reference) {
    safe = safe && (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.');
  }
  std::string id;
  if (safe) {
    id = std::string(reference);
  } else if (!reference.empty()) {
    id = HexEncode(Sha256(reference)).substr(0, 32);
  } else {
    id = RandomToken(32);
  }
  return absl::StrCat("Message-ID: <", id, "@notify>\r\n");
}

// RFC 2045 quoted-printable. Any line break in `text` (CRLF, LF or a lone CR) becomes a CRLF hard
// break; encoded lines stay within 76 characters with soft breaks.
std::string QuotedPrintable(absl::string_view text) {
  constexpr size_t kMaxLine = 75;  // Leaves room for the "=" of a soft break.
  std::string out;
  size_t column = 0;
  auto emit = [&](absl::string_view piece) {
    if (column + piece.size() > kMaxLine) {
      out += "=\r\n";
      column = 0;
    }
    out.append(piece.data(), piece.size());
    column += piece.size();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += "\r\n";
      column = 0;
      continue;
    }
    const bool line_end = i + 1 == text.size() || text[i + 1] == '\r' || text[i + 1] == '\n';
    const auto byte = static_cast<unsigned char>(c);
    if ((byte >= 33 && byte <= 126 && c != '=') || ((c == ' ' || c == '\t') && !line_end)) {
      emit(absl::string_view(&c, 1));
    } else {
      emit(absl::StrFormat("=%02X", byte));  // Trailing whitespace too: transports strip it.
    }
  }
  return out;
}

std::string PartHeaders(absl::string_view type) {
  return absl::StrCat("Content-Type: ", type,
                      "; charset=UTF-8\r\n"
                      "Content-Transfer-Encoding: quoted-printable\r\n");
}

}  // namespace

std::string BuildMimeMessage(const EmailMessage& message, absl::Time date) {
  std::string out = DateField(date);
  out += AddressField("From", message.from);
  out += AddressField("To", message.to);
  HeaderField subject("Subject");
  AddUnstructured(subject, internal::OneLine(message.subject));
  out += std::move(subject).Finish();
  out += MessageIdField(message.reference);
  out += "MIME-Version: 1.0\r\n";

  if (message.text.empty() || message.html.empty()) {
    const bool html = !message.html.empty();
    absl::StrAppend(&out, PartHeaders(html ? "text/html" : "text/plain"), "\r\n",
                    QuotedPrintable(html ? message.html : message.text), "\r\n");
    return out;
  }

  const std::string text = QuotedPrintable(message.text);
  const std::string html = QuotedPrintable(message.html);
  // "=_" never occurs in quoted-printable output, so the boundary cannot collide with a body;
  // the check below is belt and braces.
  std::string boundary;
  do {
    boundary = absl::StrCat("=_notify_", RandomToken(24));
  } while (absl::StrContains(text, boundary) || absl::StrContains(html, boundary));
  absl::StrAppend(&out, "Content-Type: multipart/alternative;\r\n boundary=\"", boundary, "\"\r\n",
                  "\r\n",
                  "This is a multi-part message in MIME format.\r\n",  // For non-MIME readers.
                  "--", boundary, "\r\n", PartHeaders("text/plain"), "\r\n", text, "\r\n",  //
                  "--", boundary, "\r\n", PartHeaders("text/html"), "\r\n", html, "\r\n",   //
                  "--", boundary, "--\r\n");
  return out;
}

}  // namespace notify::delivery
