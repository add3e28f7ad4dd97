#include "controller/reconciler.h"

#include <algorithm>
#include <ctime>
#include <utility>

#include <spdlog/spdlog.h>

#include "common/base64.h"
#include "common/failpoint.h"
#include "common/time.h"
#include "controller/reconcile_round.h"
#include "kube/deployment_pods.h"
#include "migration/decide.h"
#include "migration/spec.h"
#include "pg/dsn.h"

namespace schemashift::controller {

using kube::Json;

namespace {

// A DDL step whose lock a blocker holds is tried again at least this often, however long the
// blocker has held: by the work queue's backoff alone (doubling to 1000 s) the step could wait
// minutes after a 10-minute blocker ended. Each try waits at most lock_timeout, so a steady
// interval costs the table's writers nothing more.
constexpr std::chrono::seconds kLockRetry{1};

// A migration that cannot start: its status says why, for people and for kstatus.
Json stalled_status(const Json& current, std::int64_t generation, const std::string& reason,
                    const std::string& msg) {
  migration::MigrationStatus st =
      migration::MigrationStatus::from_json(current.value("status", Json::object()));
  st.observed_generation = generation;
  const std::string now = rfc3339_now();
  migration::set_condition(st.conditions, "Ready", "False", reason, msg, generation, now);
  migration::set_condition(st.conditions, "Reconciling", "False", reason, "", generation, now);
  migration::set_condition(st.conditions, "Stalled", "True", reason, msg, generation, now);
  return st.to_json();
}

}  // namespace

Reconciler::Reconciler(kube::Client client, runtime::EventRecorder& events,
                       MigrationMetrics* metrics)
    : client_(std::move(client)), events_(events), metrics_(metrics) {}

void Reconciler::drop_runner(const std::string& key) {
  std::lock_guard lock(mu_);
  runners_.erase(key);
}

std::shared_ptr<PgRunner> Reconciler::runner_for(const std::string& key, const std::string& dsn,
                                                 const std::string& uid, ConnectError* error) {
  {
    std::lock_guard lock(mu_);
    auto it = runners_.find(key);
    if (it != runners_.end() && it->second->dsn() == dsn && it->second->uid() == uid &&
        it->second->healthy())
      return it->second;
    if (it != runners_.end()) runners_.erase(it);  // its fence goes before a new one is taken
  }
  auto r = PgRunner::connect(key, dsn, uid);
  if (!r) {
    *error = r.error();
    return nullptr;
  }
  std::shared_ptr<PgRunner> runner = std::move(*r);
  std::lock_guard lock(mu_);
  runners_[key] = runner;
  return runner;
}

Result<std::string, std::string> Reconciler::read_dsn(const std::string& ns,
                                                      const migration::SecretRef& ref) {
  auto secret = client_.get(kube::resources::kSecret, ns, ref.name);
  if (!secret) return fail("Secret " + ns + "/" + ref.name + ": " + secret.error().describe());
  if (!(*secret)["data"].contains(ref.key))
    return fail("Secret " + ns + "/" + ref.name + " has no key \"" + ref.key + "\"");
  auto decoded = base64_decode((*secret)["data"][ref.key].get<std::string>());
  if (!decoded) {
    return fail("database Secret " + ns + "/" + ref.name + " key \"" + ref.key +
                "\" is not valid base64");
  }
  // Refused here by name (empty, not UTF-8, a dialect libpq does not read), never echoed.
  if (auto parsed = pg::parse_dsn(*decoded); !parsed) {
    return fail("database Secret " + ns + "/" + ref.name + " key \"" + ref.key +
                "\": " + parsed.error());
  }
  return *decoded;
}

std::optional<std::string> Reconciler::resolve_schemas(const std::string& ns,
                                                       migration::EventsSpec& events) {
  auto resolve = [&](migration::SchemaSource& src,
                     const std::string& field) -> std::optional<std::string> {
    if (!src.from) return std::nullopt;
    auto cm = client_.get(kube::resources::kConfigMap, ns, src.from->name);
    if (!cm) {
      return field + ": ConfigMap " + ns + "/" + src.from->name + ": " + cm.error().describe();
    }
    const auto& data = (*cm).value("data", Json::object());
    if (!data.contains(src.from->key) || !data[src.from->key].is_string())
      return field + ": ConfigMap " + ns + "/" + src.from->name + " has no key \"" + src.from->key +
             "\"";
    src.schema = Json::parse(data[src.from->key].get<std::string>(), nullptr, false);
    if (src.schema.is_discarded() || !src.schema.is_object())
      return field + ": ConfigMap " + ns + "/" + src.from->name + " key \"" + src.from->key +
             "\" is not a JSON Schema object";
    return std::nullopt;
  };
  if (auto e = resolve(events.schema, "spec.events.schemaFrom")) return e;
  if (events.contract_schema) {
    if (auto e = resolve(*events.contract_schema, "spec.events.contractSchemaFrom")) return e;
  }
  return std::nullopt;
}

std::optional<ReadyReplicas> Reconciler::ready_replicas(const std::string& ns,
                                                        const migration::MigrationSpec& spec,
                                                        std::string* error) {
  ReadyReplicas ready;
  for (const auto& t : spec.targets) {
    auto d = client_.get(kube::resources::kDeployment, ns, t.deployment);
    if (!d) {
      *error = "target Deployment " + ns + "/" + t.deployment + ": " + d.error().describe();
      return std::nullopt;
    }
    ready[t.deployment] = (*d)["status"].value("readyReplicas", 0);
  }
  return ready;
}

runtime::ReconcileOutcome Reconciler::reconcile(const std::string& key) {
  const auto slash = key.find('/');
  const std::string ns = key.substr(0, slash), name = key.substr(slash + 1);
  const auto& rt = kube::resources::kSchemaMigration;
  auto got = client_.get(rt, ns, name);
  if (!got) {
    if (got.error().not_found()) {
      drop_runner(key);
      return runtime::ReconcileResult{};
    }
    return fail(got.error().describe());
  }
  Json obj = std::move(*got);
  const auto& meta = obj["metadata"];
  const std::int64_t generation = meta.value("generation", std::int64_t{0});
  Json finalizers = meta.value("finalizers", Json::array());
  const bool has_finalizer =
      std::find(finalizers.begin(), finalizers.end(), kFinalizer) != finalizers.end();

  if (meta.contains("deletionTimestamp")) {
    // Stop cleanly: close the connections (releasing the fence), then let the object go.
    drop_runner(key);
    if (has_finalizer) {
      Json rest = Json::array();
      for (const auto& f : finalizers) {
        if (f != kFinalizer) rest.push_back(f);
      }
      auto r = client_.merge_patch(
          rt, ns, name,
          {{"metadata", {{"finalizers", rest}, {"resourceVersion", meta["resourceVersion"]}}}});
      if (!r && !r.error().not_found()) return fail(r.error().describe());
    }
    return runtime::ReconcileResult{};
  }
  if (!has_finalizer) {
    finalizers.push_back(kFinalizer);
    auto r = client_.merge_patch(rt, ns, name, {{"metadata", {{"finalizers", finalizers}}}});
    if (!r) return fail(r.error().describe());
  }

  auto write_status = [&](const Json& status) -> kube::Result<Json> {
    return client_.modify_status(rt, ns, name, [&](Json& o) {
      if (o.value("status", Json()) == status) return false;
      o["status"] = status;
      return true;
    });
  };

  auto spec = migration::parse_spec(obj);
  if (!spec) {
    std::string msg;
    for (const auto& e : spec.error()) msg += (msg.empty() ? "" : "; ") + e.describe();
    (void)write_status(stalled_status(obj, generation, "InvalidSpec", msg));
    return runtime::ReconcileResult{};  // a spec change brings it back
  }

  // The connection strings, from the Secrets; never echoed.
  migration::Observations obs;
  std::string dsn;
  std::map<std::string, std::string> target_dsns;  // targets whose database is not the home one
  if (const migration::SecretRef* home = migration::home_database(*spec)) {
    auto d = read_dsn(ns, *home);
    if (d) {
      dsn = *d;
    } else {
      obs.database_error = d.error();
    }
  }
  for (const auto& t : spec->targets) {
    const migration::SecretRef* ref = migration::target_database(*spec, t);
    if (obs.database_error || !ref) continue;
    auto d = read_dsn(ns, *ref);
    if (!d) {
      obs.database_error = "target " + t.service + ": " + d.error();
    } else if (*d != dsn) {
      target_dsns[t.service] = *d;
    }
  }
  // spec.events' schemas from their ConfigMaps, before the plan (and its hash) sees them.
  if (spec->events) {
    if (auto missing = resolve_schemas(ns, *spec->events)) {
      (void)write_status(stalled_status(obj, generation, "EventSchemaUnavailable", *missing));
      runtime::ReconcileResult later;
      later.requeue_after = std::chrono::seconds(10);  // a ConfigMap may be created later
      return later;
    }
  }
  migration::MigrationStatus status =
      migration::MigrationStatus::from_json(obj.value("status", Json::object()));
  std::shared_ptr<PgRunner> runner;
  // A finished migration keeps no connection and no fence (advisory lock).
  if (migration::is_terminal(status.phase)) {
    drop_runner(key);
    obs.database_error.reset();
  } else if (!obs.database_error) {
    ConnectError error;
    runner = runner_for(key, dsn, meta.value("uid", ""), &error);
    if (!runner && error.fenced_out) {
      // Another operator holds the fence and is the one writing this migration's status: this
      // one neither acts nor writes (its view is stale), it looks again later.
      spdlog::info("{}: {}; looking again in 5s", key, error.message);
      runtime::ReconcileResult later;
      later.requeue_after = std::chrono::seconds(5);
      return later;
    }
    if (!runner) obs.database_error = error.message;
  }
  if (runner) runner->set_target_dsns(target_dsns);
  if (runner && !spec->targets.empty()) {
    std::string error;
    if (const auto ready = ready_replicas(ns, *spec, &error))
      observe_barriers(*runner, *spec, status, *ready, obs);
    if (!error.empty()) obs.barrier_detail = error;
  }

  const std::string now = rfc3339_now();
  const auto ref = runtime::ObjectRef::of(obj);
  RoundHooks hooks;
  // A gate that names a Deployment (a metrics gate over its pods, spec.api's apiTraffic)
  // scrapes every serving pod of it: they are looked up at each measurement, so a new or
  // restarted pod is counted.
  hooks.measure = [&, r = runner.get()](const gates::GateSpec& g) {
    if (!g.params.contains("deployment")) return r->measure(g);
    const std::string deployment = g.params.value("deployment", "");
    auto urls = kube::pod_metrics_urls(client_, ns, deployment, g.params.value("metricsPort", 9090),
                                       g.params.value("metricsPath", "/metrics"));
    if (!urls) {
      return gates::Measurement{
          gates::MeasurementKind::kError, 0,
          "the pods of Deployment " + ns + "/" + deployment + ": " + urls.error().describe()};
    }
    gates::GateSpec with_pods = g;
    with_pods.params["podUrls"] = *urls;
    return r->measure(with_pods);
  };
  hooks.phase_started = [&](const migration::MigrationStatus& next) {
    if (auto w = write_status(next.to_json()); !w)
      spdlog::debug("{}: early status not written: {}", key, w.error().describe());
  };
  hooks.warn = [&](const std::string& w) {
    spdlog::warn("{}: {}", key, w);
    if (auto r = events_.record(ref, "Warning", "LongTransaction", "Reconcile", w); !r)
      spdlog::debug("{}: event not recorded: {}", key, r.error().describe());
  };
  Round round = run_round(runner.get(), *spec, status, obs, hooks, now);
  const migration::MigrationStatus& next = round.next;
  const migration::Decision& d = round.decision;
  const bool failed = round.failed;
  if (failed) spdlog::warn("{}: action failed: {}", key, next.last_error);
  if (migration::is_terminal(next.phase)) drop_runner(key);  // it has just finished
  failpoint("status.before-write");
  auto w = write_status(next.to_json());
  if (!w) return fail("writing status: " + w.error().describe());
  if (metrics_) metrics_->observe(ns, name, *spec, next);
  failpoint("status.after-write");
  for (const auto& e : d.events) {
    if (auto r = events_.record(ref, e.type, e.reason, "Reconcile", e.note); !r) {
      spdlog::debug("{}: event not recorded: {}", key, r.error().describe());
    }
  }
  if (failed && next.last_error_retriable && !round.lock_not_granted) return fail(next.last_error);
  if (obs.database_error) return fail(*obs.database_error);
  runtime::ReconcileResult result;
  if (d.requeue_after) result.requeue_after = *d.requeue_after;
  if (failed && next.last_error_retriable && round.lock_not_granted) {
    const std::chrono::milliseconds steady = kLockRetry;
    result.requeue_after = d.requeue_after ? std::min(*d.requeue_after, steady) : steady;
  }
  return result;
}

}  // namespace schemashift::controller
