// The REST face's OpenAPI 3.1 document, written from the same routes and views that the gateway
// transcodes with, so that it cannot describe anything the gateway does not do.
#ifndef NOTIFY_GATEWAY_REST_OPENAPI_H_
#define NOTIFY_GATEWAY_REST_OPENAPI_H_

#include <string>

#include "gateway/rest/rest_api.h"

namespace notify::gateway {

// The document as JSON text, with `api_prefix` ("/api/") as its server URL. Each message has a
// schema of its answers (`Name`, every output field required, nothing else allowed) and one of its
// request bodies (`NameInput`: the fields read, and the read-only ones marked readOnly, which are
// passed over); each operation lists its path and query parameters and its answers in the
// platform's envelope.
std::string OpenApiDocument(const RestApi& api, const std::string& api_prefix);

}  // namespace notify::gateway

#endif  // NOTIFY_GATEWAY_REST_OPENAPI_H_
