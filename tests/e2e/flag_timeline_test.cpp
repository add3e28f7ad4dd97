// The evidence the migration tests judge the order of flag moves by: FlagTimeline, watching
// two databases with real flag agents in them, tells "A's instances acknowledged before B's
// flag was written" from the reverse. (Without this, an order assertion built on it could
// pass for the wrong reason.)
#include <memory>
#include <thread>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "e2e/flag_timeline.h"
#include "flag_agent.h"
#include "flags/flag_store.h"
#include "support/helpers.h"
#include "support/scratch_database.h"

namespace {

using namespace std::chrono_literals;
using schemashift::svc::AgentOptions;
using schemashift::svc::FlagAgent;
using schemashift::testing::eventually;
using schemashift::testing::FlagTimeline;
using schemashift::testing::ScratchDatabase;

std::unique_ptr<FlagAgent> agent(const ScratchDatabase& db, const std::string& service,
                                 const std::string& instance) {
  auto a = std::make_unique<FlagAgent>(AgentOptions{.dsn = db.dsn(),
                                                    .service = service,
                                                    .instance = instance,
                                                    .poll = 1000ms,
                                                    .heartbeat = 1000ms},
                                       [](const std::string&, const std::string&) { return true; });
  a->start();
  return a;
}

TEST(FlagTimeline, TellsWhetherOneServiceAcknowledgedBeforeTheOthersFlagWasWritten) {
  ScratchDatabase consumer_db("tl_consumer"), producer_db("tl_producer");
  pqxx::connection consumer(consumer_db.dsn()), producer(producer_db.dsn());
  schemashift::flags::ensure_flag_schema(consumer);
  schemashift::flags::ensure_flag_schema(producer);
  auto c1 = agent(consumer_db, "consumer", "consumer-1");
  auto c2 = agent(consumer_db, "consumer", "consumer-2");
  auto p1 = agent(producer_db, "producer", "producer-1");
  FlagTimeline timeline(
      {{"consumer", consumer_db.dsn(), "c.key"}, {"producer", producer_db.dsn(), "p.key"}});
  const std::vector<std::string> consumers = {"consumer-1", "consumer-2"};

  // In order: the consumers acknowledge dual-write, then the producer's flag is written.
  schemashift::flags::set_flag(consumer, "c.key", "dual-write");
  ASSERT_TRUE(eventually(
      [&] { return timeline.acknowledged_by("consumer", "dual-write", consumers).has_value(); },
      10s))
      << timeline.describe();
  std::this_thread::sleep_for(50ms);
  schemashift::flags::set_flag(producer, "p.key", "dual-write");
  // Both sightings: the sampler may see the acknowledgement a round before the write's row.
  ASSERT_TRUE(eventually(
      [&] {
        return timeline.acknowledged_by("producer", "dual-write", {"producer-1"}).has_value() &&
               timeline.written_at("producer", "dual-write").has_value();
      },
      10s))
      << timeline.describe();
  EXPECT_LT(*timeline.acknowledged_by("consumer", "dual-write", consumers),
            *timeline.written_at("producer", "dual-write"))
      << timeline.describe();

  // The other way round: the producer's `new` written while one consumer is still away.
  c2.reset();
  schemashift::flags::set_flag(consumer, "c.key", "new");
  schemashift::flags::set_flag(producer, "p.key", "new");
  std::this_thread::sleep_for(300ms);
  EXPECT_FALSE(timeline.acknowledged_by("consumer", "new", consumers)) << timeline.describe();
  c2 = agent(consumer_db, "consumer", "consumer-2");
  ASSERT_TRUE(eventually(
      [&] { return timeline.acknowledged_by("consumer", "new", consumers).has_value(); }, 10s))
      << timeline.describe();
  ASSERT_TRUE(eventually([&] { return timeline.written_at("producer", "new").has_value(); }, 10s))
      << timeline.describe();
  EXPECT_GT(*timeline.acknowledged_by("consumer", "new", consumers),
            *timeline.written_at("producer", "new"))
      << timeline.describe();
  EXPECT_EQ(timeline.values("producer"), (std::vector<std::string>{"dual-write", "new"}));
}

}  // namespace
