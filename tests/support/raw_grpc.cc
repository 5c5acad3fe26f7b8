#include "tests/support/raw_grpc.h"

#include <chrono>

#include <grpcpp/generic/generic_stub.h>

namespace ent::testing {
namespace {

bool Await(grpc::CompletionQueue& cq, intptr_t expected) {
  void* tag = nullptr;
  bool ok = false;
  const auto deadline = std::chrono::system_clock::now() + std::chrono::seconds(10);
  if (cq.AsyncNext(&tag, &ok, deadline) != grpc::CompletionQueue::GOT_EVENT) return false;
  return ok && reinterpret_cast<intptr_t>(tag) == expected;
}

}  // namespace

std::string EncodeStringField(int field_number, const std::string& value) {
  std::string out;
  out.push_back(static_cast<char>((field_number << 3) | 2));
  size_t n = value.size();
  do {
    char byte = static_cast<char>(n & 0x7f);
    n >>= 7;
    if (n != 0) byte |= 0x80;
    out.push_back(byte);
  } while (n != 0);
  return out + value;
}

grpc::Status RawExchange(const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
                         const std::string& request, std::string* response,
                         const std::string& bearer_token) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext ctx;
  if (!bearer_token.empty()) ctx.AddMetadata("authorization", "Bearer " + bearer_token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto call = stub.PrepareCall(&ctx, method, &cq);
  grpc::Status status = grpc::Status(grpc::StatusCode::INTERNAL, "raw call did not complete");
  response->clear();
  call->StartCall(reinterpret_cast<void*>(1));
  if (Await(cq, 1)) {
    grpc::Slice slice(request);
    grpc::ByteBuffer out(&slice, 1);
    call->Write(out, reinterpret_cast<void*>(2));
    if (Await(cq, 2)) {
      call->WritesDone(reinterpret_cast<void*>(3));
      Await(cq, 3);
      grpc::ByteBuffer in;
      call->Read(&in, reinterpret_cast<void*>(4));
      if (Await(cq, 4)) {
        grpc::Slice whole;
        in.TrySingleSlice(&whole).ok() || in.DumpToSingleSlice(&whole).ok();
        response->assign(reinterpret_cast<const char*>(whole.begin()), whole.size());
      }
    }
  }
  // A stream may stay open after its first message: cancel it. Without a
  // response the server has finished the call: read its status as sent.
  if (!response->empty()) ctx.TryCancel();
  call->Finish(&status, reinterpret_cast<void*>(5));
  void* tag;
  bool ok;
  while (cq.AsyncNext(&tag, &ok, std::chrono::system_clock::now() + std::chrono::seconds(10)) ==
             grpc::CompletionQueue::GOT_EVENT &&
         tag != reinterpret_cast<void*>(5)) {
  }
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return response->empty() ? status : grpc::Status::OK;
}

}  // namespace ent::testing
