#include "convention-service/store/store_metrics.h"

#include "absl/strings/ascii.h"
#include "common/metrics/metrics.h"
#include "convention-service/domain/convention.h"
#include "convention-service/domain/dispute.h"

namespace ent::convention {

namespace {

std::shared_ptr<prometheus::Collectable> Collector(std::function<std::vector<StateCount>()> read) {
  return std::make_shared<FunctionCollectable>([read = std::move(read)] {
    std::vector<std::pair<prometheus::Labels, double>> conventions, disputes;
    for (const StateCount& c : read()) {
      const double n = static_cast<double>(c.n);
      if (c.entity == "convention") {
        conventions.push_back({{{"state", absl::AsciiStrToLower(StateName(static_cast<State>(c.state)))}}, n});
      } else {
        disputes.push_back(
            {{{"state", absl::AsciiStrToLower(DisputeStateName(static_cast<DisputeState>(c.state)))}}, n});
      }
    }
    return std::vector<prometheus::MetricFamily>{
        GaugeFamily("ent_conventions", "Conventions by state.", conventions),
        GaugeFamily("ent_disputes", "Article 8 disputes by state.", disputes)};
  });
}

}  // namespace

std::shared_ptr<prometheus::Collectable> ConventionStateCollector(ConventionStore& store) {
  return Collector([&store] {
    return store.ReadValue<std::vector<StateCount>>([](ConventionReader& r) { return r.CountStates(); })
        .value_or(std::vector<StateCount>());
  });
}

}  // namespace ent::convention
