#include "scenarios/runner/scenario_catalog.h"

#include <stdexcept>

namespace schemashift::scenarios {

namespace {

// The same four clients in every scenario: a v1 and a v2 caller of each REST service, each
// under its own X-Client-Id, writing and reading back at a fixed rate.
std::vector<ClientPlan> shop_clients(bool v1_follows_deprecation = false) {
  std::vector<ClientPlan> c;
  auto client = [&](std::string id, std::string service, std::string version, double rate) {
    ClientPlan p;
    p.id = std::move(id);
    p.service = std::move(service);
    p.version = std::move(version);
    p.rate = rate;
    c.push_back(p);
  };
  client("web-v1", "customers", "v1", 10);
  client("app-v2", "customers", "v2", 10);
  client("shop-v1", "orders", "v1", 10);
  client("mobile-v2", "orders", "v2", 10);
  if (v1_follows_deprecation) {
    c[0].follows_deprecation = true;
    // A second v1 caller of customers: the batch job that migrates later than the web app.
    client("batch-v1", "customers", "v1", 5);
    c.back().follows_deprecation = true;
    c.back().migrate_after = std::chrono::milliseconds(4000);
  }
  return c;
}

const ReadBack kBaseline{"SELECT id, first_name FROM customers",
                         "SELECT id, amount_cents::bigint FROM orders",
                         "SELECT id, street FROM customers"};

ReadBack with(ReadBack r, const std::string& name, const std::string& amount,
              const std::string& street) {
  if (!name.empty()) r.customer_name_sql = name;
  if (!amount.empty()) r.order_amount_sql = amount;
  if (!street.empty()) r.customer_street_sql = street;
  return r;
}

std::vector<Scenario> make_catalog() {
  using K = NaiveStep::Kind;
  const std::string amount = "SELECT id, (amount * 100)::bigint FROM orders";
  const std::string given = "SELECT id, given_name FROM customers";
  const std::string split_street = "SELECT customer_id, street FROM addresses";
  std::vector<Scenario> all;
  auto add = [&](int n, std::string slug, std::string migration) -> Scenario& {
    Scenario s;
    s.number = n;
    s.title = slug.substr(3);
    s.slug = std::move(slug);
    s.migration = std::move(migration);
    s.clients = shop_clients();
    s.after_safe = s.after_rollback = s.after_naive = kBaseline;
    all.push_back(std::move(s));
    return all.back();
  };
  {
    auto& s = add(1, "01-add-nullable-column", "orders-metadata");
    s.blocker_service = s.blocker_table = "orders";
    s.blocker_s = 5;
    s.naive = {{K::kSql, "orders", "naive.sql", 0}};
  }
  {
    auto& s = add(2, "02-add-not-null-column", "customers-preferred-language");
    s.naive = {{K::kSql, "customers", "naive.sql", 0}};
  }
  {
    auto& s = add(3, "03-change-column-type", "orders-amount-numeric");
    s.naive = {{K::kSql, "orders", "naive.sql", 0}, {K::kSql, "orders", "naive-flags.sql", 5}};
    s.after_safe = s.after_naive = with(kBaseline, "", amount, "");
  }
  {
    auto& s = add(4, "04-split-table", "customers-addresses-table");
    s.naive = {{K::kSql, "customers", "naive.sql", 0},
               {K::kSql, "customers", "naive-flags.sql", 5}};
    s.after_safe = s.after_naive = with(kBaseline, "", "", split_street);
  }
  {
    auto& s = add(5, "05-rename-field", "customers-given-name");
    s.naive = {{K::kSql, "customers", "naive.sql", 0},
               {K::kSql, "customers", "naive-flags.sql", 5}};
    s.after_safe = s.after_naive = with(kBaseline, given, "", "");
  }
  {
    auto& s = add(6, "06-restructure-nested-object", "fulfillment-reads-customers-v2");
    s.naive = {{K::kPatchedImage, "customers", "naive.patch", 0}};
    s.naive_observe_s = 20;
  }
  {
    auto& s = add(7, "07-deprecate-endpoint", "retire-customers-v1");
    s.clients = shop_clients(true);
    s.prior_flags = {{"fulfillment", "fulfillment.customers_api", "new"}};
    s.naive = {{K::kSql, "customers", "naive-flags.sql", 0}};
  }
  {
    auto& s = add(8, "08-evolve-event-payload", "order-created-total-cents");
    s.naive = {{K::kSql, "orders", "naive-flags.sql", 0}};
    s.relaxes_subject_for_contract = true;
  }
  return all;
}

}  // namespace

const std::vector<Scenario>& catalog() {
  static const std::vector<Scenario> all = make_catalog();
  return all;
}

const Scenario& scenario(int number) {
  if (number < 1 || number > static_cast<int>(catalog().size()))
    throw std::out_of_range("no scenario " + std::to_string(number) + " (there are 1 to 8)");
  return catalog()[static_cast<std::size_t>(number - 1)];
}

}  // namespace schemashift::scenarios
