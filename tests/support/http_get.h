// A GET on loopback (libcurl, through HttpClient), for tests that query a
// server the test started (Prometheus' HTTP API, /metrics).
#ifndef ENT_TESTS_SUPPORT_HTTP_GET_H_
#define ENT_TESTS_SUPPORT_HTTP_GET_H_

#include <string>

#include "absl/status/statusor.h"

namespace ent::testing {

// The body of GET http://127.0.0.1:<port><path_and_query>; an error unless
// the status is 200.
absl::StatusOr<std::string> HttpGet(int port, const std::string& path_and_query);

// A TCP port free on 127.0.0.1 now (bound, then released).
int FreePort();

// `text` escaped for a URL query (Prometheus expressions).
std::string UrlEncode(const std::string& text);

}  // namespace ent::testing

#endif  // ENT_TESTS_SUPPORT_HTTP_GET_H_
