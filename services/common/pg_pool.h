// PgPool: at most `size` PostgreSQL connections shared by the request threads. Waiting for one
// is bounded by the acquire timeout; a database that is down or a pool that stays exhausted is
// Unavailable (503 + Retry-After), never a hung request. Broken connections are dropped and
// replaced lazily, so the pool recovers by itself when the database returns. Every new
// connection sets statement_timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#include <pqxx/pqxx>

#include "http_errors.h"

namespace schemashift::svc {

class PgPool {
 public:
  PgPool(std::string dsn, int size, std::chrono::milliseconds acquire_timeout,
         std::chrono::milliseconds statement_timeout);
  ~PgPool();
  PgPool(const PgPool&) = delete;
  PgPool& operator=(const PgPool&) = delete;

  // A connection on loan: back to the pool on destruction, or dropped if broken/discarded.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    pqxx::connection& conn();
    void discard();  // the connection is not to be reused

   private:
    friend class PgPool;
    Lease(PgPool* pool, std::unique_ptr<pqxx::connection> conn);
    void release();
    PgPool* pool_ = nullptr;
    std::unique_ptr<pqxx::connection> conn_;
    bool discard_ = false;
  };

  Lease acquire();   // throws Unavailable when the timeout passes or the database is down
  bool healthy();    // SELECT 1 within the acquire timeout (for /readyz)
  int open() const;  // connections open now (idle and leased)

 private:
  std::unique_ptr<pqxx::connection> connect();
  void give_back(std::unique_ptr<pqxx::connection> conn);

  std::string dsn_;
  int size_;
  std::chrono::milliseconds acquire_timeout_, statement_timeout_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;
  int open_ = 0;
};

// `dsn` with connect_timeout set (key=value or URI form), unless it names one already.
std::string with_connect_timeout(const std::string& dsn, int seconds);

// Runs f(pqxx::work&) in a transaction and commits it; returns f's result. A connection
// found broken before the commit is dropped and the whole transaction tried once more on a
// fresh one; a second failure (or a broken commit, whose outcome is unknown) propagates.
template <class F>
auto with_transaction(PgPool& pool, F&& f) {
  for (int attempt = 0;; ++attempt) {
    auto lease = pool.acquire();
    try {
      pqxx::work tx(lease.conn());
      if constexpr (std::is_void_v<decltype(f(tx))>) {
        f(tx);
        tx.commit();
        return;
      } else {
        auto result = f(tx);
        tx.commit();
        return result;
      }
    } catch (const pqxx::in_doubt_error&) {
      lease.discard();
      throw;
    } catch (const pqxx::broken_connection&) {
      lease.discard();
      if (attempt >= 1) throw;
    }
  }
}

}  // namespace schemashift::svc
