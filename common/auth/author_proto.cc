#include "common/auth/author_proto.h"

namespace ent {

void AuthorToProto(const Author& a, ent::auth::v1::Author* out) {
  out->set_actor(a.actor);
  out->set_display_name(a.display_name);
  out->set_email(a.email);
}

std::string PersonLabel(const ent::auth::v1::Author& a) {
  if (a.display_name().empty()) return a.email();
  if (a.email().empty()) return a.display_name();
  return a.display_name() + " (" + a.email() + ")";
}

}  // namespace ent
