// A small blocking HTTP client on libcurl, for tests.
#ifndef NOTIFY_TESTS_SUPPORT_HTTP_CLIENT_H_
#define NOTIFY_TESTS_SUPPORT_HTTP_CLIENT_H_

#include <map>
#include <memory>
#include <string>

namespace notify::testing {

struct HttpResult {
  long status = 0;  // 0 when the request failed at the transport level; `error` says why.
  std::string body;
  std::map<std::string, std::string> headers;  // Names in lower case.
  std::string error;
};

// Keeps one connection alive across requests, like a platform client would.
class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResult Request(const std::string& method, const std::string& url,
                     const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});
  HttpResult Get(const std::string& url) { return Request("GET", url); }

  // How many connections curl opened so far (to check keep-alive).
  long connections_opened() const { return connections_opened_; }

 private:
  void* curl_;
  long connections_opened_ = 0;
};

}  // namespace notify::testing

#endif  // NOTIFY_TESTS_SUPPORT_HTTP_CLIENT_H_
