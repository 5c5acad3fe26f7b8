// Author <-> ent.auth.v1.Author, as both services serve it.
#ifndef ENT_COMMON_AUTH_AUTHOR_PROTO_H_
#define ENT_COMMON_AUTH_AUTHOR_PROTO_H_

#include "common/auth/principal.h"
#include "ent/auth/v1/author.pb.h"

namespace ent {

// Fills `out`. Callers leave the field unset for an act recorded before
// authors were (empty actor).
void AuthorToProto(const Author& a, ent::auth::v1::Author* out);

// The person who did an act, as a document names them: "Claire Martin
// (claire.martin@ac-montpellier.fr)"; "" when a service, not a person, did.
std::string PersonLabel(const ent::auth::v1::Author& a);

}  // namespace ent

#endif  // ENT_COMMON_AUTH_AUTHOR_PROTO_H_
