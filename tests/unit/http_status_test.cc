#include "gateway/http_status.h"

#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace notify::gateway {
namespace {

TEST(HttpStatusTest, EveryGrpcCodeMapsToTheExpectedHttpStatus) {
  const std::vector<std::pair<grpc::StatusCode, unsigned>> expected = {
      {grpc::StatusCode::OK, 200},
      {grpc::StatusCode::CANCELLED, 499},
      {grpc::StatusCode::UNKNOWN, 500},
      {grpc::StatusCode::INVALID_ARGUMENT, 400},
      {grpc::StatusCode::DEADLINE_EXCEEDED, 504},
      {grpc::StatusCode::NOT_FOUND, 404},
      {grpc::StatusCode::ALREADY_EXISTS, 409},
      {grpc::StatusCode::PERMISSION_DENIED, 403},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, 429},
      {grpc::StatusCode::FAILED_PRECONDITION, 400},
      {grpc::StatusCode::ABORTED, 409},
      {grpc::StatusCode::OUT_OF_RANGE, 400},
      {grpc::StatusCode::UNIMPLEMENTED, 501},
      {grpc::StatusCode::INTERNAL, 500},
      {grpc::StatusCode::UNAVAILABLE, 503},
      {grpc::StatusCode::DATA_LOSS, 500},
      {grpc::StatusCode::UNAUTHENTICATED, 401},
  };
  for (const auto& [code, status] : expected) {
    EXPECT_EQ(HttpStatusFromGrpc(code), status) << "gRPC code " << static_cast<int>(code);
  }
}

TEST(HttpStatusTest, SuccessEnvelope) {
  EXPECT_EQ(Success().body, R"({"status":"success"})");
  const HttpResponse with_data = Success({{"id", "acme"}}, 201);
  EXPECT_EQ(with_data.status, 201u);
  EXPECT_EQ(with_data.body, R"({"status":"success","data":{"id":"acme"}})");
  EXPECT_EQ(with_data.content_type, "application/json");
}

TEST(HttpStatusTest, ErrorEnvelopeWithFieldErrors) {
  const HttpResponse response =
      Failure(400, "The token is invalid.", {{"token", {"The token is invalid."}}});
  EXPECT_EQ(response.status, 400u);
  const nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["status"], "error");
  EXPECT_EQ(body["message"], "The token is invalid.");
  EXPECT_EQ(body["data"]["token"][0], "The token is invalid.");
}

TEST(HttpStatusTest, GrpcErrorsBecomeEnvelopesAndUnavailableAsksForARetry) {
  const HttpResponse unavailable =
      FromGrpcError(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the database is unavailable"));
  EXPECT_EQ(unavailable.status, 503u);
  EXPECT_EQ(nlohmann::json::parse(unavailable.body)["message"], "the database is unavailable");
  ASSERT_EQ(unavailable.headers.size(), 1u);
  EXPECT_EQ(unavailable.headers[0].first, "Retry-After");

  const HttpResponse not_found = FromGrpcError(grpc::Status(grpc::StatusCode::NOT_FOUND, ""));
  EXPECT_EQ(not_found.status, 404u);
  EXPECT_TRUE(not_found.headers.empty());
  EXPECT_EQ(nlohmann::json::parse(not_found.body)["message"], "The request failed.");
}

}  // namespace
}  // namespace notify::gateway
