#include "server/common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"

namespace notify {
namespace {

constexpr unsigned char kVersion = 1;
constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

void RandomBytes(unsigned char* out, size_t n) {
  // RAND_bytes fails only when the OS has no entropy source at all; nothing sensible can go on
  // then.
  if (RAND_bytes(out, static_cast<int>(n)) != 1) std::abort();
}

}  // namespace

absl::StatusOr<SecretBox> SecretBox::FromHex(absl::string_view hex) {
  if (hex.size() != 64) {
    return absl::InvalidArgumentError("the secret key must be 64 hex characters (32 bytes)");
  }
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("the secret key must be 64 hex characters (32 bytes)");
    }
  }
  const std::string bytes = absl::HexStringToBytes(hex);
  SecretBox box;
  std::copy(bytes.begin(), bytes.end(), box.key_.begin());
  return box;
}

std::string SecretBox::Seal(absl::string_view plaintext, absl::string_view context) const {
  std::string out(1 + kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* data = reinterpret_cast<unsigned char*>(out.data());
  data[0] = kVersion;
  unsigned char* nonce = data + 1;
  RandomBytes(nonce, kNonceSize);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce);
  EVP_EncryptUpdate(ctx.get(), nullptr, &len,
                    reinterpret_cast<const unsigned char*>(context.data()),
                    static_cast<int>(context.size()));
  EVP_EncryptUpdate(ctx.get(), nonce + kNonceSize, &len,
                    reinterpret_cast<const unsigned char*>(plaintext.data()),
                    static_cast<int>(plaintext.size()));
  EVP_EncryptFinal_ex(ctx.get(), nonce + kNonceSize + len, &len);
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                      nonce + kNonceSize + plaintext.size());
  return out;
}

absl::StatusOr<std::string> SecretBox::Open(absl::string_view sealed,
                                            absl::string_view context) const {
  const absl::Status corrupt =
      absl::DataLossError("a stored secret cannot be decrypted: wrong key or altered data");
  if (sealed.size() < 1 + kNonceSize + kTagSize ||
      static_cast<unsigned char>(sealed[0]) != kVersion) {
    return corrupt;
  }
  const auto* data = reinterpret_cast<const unsigned char*>(sealed.data());
  const unsigned char* nonce = data + 1;
  const unsigned char* ciphertext = nonce + kNonceSize;
  const size_t ciphertext_size = sealed.size() - 1 - kNonceSize - kTagSize;
  std::string plaintext(ciphertext_size, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key_.data(), nonce);
  EVP_DecryptUpdate(ctx.get(), nullptr, &len,
                    reinterpret_cast<const unsigned char*>(context.data()),
                    static_cast<int>(context.size()));
  EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &len, ciphertext,
                    static_cast<int>(ciphertext_size));
  EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize,
                      const_cast<unsigned char*>(ciphertext + ciphertext_size));
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plaintext.data()) + len,
                          &len) != 1) {
    return corrupt;
  }
  return plaintext;
}

std::string RandomToken(size_t length) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  constexpr unsigned kAlphabetSize = sizeof(kAlphabet) - 1;  // 62
  // Rejection sampling: bytes >= 248 (4 * 62) would favour the first letters.
  constexpr unsigned kLimit = 256 - 256 % kAlphabetSize;
  std::string token;
  token.reserve(length);
  unsigned char buffer[64];
  while (token.size() < length) {
    RandomBytes(buffer, sizeof(buffer));
    for (unsigned char b : buffer) {
      if (b < kLimit && token.size() < length) token.push_back(kAlphabet[b % kAlphabetSize]);
    }
  }
  return token;
}

// The 16 bytes as a UUID's text: lowercase hex, dashes after bytes 4, 6, 8 and 10.
static std::string UuidText(const unsigned char (&b)[16]) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(36, '-');
  size_t at = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++at;
    text[at++] = kHex[b[i] >> 4];
    text[at++] = kHex[b[i] & 0x0f];
  }
  return text;
}

std::string RandomUuid() {
  unsigned char b[16];
  RandomBytes(b, sizeof(b));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  return UuidText(b);
}

std::string TimeOrderedUuid(absl::Time now) {
  unsigned char b[16];
  RandomBytes(b, sizeof(b));
  // Ids made by this process sort in the order they were made: within one millisecond, a 12-bit
  // counter follows the time (RFC 9562, section 6.2, method 1); a clock that steps back is ignored.
  static std::mutex mu;
  static uint64_t last_millis = 0;
  static uint32_t counter = 0;
  uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(now));
  {
    std::lock_guard<std::mutex> lock(mu);
    if (millis <= last_millis) {
      millis = last_millis;
      if (++counter > 0xfff) {
        ++millis;
        counter = 0;
      }
    } else {
      counter = 0;
    }
    last_millis = millis;
  }
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(millis >> (8 * (5 - i)));
  b[6] = static_cast<unsigned char>(0x70 | ((counter >> 8) & 0x0f));
  b[7] = static_cast<unsigned char>(counter & 0xff);
  b[8] = (b[8] & 0x3f) | 0x80;
  return UuidText(b);
}

bool IsUuid(absl::string_view id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const char c = id[i];
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? c != '-' : !absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string Sha256(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // Fetched once: EVP_sha256() looks the algorithm up in OpenSSL 3's providers at every call (most
  // of the time of hashing a token).
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  EVP_Digest(data.data(), data.size(), digest, &length, sha256 != nullptr ? sha256 : EVP_sha256(),
             nullptr);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string HexEncode(absl::string_view bytes) { return absl::BytesToHexString(bytes); }

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace notify
