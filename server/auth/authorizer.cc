#include "server/auth/authorizer.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/common/log.h"
#include "server/common/status.h"

namespace notify {

bool IsTokenSyntax(absl::string_view token) {
  return !token.empty() && token.size() <= 512 &&
         std::all_of(token.begin(), token.end(),
                     [](unsigned char c) { return c > 0x20 && c < 0x7f; });
}

absl::StatusOr<std::string> TokenFromAuthorization(absl::string_view authorization) {
  absl::string_view value = absl::StripAsciiWhitespace(authorization);
  constexpr absl::string_view kScheme = "token ";
  if (value.size() <= kScheme.size() || !absl::StartsWithIgnoreCase(value, kScheme)) {
    return WithReason(absl::UnauthenticatedError(
                          "Send the platform token as `authorization: Token <token>` metadata."),
                      "UNAUTHENTICATED");
  }
  value.remove_prefix(kScheme.size());
  value = absl::StripLeadingAsciiWhitespace(value);
  if (value.empty() || value.find_first_of(" \t") != absl::string_view::npos) {
    return WithReason(absl::UnauthenticatedError(
                          "Send the platform token as `authorization: Token <token>` metadata."),
                      "UNAUTHENTICATED");
  }
  if (!IsTokenSyntax(value)) {
    return WithReason(absl::UnauthenticatedError("The platform rejected the token."),
                      "TOKEN_INVALID");
  }
  return std::string(value);
}

Authorizer::Authorizer(PlatformClient* platform, TokenCache* cache, CompanyDirectory* directory)
    : platform_(platform), cache_(cache), directory_(directory) {}

absl::StatusOr<Caller> Authorizer::Admin(absl::string_view authorization) {
  return Check(authorization, /*admin=*/true);
}

absl::StatusOr<Caller> Authorizer::User(absl::string_view authorization) {
  return Check(authorization, /*admin=*/false);
}

absl::StatusOr<Caller> Authorizer::Check(absl::string_view authorization, bool admin) {
  NOTIFY_ASSIGN_OR_RETURN(const std::string token, TokenFromAuthorization(authorization));
  absl::StatusOr<PlatformUser> authenticated;
  if (bench_no_auth_) {
    PlatformUser bench;
    bench.id = "bench-admin";
    bench.company = token;
    bench.groups = {"admin"};
    authenticated = std::move(bench);
  } else {
    authenticated = cache_->Get(token, [this, &token] {
      absl::StatusOr<PlatformUser> user = platform_->Authenticate(token);
      // Nothing reads the rest of the platform's answer about a caller; every cache hit copies
      // what is kept.
      if (user.ok()) user->raw = nullptr;
      return user;
    });
  }
  if (absl::IsUnauthenticated(authenticated.status())) {
    return WithReason(absl::UnauthenticatedError("The platform rejected the token."),
                      "TOKEN_INVALID");
  }
  if (!authenticated.ok()) return authenticated.status();
  PlatformUser user = *std::move(authenticated);
  if (admin && !user.IsAdmin()) {
    return WithReason(
        absl::PermissionDeniedError("Admin calls need a user in the admin or service group."),
        "ADMIN_REQUIRED");
  }
  if (user.id.empty()) {
    return WithReason(absl::UnauthenticatedError("The platform rejected the token."),
                      "TOKEN_INVALID");
  }
  if (user.company.empty()) {
    return WithReason(absl::FailedPreconditionError("Inactive company."), "COMPANY_INACTIVE");
  }
  NOTIFY_ASSIGN_OR_RETURN(const bool active, directory_->IsActive(user.company));
  if (!active) {
    return WithReason(absl::FailedPreconditionError("Inactive company."), "COMPANY_INACTIVE");
  }
  Caller caller;
  caller.company = user.company;
  caller.admin = user.IsAdmin();
  caller.user = std::move(user);
  return caller;
}

}  // namespace notify
