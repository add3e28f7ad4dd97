#include "pg_pool.h"

#include <algorithm>

namespace schemashift::svc {

std::string with_connect_timeout(const std::string& dsn, int seconds) {
  if (dsn.find("connect_timeout") != std::string::npos) return dsn;
  const std::string value = std::to_string(std::max(2, seconds));  // libpq's floor is 2 s
  const bool uri = dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0;
  if (!uri) return dsn + (dsn.empty() ? "" : " ") + "connect_timeout=" + value;
  return dsn + (dsn.find('?') == std::string::npos ? "?" : "&") + "connect_timeout=" + value;
}

PgPool::PgPool(std::string dsn, int size, std::chrono::milliseconds acquire_timeout,
               std::chrono::milliseconds statement_timeout)
    : dsn_(with_connect_timeout(dsn, static_cast<int>((acquire_timeout.count() + 999) / 1000))),
      size_(std::max(1, size)),
      acquire_timeout_(acquire_timeout),
      statement_timeout_(statement_timeout) {}

PgPool::~PgPool() = default;

std::unique_ptr<pqxx::connection> PgPool::connect() {
  auto conn = std::make_unique<pqxx::connection>(dsn_);
  pqxx::nontransaction nt(*conn);
  nt.exec("SET statement_timeout = " + std::to_string(statement_timeout_.count()));
  return conn;
}

PgPool::Lease PgPool::acquire() {
  std::unique_lock lock(mu_);
  const auto deadline = std::chrono::steady_clock::now() + acquire_timeout_;
  if (!cv_.wait_until(lock, deadline, [this] { return !idle_.empty() || open_ < size_; }))
    throw Unavailable("no database connection free within " +
                      std::to_string(acquire_timeout_.count()) + " ms");
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(conn));
  }
  ++open_;  // reserve the slot, connect outside the lock
  lock.unlock();
  try {
    return Lease(this, connect());
  } catch (const std::exception&) {
    lock.lock();
    --open_;
    cv_.notify_one();
    // pqxx's message names host and user; the client and the log only need that it failed.
    throw Unavailable("the database is unreachable");
  }
}

void PgPool::give_back(std::unique_ptr<pqxx::connection> conn) {
  std::lock_guard lock(mu_);
  if (conn) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  cv_.notify_one();
}

bool PgPool::healthy() {
  try {
    auto lease = acquire();
    try {
      pqxx::nontransaction nt(lease.conn());
      nt.exec("SELECT 1");
      return true;
    } catch (const std::exception&) {
      lease.discard();
      return false;
    }
  } catch (const std::exception&) {
    return false;
  }
}

int PgPool::open() const {
  std::lock_guard lock(mu_);
  return open_;
}

PgPool::Lease::Lease(PgPool* pool, std::unique_ptr<pqxx::connection> conn)
    : pool_(pool), conn_(std::move(conn)) {}

PgPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      conn_(std::move(other.conn_)),
      discard_(other.discard_) {}

PgPool::Lease& PgPool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::exchange(other.pool_, nullptr);
    conn_ = std::move(other.conn_);
    discard_ = other.discard_;
  }
  return *this;
}

PgPool::Lease::~Lease() { release(); }

void PgPool::Lease::release() {
  if (!pool_) return;
  auto* pool = std::exchange(pool_, nullptr);
  if (discard_ || !conn_ || !conn_->is_open()) {
    conn_.reset();
    pool->give_back(nullptr);
  } else {
    pool->give_back(std::move(conn_));
  }
}

pqxx::connection& PgPool::Lease::conn() { return *conn_; }

void PgPool::Lease::discard() { discard_ = true; }

}  // namespace schemashift::svc
