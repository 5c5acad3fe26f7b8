#include "tests/support/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "absl/strings/str_cat.h"
#include "common/http/http_client.h"
#include "common/status_macros.h"

namespace ent::testing {

absl::StatusOr<std::string> HttpGet(int port, const std::string& path_and_query) {
  HttpClient::Options options;
  options.timeout = absl::Seconds(30);
  options.max_body = 64 << 20;  // a Prometheus answer, a /metrics page
  HttpClient http(options);
  const std::string url = absl::StrCat("http://127.0.0.1:", port, path_and_query);
  ENT_ASSIGN_OR_RETURN(HttpResponse response, http.Get(url));
  if (response.status != 200) {
    return absl::UnavailableError(
        absl::StrCat("GET ", url, ": HTTP ", response.status, ": ", response.body.substr(0, 300)));
  }
  return std::move(response.body);
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

std::string UrlEncode(const std::string& text) {
  char* escaped = curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size()));
  std::string out = escaped != nullptr ? escaped : "";
  curl_free(escaped);
  return out;
}

}  // namespace ent::testing
