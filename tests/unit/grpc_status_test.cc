#include "server/api/grpc_status.h"

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "server/common/status.h"

namespace notify::api {
namespace {

TEST(GrpcStatusTest, OkStaysOk) { EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok()); }

TEST(GrpcStatusTest, EveryCodeKeepsItsNumberAndMessage) {
  for (int code = 1; code <= 16; ++code) {
    const absl::Status status(static_cast<absl::StatusCode>(code), "something went wrong");
    const grpc::Status converted = ToGrpcStatus(status);
    EXPECT_EQ(static_cast<int>(converted.error_code()), code);
    EXPECT_EQ(converted.error_message(), "something went wrong");
  }
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("x")).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ToGrpcStatus(absl::UnavailableError("x")).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ToGrpcStatus(absl::FailedPreconditionError("x")).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST(GrpcStatusTest, ReasonTravelsAsErrorInfo) {
  const grpc::Status converted = ToGrpcStatus(
      WithReason(absl::NotFoundError("No such notification."), "NOTIFICATION_NOT_FOUND"));
  EXPECT_EQ(converted.error_code(), grpc::StatusCode::NOT_FOUND);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(converted.error_details()));
  EXPECT_EQ(details.code(), static_cast<int>(grpc::StatusCode::NOT_FOUND));
  EXPECT_EQ(details.message(), "No such notification.");
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "NOTIFICATION_NOT_FOUND");
  EXPECT_EQ(info.domain(), "notifications.v1");
}

TEST(GrpcStatusTest, NoReasonMeansNoDetailsExceptForUnimplemented) {
  EXPECT_TRUE(ToGrpcStatus(absl::InvalidArgumentError("bad")).error_details().empty());
  google::rpc::Status details;
  ASSERT_TRUE(
      details.ParseFromString(ToGrpcStatus(absl::UnimplementedError("later")).error_details()));
  google::rpc::ErrorInfo info;
  ASSERT_TRUE(details.details(0).UnpackTo(&info));
  EXPECT_EQ(info.reason(), "NOT_IMPLEMENTED");
}

TEST(StatusReasonTest, ReasonOfReadsWhatWithReasonWrote) {
  EXPECT_EQ(ReasonOf(absl::InternalError("x")), "");
  EXPECT_EQ(ReasonOf(WithReason(absl::InternalError("x"), "R")), "R");
  EXPECT_TRUE(WithReason(absl::OkStatus(), "R").ok());
  EXPECT_EQ(ReasonOf(WithReason(absl::OkStatus(), "R")), "");
}

}  // namespace
}  // namespace notify::api
