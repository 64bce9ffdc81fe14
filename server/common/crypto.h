// Cryptography on OpenSSL: authenticated encryption of secrets at rest, random tokens, hashing and
// constant-time comparison. No home-made primitives.
#ifndef NOTIFY_SERVER_COMMON_CRYPTO_H_
#define NOTIFY_SERVER_COMMON_CRYPTO_H_

#include <array>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace notify {

// Seals and opens secrets with AES-256-GCM under one server key. A sealed value is
// version (1 byte) | nonce (12 bytes, random) | ciphertext | tag (16 bytes), and is bound to a
// `context` (authenticated, not stored) such as "companies.platform_token:acme", so that a value
// copied into another row or column does not open. Thread-safe.
class SecretBox {
 public:
  // The key as 64 hex characters. InvalidArgument otherwise (the message never repeats the key).
  static absl::StatusOr<SecretBox> FromHex(absl::string_view hex);

  std::string Seal(absl::string_view plaintext, absl::string_view context) const;

  // DataLoss if `sealed` is malformed, was sealed under another key or context, or was altered.
  absl::StatusOr<std::string> Open(absl::string_view sealed, absl::string_view context) const;

 private:
  SecretBox() = default;
  std::array<unsigned char, 32> key_{};
};

// `length` characters from [A-Za-z0-9], drawn uniformly from the OS's secure random source.
std::string RandomToken(size_t length);

// 16 random bytes formatted as a version-4 UUID.
std::string RandomUuid();

// A version-7 UUID: the time in milliseconds, then random bits, so that ids sort by creation time.
std::string TimeOrderedUuid(absl::Time now);

// Whether `id` is a UUID in its canonical lower- or upper-case text form.
bool IsUuid(absl::string_view id);

// The SHA-256 of `data`, as 32 raw bytes.
std::string Sha256(absl::string_view data);

// Lower-case hex of `bytes`.
std::string HexEncode(absl::string_view bytes);

// Compares without leaking where the inputs differ through timing (the length may leak).
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace notify

#endif  // NOTIFY_SERVER_COMMON_CRYPTO_H_
