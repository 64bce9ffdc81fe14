#include "server/common/crypto.h"

#include "absl/strings/ascii.h"

#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace notify {
namespace {

constexpr char kKey[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
constexpr char kOtherKey[] = "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

TEST(SecretBoxTest, SealThenOpenRoundTrips) {
  absl::StatusOr<SecretBox> box = SecretBox::FromHex(kKey);
  ASSERT_TRUE(box.ok());
  const std::string sealed = box->Seal("platform-token-123", "companies.platform_token:acme");
  EXPECT_EQ(sealed.find("platform-token-123"), std::string::npos);
  EXPECT_EQ(sealed.size(), 1 + 12 + 18 + 16u);
  EXPECT_EQ(*box->Open(sealed, "companies.platform_token:acme"), "platform-token-123");
  EXPECT_EQ(*box->Open(box->Seal("", "ctx"), "ctx"), "");
}

TEST(SecretBoxTest, EachSealUsesAFreshNonce) {
  SecretBox box = *SecretBox::FromHex(kKey);
  EXPECT_NE(box.Seal("same", "ctx"), box.Seal("same", "ctx"));
}

TEST(SecretBoxTest, WrongContextKeyOrAlteredDataDoNotOpen) {
  SecretBox box = *SecretBox::FromHex(kKey);
  const std::string sealed = box.Seal("secret", "companies.webhook_secret:acme");
  EXPECT_EQ(box.Open(sealed, "companies.webhook_secret:globex").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(
      SecretBox::FromHex(kOtherKey)->Open(sealed, "companies.webhook_secret:acme").status().code(),
      absl::StatusCode::kDataLoss);
  std::string altered = sealed;
  altered[15] ^= 1;
  EXPECT_FALSE(box.Open(altered, "companies.webhook_secret:acme").ok());
  EXPECT_FALSE(box.Open(sealed.substr(0, 20), "companies.webhook_secret:acme").ok());
  EXPECT_FALSE(box.Open("", "companies.webhook_secret:acme").ok());
}

TEST(SecretBoxTest, KeysMustBe64HexCharacters) {
  EXPECT_FALSE(SecretBox::FromHex("abc").ok());
  EXPECT_FALSE(SecretBox::FromHex(std::string(64, 'g')).ok());
  EXPECT_FALSE(SecretBox::FromHex(std::string(kKey) + "00").ok());
  EXPECT_TRUE(SecretBox::FromHex(std::string(64, 'A')).ok());
}

TEST(RandomTest, TokensHaveTheLengthAndAlphabetAsked) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string token = RandomToken(48);
    ASSERT_EQ(token.size(), 48u);
    for (char c : token) EXPECT_TRUE(absl::ascii_isalnum(static_cast<unsigned char>(c))) << token;
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
}

TEST(RandomTest, UuidsAreVersion4) {
  const std::string uuid = RandomUuid();
  EXPECT_THAT(uuid, ::testing::MatchesRegex(
                        "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_NE(RandomUuid(), uuid);
}

TEST(RandomTest, TimeOrderedUuidsSortInTheOrderTheyWereMade) {
  const absl::Time now = absl::FromUnixMillis(1800000000000);
  std::string previous = TimeOrderedUuid(now - absl::Milliseconds(1));
  for (int i = 0; i < 5000; ++i) {  // More than the 4096 a millisecond's counter holds.
    const std::string id = TimeOrderedUuid(now);
    ASSERT_LT(previous, id) << i;
    ASSERT_EQ(id[14], '7') << id;
    previous = id;
  }
  EXPECT_TRUE(IsUuid(previous));
}

TEST(RandomTest, ATimeOrderedUuidStartsWithItsMillisecondsInHex) {
  // 4102444800000 ms (2100-01-01) is 0x3bb2cc3d800: later than any other test's clock, so that no
  // counter moves it on.
  const std::string id = TimeOrderedUuid(absl::FromUnixMillis(4102444800000));
  EXPECT_THAT(id,
              ::testing::MatchesRegex("03bb2cc3-d800-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
}

TEST(HashTest, Sha256AndHex) {
  EXPECT_EQ(HexEncode(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ConstantTimeEqualsTest, ComparesContent) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secrets"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace notify
