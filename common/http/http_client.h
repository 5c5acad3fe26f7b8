// A small HTTP client on libcurl: the services read OpenID providers'
// discovery documents and keys with it, entctl signs in with it, and the tests
// drive web pages with it.
//
// Not thread-safe: one request at a time per HttpClient (it keeps one curl
// handle, its connections and, when asked, its cookies). Only http and https
// URLs are followed; bodies larger than `max_body` are an error.
#ifndef ENT_COMMON_HTTP_HTTP_CLIENT_H_
#define ENT_COMMON_HTTP_HTTP_CLIENT_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace ent {

struct HttpResponse {
  long status = 0;            // 200, 404…
  std::string body;
  std::string content_type;   // as sent, may be empty
  std::string url;            // the last URL, after redirects
};

using HttpFields = std::vector<std::pair<std::string, std::string>>;

class HttpClient {
 public:
  struct Options {
    absl::Duration timeout = absl::Seconds(5);  // whole request, connection included
    size_t max_body = 1 << 20;
    bool follow_redirects = false;
    bool keep_cookies = false;   // a cookie jar in memory, as a browser keeps one
    std::string ca_file;         // trusted CAs for https; the system's when empty
  };
  HttpClient();
  explicit HttpClient(Options options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Any status is a response; an error only when no response came (refused,
  // timed out, body too large, bad URL), naming the URL.
  absl::StatusOr<HttpResponse> Get(const std::string& url, const HttpFields& headers = {});
  // POST application/x-www-form-urlencoded.
  absl::StatusOr<HttpResponse> PostForm(const std::string& url, const HttpFields& fields,
                                        const HttpFields& headers = {});

 private:
  absl::StatusOr<HttpResponse> Perform(const std::string& url, const std::string* form_body,
                                       const HttpFields& headers);
  Options options_;
  void* curl_;  // CURL*
};

// `fields` as application/x-www-form-urlencoded (also a URL's query).
std::string FormEncode(const HttpFields& fields);

}  // namespace ent

#endif  // ENT_COMMON_HTTP_HTTP_CLIENT_H_
