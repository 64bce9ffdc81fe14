// The HTTP client's helpers: URL escaping and Retry-After. (Calls against a real peer are in
// tests/delivery/senders_test.cc.)
#include "server/common/http_client.h"

#include <optional>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace notify {
namespace {

TEST(UrlEscapeTest, KeepsOnlyTheUnreservedCharacters) {
  EXPECT_EQ(UrlEscape(""), "");
  EXPECT_EQ(UrlEscape("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(UrlEscape("AC/../x y?"), "AC%2F..%2Fx%20y%3F");
  EXPECT_EQ(UrlEscape("a&b=c+d%e#f"), "a%26b%3Dc%2Bd%25e%23f");
  EXPECT_EQ(UrlEscape("https://notify.test/api/webhook/?a=1"),
            "https%3A%2F%2Fnotify.test%2Fapi%2Fwebhook%2F%3Fa%3D1");
}

TEST(UrlEscapeTest, EscapesEveryByteOfUtf8AndControlCharacters) {
  EXPECT_EQ(UrlEscape("Héllo"), "H%C3%A9llo");
  EXPECT_EQ(UrlEscape(std::string("\0\r\n\xff", 4)), "%00%0D%0A%FF");
}

// The moment the HTTP-dates below name: 21 October 2015, 07:28:00 UTC.
absl::Time Date() {
  return absl::FromCivil(absl::CivilSecond(2015, 10, 21, 7, 28, 0), absl::UTCTimeZone());
}

TEST(ParseRetryAfterTest, ReadsDeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("0", Date()), absl::ZeroDuration());
  EXPECT_EQ(ParseRetryAfter("7", Date()), absl::Seconds(7));
  EXPECT_EQ(ParseRetryAfter("3600", Date()), absl::Hours(1));
}

TEST(ParseRetryAfterTest, CapsDeltaSecondsAtADay) {
  EXPECT_EQ(ParseRetryAfter("86400", Date()), absl::Hours(24));
  EXPECT_EQ(ParseRetryAfter("86401", Date()), absl::Hours(24));
  EXPECT_EQ(ParseRetryAfter("999999999", Date()), absl::Hours(24));
}

TEST(ParseRetryAfterTest, ReadsAnHttpDateRelativeToNow) {
  const absl::Time now = Date() - absl::Seconds(90);
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now), absl::Seconds(90));
  EXPECT_EQ(ParseRetryAfter("Wednesday, 21-Oct-15 07:28:00 GMT", now), absl::Seconds(90));
  EXPECT_EQ(ParseRetryAfter("Wed Oct 21 07:28:00 2015", now), absl::Seconds(90));
}

TEST(ParseRetryAfterTest, ADateInThePastMeansNow) {
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", Date() + absl::Hours(1)),
            absl::ZeroDuration());
}

TEST(ParseRetryAfterTest, AnythingElseIsNothing) {
  for (const char* value : {"", " ", "-1", "-5", "1.5", "12abc", "soon", "tomorrow"}) {
    EXPECT_FALSE(ParseRetryAfter(value, Date()).has_value()) << '"' << value << '"';
  }
}

}  // namespace
}  // namespace notify
