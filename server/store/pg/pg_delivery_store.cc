#include "server/store/pg/pg_delivery_store.h"

#include <pqxx/pqxx>

#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"
#include "server/common/crypto.h"
#include "server/common/enum_names.h"
#include "server/common/log.h"
#include "server/common/status.h"
#include "server/store/pg/pg_inbox_store.h"
#include "server/store/pg/rows.h"

namespace notify::pg {
namespace {

namespace v1 = notifications::v1;

// A well-formed id that no delivery has, for a malformed one.
constexpr const char* kNoSuchDelivery = "00000000-0000-0000-0000-000000000000";

double Seconds(absl::Duration d) { return absl::ToDoubleSeconds(d); }

// The insert of one delivery: $1 company, $2.. the fields. A repeated dedupe key inserts nothing,
// as does a company that is gone: the company's row is locked (FOR KEY SHARE) until the insert
// commits, so that a purge, which deletes the company before its deliveries, sees the new row.
constexpr const char* kInsertDelivery =
    "WITH c AS (SELECT id FROM companies WHERE id = $1 FOR KEY SHARE)"
    " INSERT INTO deliveries (company_id, dedupe_key, event_id, notification_id, notification_name,"
    " event, type, user_id, recipient, device_id, from_email, subject, text_message, html_message,"
    " sms_message, push_message, status, last_error, resend_of, sent)"
    " SELECT c.id, $2, nullif($3, '')::uuid, nullif($4, '')::uuid, $5, $6, $7, $8, $9,"
    " nullif($10, '')::uuid, $11, $12, $13, $14, $15, $16, $17, $18, nullif($19, '')::uuid,"
    " CASE WHEN $17 = 'sent' THEN now() END FROM c"
    " ON CONFLICT (company_id, dedupe_key) DO NOTHING";

pqxx::result InsertDelivery(pqxx::transaction_base& tx, absl::string_view company,
                            const NewDelivery& d, absl::string_view returning) {
  return tx.exec_params(absl::StrCat(kInsertDelivery, returning), std::string(company),
                        d.dedupe_key, d.event_id, d.notification_id, d.notification_name, d.event,
                        ShortName(d.type), d.user_id, d.recipient, d.device_id, d.from_email,
                        d.subject, d.text_message, d.html_message, d.sms_message, d.push_message,
                        ShortName(d.status), d.last_error, d.resend_of);
}

// A job from a row's columns `first`.. (company_id, id, type, user_id, recipient, device id, device
// token, from_email, subject, text, html, sms, push, event, notification_name, attempt_count).
DeliveryJob JobFromRow(const pqxx::row& row, int first) {
  DeliveryJob j;
  std::string type;
  std::string* fields[] = {
      &j.company,      &j.id,           &type,           &j.user_id, &j.recipient,
      &j.device_id,    &j.device_token, &j.from_email,   &j.subject, &j.text_message,
      &j.html_message, &j.sms_message,  &j.push_message, &j.event,   &j.notification_name};
  int i = first;
  for (std::string* field : fields) *field = row[i++].as<std::string>();
  j.type = FromShortName<v1::NotificationType>(type).value_or(v1::NOTIFICATION_TYPE_UNSPECIFIED);
  j.attempt_count = row[i++].as<int>();
  j.lease_until = absl::FromUnixMicros(row[i].as<int64_t>());
  return j;
}

// The ids and lease ends of what a renewal names, as the uuid[] and int8[] parameters of a
// statement that unnests them side by side.
template <typename Held>
std::pair<std::string, std::string> IdsAndLeases(const std::vector<Held>& held) {
  std::vector<absl::string_view> ids;
  std::vector<std::string> micros;
  for (const Held& h : held) {
    ids.push_back(IsUuid(h.id) ? absl::string_view(h.id) : absl::string_view(kNoSuchDelivery));
    micros.push_back(absl::StrCat(absl::ToUnixMicros(h.lease_until)));
  }
  return {TextArray(ids), absl::StrCat("{", absl::StrJoin(micros, ","), "}")};
}

// Those of `held` whose id is in `renewed` (id, new lease end in microseconds), with the new lease.
template <typename Held>
std::vector<Held> StillHeld(std::vector<Held> held, const pqxx::result& renewed) {
  std::map<std::string, absl::Time, std::less<>> leases;
  for (const auto& row : renewed) {
    leases.emplace(row[0].as<std::string>(), absl::FromUnixMicros(row[1].as<int64_t>()));
  }
  std::vector<Held> out;
  for (Held& h : held) {
    auto it = leases.find(h.id);
    if (it == leases.end()) continue;
    h.lease_until = it->second;
    out.push_back(std::move(h));
  }
  return out;
}

absl::Status EventNotFound() {
  return WithReason(absl::NotFoundError("No such event."), "EVENT_NOT_FOUND");
}

}  // namespace

absl::StatusOr<std::vector<ClaimedEvent>> PgDeliveryStore::ClaimEvents(int limit,
                                                                       absl::Duration lease) {
  std::vector<ClaimedEvent> events;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("claiming events", [&](pqxx::connection& conn) {
    events.clear();
    pqxx::nontransaction tx(conn);  // One statement: its own transaction.
    pqxx::result rows = tx.exec_prepared("claim_events", limit, Seconds(lease));
    // A place in the queue whose event is gone (deleted by hand; a purge deletes both) is
    // dropped.
    std::vector<absl::string_view> gone;
    for (const auto& row : rows) {
      if (row[0].is_null()) {
        gone.push_back(row[1].c_str());
        continue;
      }
      events.push_back(ClaimedEvent{row[0].as<std::string>(), row[1].as<std::string>(),
                                    row[2].as<std::string>(), row[3].as<std::string>(),
                                    row[4].as<std::string>(), row[5].as<int>(),
                                    absl::FromUnixMicros(row[6].as<int64_t>())});
    }
    if (!gone.empty()) {
      // The claim is committed: a failure here loses nothing (the next claim of these tries again).
      try {
        tx.exec_params("DELETE FROM event_queue WHERE id = ANY($1::uuid[])", TextArray(gone));
      } catch (const std::exception& e) {
        log::Warn("could not drop queued events whose event is gone",
                  {{"events", static_cast<int>(gone.size())}, {"error", e.what()}});
      }
    }
    return absl::OkStatus();
  }));
  return events;
}

absl::StatusOr<std::vector<ClaimedEvent>> PgDeliveryStore::RenewEvents(
    std::vector<ClaimedEvent> events, absl::Duration lease) {
  if (events.empty()) return events;
  const auto [ids, leases] = IdsAndLeases(events);
  pqxx::result renewed;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("renewing the lease of events", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    renewed = tx.exec_prepared("renew_events", ids, leases, Seconds(lease));
    return absl::OkStatus();
  }));
  return StillHeld(std::move(events), renewed);
}

namespace {

// Text made valid UTF-8 for PostgreSQL: a sequence cut short or malformed (a template filter may
// cut text inside one) becomes U+FFFD, and so does a NUL (which text and jsonb cannot hold:
// "\u0000" in JSON is refused too). Either would fail the whole batch.
std::string ValidUtf8(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    unsigned int min = 0;
    unsigned int code = 0;
    if (c == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
      continue;
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      length = 2, min = 0x80, code = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, min = 0x800, code = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, min = 0x10000, code = c & 0x07;
    }
    bool valid = length > 0 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      code = (code << 6) | (next & 0x3F);
    }
    valid = valid && code >= min && code <= 0x10FFFF && (code < 0xD800 || code > 0xDFFF);
    if (valid) {
      out.append(text.data() + i, length);
      i += length;
    } else {
      out.append("\xEF\xBF\xBD");
      ++i;
    }
  }
  return out;
}

// Text cut by a template filter may end inside a UTF-8 sequence; replace rather than throw.
std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Deliveries as the parallel text arrays kInsertDeliveries reads: one array a column, one element
// a delivery, each with its outcome so far.
class DeliveryColumns {
 public:
  void Add(absl::string_view company, const NewDelivery& d) {
    // The attempts as JSON, written directly: building a JSON tree took half the time of turning a
    // row into columns.
    std::string attempts = "[";
    int number = 0;
    for (const DeliveryAttempt& a : d.attempts) {
      if (number++ > 0) attempts += ",";
      absl::StrAppend(&attempts, "{\"number\":", number, ",\"started\":\"", *TimeParam(a.started),
                      "\",\"duration_ms\":", absl::ToInt64Milliseconds(a.duration),
                      ",\"success\":", a.success ? "true" : "false",
                      ",\"provider_status\":", a.provider_status,
                      ",\"error\":", Dump(ValidUtf8(a.error)), "}");
    }
    attempts += "]";
    const std::string next_attempt =
        d.next_attempt == absl::InfinitePast() ? "" : *TimeParam(d.next_attempt);
    const std::string values[kColumns] = {
        std::string(company),
        // Made here when missing, ordered by time like the handed ones: the primary key's index
        // then grows at its end instead of taking each row on a random page.
        IsUuid(d.id) ? d.id : TimeOrderedUuid(absl::Now()), d.dedupe_key, d.event_id,
        d.notification_id, d.notification_name, d.event, ShortName(d.type), d.user_id, d.recipient,
        d.device_id, d.from_email, d.subject, d.text_message, d.html_message, d.sms_message,
        d.push_message, ShortName(d.status), d.last_error, d.resend_of, attempts, next_attempt};
    for (int c = 0; c < kColumns; ++c) columns_[c].push_back(ValidUtf8(values[c]));
    companies_.insert(std::string(company));
  }

  bool empty() const { return columns_[0].empty(); }

  // Runs kInsertDeliveries ("insert_deliveries") with these rows; how many were inserted.
  int Insert(pqxx::transaction_base& tx) const {
    std::vector<std::string> arrays;
    for (const std::vector<std::string>& column : columns_) {
      arrays.push_back(TextArray(std::vector<absl::string_view>(column.begin(), column.end())));
    }
    arrays.push_back(
        TextArray(std::vector<absl::string_view>(companies_.begin(), companies_.end())));
    return static_cast<int>(
        tx.exec_prepared("insert_deliveries", pqxx::prepare::make_dynamic_params(arrays))
            .affected_rows());
  }

 private:
  static constexpr int kColumns = 22;
  std::vector<std::string> columns_[kColumns];
  std::set<std::string> companies_;
};

// Deliveries from the 22 text arrays of DeliveryColumns ($1..$22), each with its outcome so far;
// those whose dedupe key exists are skipped. $23 lists the rows' companies: each is locked once
// (FOR KEY SHARE, as a foreign key would for each row), and the rows of one that is gone are
// skipped.
constexpr char kInsertDeliveries[] =
    "WITH c AS (SELECT id FROM companies WHERE id = ANY($23::text[]) FOR KEY SHARE)"
    " INSERT INTO deliveries (company_id, id, dedupe_key, event_id, notification_id,"
    " notification_name, event, type, user_id, recipient, device_id, from_email, subject,"
    " text_message, html_message, sms_message, push_message, status, last_error, resend_of, sent,"
    " attempt_count, attempts, next_attempt)"
    " SELECT d.company_id, d.id::uuid, d.dedupe_key,"
    "  nullif(d.event_id, '')::uuid, nullif(d.notification_id, '')::uuid, d.notification_name,"
    "  d.event, d.type, d.user_id, d.recipient, nullif(d.device_id, '')::uuid, d.from_email,"
    "  d.subject, d.text_message, d.html_message, d.sms_message, d.push_message, d.status,"
    "  d.last_error, nullif(d.resend_of, '')::uuid, CASE WHEN d.status = 'sent' THEN now() END,"
    "  jsonb_array_length(d.attempts::jsonb), d.attempts::jsonb,"
    "  coalesce(nullif(d.next_attempt, '')::timestamptz, now())"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],"
    "  $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],"
    "  $14::text[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[],"
    "  $20::text[], $21::text[], $22::text[])"
    "  AS d(company_id, id, dedupe_key, event_id, notification_id, notification_name, event,"
    "  type, user_id, recipient, device_id, from_email, subject, text_message, html_message,"
    "  sms_message, push_message, status, last_error, resend_of, attempts, next_attempt)"
    " WHERE d.company_id IN (SELECT id FROM c)"
    " ON CONFLICT (company_id, dedupe_key) DO NOTHING";

}  // namespace

absl::StatusOr<int> PgDeliveryStore::FinishEvents(const std::vector<FinishedEvent>& events) {
  return Write(events, /*finish=*/true);
}

absl::StatusOr<int> PgDeliveryStore::WriteDeliveries(const std::vector<FinishedEvent>& events) {
  return Write(events, /*finish=*/false);
}

absl::StatusOr<int> PgDeliveryStore::Write(const std::vector<FinishedEvent>& events, bool finish) {
  // Two statements for the whole batch: the deliveries, and the events' outcomes.
  DeliveryColumns deliveries;
  nlohmann::json outcomes = nlohmann::json::array();
  std::vector<absl::string_view> event_ids;
  for (const FinishedEvent& e : events) {
    event_ids.push_back(e.id);
    outcomes.push_back({{"company_id", e.company},
                        {"id", e.id},
                        {"status", ShortName(e.status)},
                        {"error", ValidUtf8(e.error)}});
    for (const NewDelivery& d : e.deliveries) deliveries.Add(e.company, d);
  }
  int created = 0;
  NOTIFY_RETURN_IF_ERROR(
      pool_->Run(finish ? "finishing events" : "writing deliveries", [&](pqxx::connection& conn) {
        pqxx::work tx(conn);
        created = deliveries.empty() ? 0 : deliveries.Insert(tx);
        if (!finish) {
          tx.commit();
          return absl::OkStatus();
        }
        tx.exec_prepared("finish_events", Dump(outcomes), TextArray(event_ids));
        tx.commit();
        return absl::OkStatus();
      }));
  return created;
}

void PgDeliveryStore::WriteSentAsync(absl::string_view company, NewDelivery delivery,
                                     std::function<void(absl::Status)> done) {
  sent_.SubmitAsync(
      Sent{std::string(company), std::move(delivery)},
      [done = std::move(done)](absl::StatusOr<bool> written) { done(written.status()); });
}

std::vector<absl::StatusOr<bool>> PgDeliveryStore::WriteSentBatch(const std::vector<Sent>& sent) {
  DeliveryColumns rows;
  for (const Sent& s : sent) rows.Add(s.company, s.delivery);
  absl::Status status = pool_->Run("writing sent deliveries", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);  // One statement: its own transaction.
    rows.Insert(tx);
    return absl::OkStatus();
  });
  return std::vector<absl::StatusOr<bool>>(
      sent.size(), status.ok() ? absl::StatusOr<bool>(true) : absl::StatusOr<bool>(status));
}

absl::StatusOr<std::set<std::string>> PgDeliveryStore::ExistingDedupeKeys(
    absl::string_view company, const std::vector<std::string>& keys) {
  std::set<std::string> existing;
  if (keys.empty()) return existing;
  std::vector<absl::string_view> list(keys.begin(), keys.end());
  NOTIFY_RETURN_IF_ERROR(pool_->Run("reading dedupe keys", [&](pqxx::connection& conn) {
    existing.clear();
    pqxx::nontransaction tx(conn);
    // Not prepared: a plan made while the table was small or had no statistics reads the
    // company's rows through another index of company_id (cost ties); planned each time, it
    // follows the statistics.
    for (const auto& row : tx.exec_params("SELECT dedupe_key FROM deliveries"
                                          " WHERE company_id = $1 AND dedupe_key = ANY($2::text[])",
                                          std::string(company), TextArray(list))) {
      existing.insert(row[0].as<std::string>());
    }
    return absl::OkStatus();
  }));
  return existing;
}

absl::Status PgDeliveryStore::PostponeEvent(absl::string_view company, absl::string_view id,
                                            absl::string_view error, absl::Duration delay) {
  return pool_->Run("postponing an event", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    tx.exec_params(
        "WITH later AS (UPDATE event_queue"
        "   SET due = now() + make_interval(secs => $4), lease_until = NULL WHERE id = $2::uuid)"
        " UPDATE events SET error = $3"
        " WHERE company_id = $1 AND id = $2::uuid AND status = 'pending'",
        std::string(company), std::string(id), std::string(error), Seconds(delay));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<v1::Log>> PgDeliveryStore::InsertTriggered(
    absl::string_view company, absl::string_view id, absl::string_view name,
    absl::string_view data_json, const std::vector<NewDelivery>& deliveries) {
  std::vector<v1::Log> logs;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("recording a trigger", [&](pqxx::connection& conn) {
    logs.clear();
    pqxx::work tx(conn);
    tx.exec_params(
        "INSERT INTO events (company_id, id, event_id, name, data, origin, status, processed)"
        " VALUES ($1, $2::uuid, 'trigger:' || $2, $3, $4::jsonb, 'trigger', 'processed', now())",
        std::string(company), std::string(id), std::string(name), std::string(data_json));
    for (const NewDelivery& d : deliveries) {
      pqxx::result rows = InsertDelivery(tx, company, d, absl::StrCat(" RETURNING ", LogColumns()));
      if (!rows.empty()) logs.push_back(LogFromRow(rows[0]));
    }
    tx.commit();
    return absl::OkStatus();
  }));
  return logs;
}

absl::StatusOr<NewDelivery> PgDeliveryStore::Load(absl::string_view company, absl::string_view id) {
  std::optional<NewDelivery> found;
  if (IsUuid(id)) {
    NOTIFY_RETURN_IF_ERROR(pool_->Run("reading a delivery", [&](pqxx::connection& conn) {
      pqxx::nontransaction tx(conn);
      pqxx::result rows = tx.exec_params(
          "SELECT dedupe_key, coalesce(event_id::text, ''), coalesce(notification_id::text, ''),"
          " notification_name, event, type, user_id, recipient, coalesce(device_id::text, ''),"
          " from_email, subject, text_message, html_message, sms_message, push_message, status,"
          " last_error, coalesce(resend_of::text, '')"
          " FROM deliveries WHERE company_id = $1 AND id = $2::uuid",
          std::string(company), std::string(id));
      if (rows.empty()) return absl::OkStatus();
      const pqxx::row& r = rows[0];
      NewDelivery d;
      std::string type;
      std::string status;
      std::string* fields[] = {
          &d.dedupe_key, &d.event_id,     &d.notification_id, &d.notification_name, &d.event,
          &type,         &d.user_id,      &d.recipient,       &d.device_id,         &d.from_email,
          &d.subject,    &d.text_message, &d.html_message,    &d.sms_message,       &d.push_message,
          &status,       &d.last_error,   &d.resend_of};
      for (size_t i = 0; i < std::size(fields); ++i)
        *fields[i] = r[static_cast<int>(i)].as<std::string>();
      d.type =
          FromShortName<v1::NotificationType>(type).value_or(v1::NOTIFICATION_TYPE_UNSPECIFIED);
      d.status = FromShortName<v1::LogStatus>(status).value_or(v1::LOG_STATUS_UNSPECIFIED);
      found = std::move(d);
      return absl::OkStatus();
    }));
  }
  if (!found.has_value()) {
    return WithReason(absl::NotFoundError("No such log."), "LOG_NOT_FOUND");
  }
  return *found;
}

absl::StatusOr<v1::Log> PgDeliveryStore::InsertOne(absl::string_view company,
                                                   const NewDelivery& delivery) {
  std::optional<v1::Log> log;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("creating a delivery", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows =
        InsertDelivery(tx, company, delivery, absl::StrCat(" RETURNING ", LogColumns()));
    if (!rows.empty()) log = LogFromRow(rows[0]);
    return absl::OkStatus();
  }));
  if (!log.has_value()) {
    return absl::AlreadyExistsError("a delivery with this key exists already");
  }
  return *log;
}

absl::StatusOr<std::vector<DeliveryJob>> PgDeliveryStore::ClaimDeliveries(v1::NotificationType type,
                                                                          int limit,
                                                                          absl::Duration lease) {
  std::vector<DeliveryJob> jobs;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("claiming deliveries", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows =
        tx.exec_prepared("claim_deliveries", ShortName(type), limit, Seconds(lease));
    for (const auto& row : rows) jobs.push_back(JobFromRow(row, 0));
    return absl::OkStatus();
  }));
  return jobs;
}

absl::StatusOr<std::vector<DeliveryJob>> PgDeliveryStore::RenewDeliveries(
    std::vector<DeliveryJob> jobs, absl::Duration lease) {
  if (jobs.empty()) return jobs;
  const auto [ids, leases] = IdsAndLeases(jobs);
  pqxx::result renewed;
  NOTIFY_RETURN_IF_ERROR(
      pool_->Run("renewing the lease of deliveries", [&](pqxx::connection& conn) {
        pqxx::nontransaction tx(conn);
        renewed = tx.exec_prepared("renew_deliveries", ids, leases, Seconds(lease));
        return absl::OkStatus();
      }));
  return StillHeld(std::move(jobs), renewed);
}

PgDeliveryStore::PgDeliveryStore(PgPool* pool)
    : pool_(pool),
      attempts_([this](std::vector<Attempt>& attempts) { return RecordAttempts(attempts); },
                {.max_batch = 64, .max_concurrent = 1}),
      sent_([this](std::vector<Sent>& sent) { return WriteSentBatch(sent); },
            {.max_batch = 64, .max_concurrent = 1}) {}

absl::Status PgDeliveryStore::RecordAttempt(absl::string_view company, absl::string_view id,
                                            const DeliveryAttempt& attempt, v1::LogStatus status,
                                            absl::Duration retry_in) {
  // Senders finishing at the same time share a statement and a commit (see GroupCommit); each
  // still returns only when its own outcome is written.
  return attempts_
      .Submit(Attempt{std::string(company), std::string(id), attempt, ShortName(status), retry_in})
      .status();
}

std::vector<absl::StatusOr<bool>> PgDeliveryStore::RecordAttempts(
    const std::vector<Attempt>& attempts) {
  nlohmann::json rows = nlohmann::json::array();
  // The ids again as an array, so that the plan looks the deliveries up by id whatever it guesses
  // of the JSON's size.
  std::vector<absl::string_view> ids;
  for (const Attempt& a : attempts) {
    const absl::string_view id =
        IsUuid(a.id) ? absl::string_view(a.id) : absl::string_view(kNoSuchDelivery);
    ids.push_back(id);
    rows.push_back({{"company_id", a.company},
                    {"id", id},
                    {"status", a.status},
                    {"error", a.attempt.error},
                    {"retry_in", Seconds(a.retry_in)},
                    {"started", *TimeParam(a.attempt.started)},
                    {"duration_ms", absl::ToInt64Milliseconds(a.attempt.duration)},
                    {"success", a.attempt.success},
                    {"provider_status", a.attempt.provider_status}});
  }
  absl::Status status = pool_->Run("recording attempts", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);  // One statement: its own transaction.
    tx.exec_prepared("record_attempts",
                     rows.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                     TextArray(ids));
    return absl::OkStatus();
  });
  return std::vector<absl::StatusOr<bool>>(
      attempts.size(), status.ok() ? absl::StatusOr<bool>(true) : absl::StatusOr<bool>(status));
}

// The claims pick their rows in a sub-select and update them by id (unique), so that the update
// finds them through the index whatever the plan guesses of how many there are (a generic plan
// cannot know the LIMIT).
//
// A delivery claimed by a sender is due again when its lease
// ends: next_attempt moves there with lease_until. The senders' queue index is ordered by
// next_attempt, so a claim reads only what is due and never steps over deliveries in flight,
// however many there are.
void PgDeliveryStore::Prepare(pqxx::connection& conn) {
  // Planned once per connection: a plan of either takes longer than running it on a batch.
  conn.prepare("insert_deliveries", kInsertDeliveries);
  // The events leave the workers' queue and take their outcome.
  conn.prepare("finish_events",
               "WITH dequeued AS (DELETE FROM event_queue WHERE id = ANY($2::uuid[]))"
               " UPDATE events e SET status = o.status, error = o.error, processed = now()"
               " FROM jsonb_to_recordset($1::jsonb) AS o(company_id text, id text, status text,"
               "  error text)"
               " WHERE e.company_id = o.company_id AND e.id = o.id::uuid"
               "  AND e.id = ANY($2::uuid[])");
  // Outcomes of attempts, a batch in one statement. Only a delivery still waiting takes its
  // attempt: one whose lease ran out and that another worker finished meanwhile keeps that outcome.
  // A recorded outcome clears the lease, which every sender holds, so a statement run again (its
  // first answer lost with the connection) records nothing twice. A delivery cancelled while in
  // flight (its company deactivated) takes only a sent outcome: that one did go out.
  // "Still waiting" is written as "not finished" so that the plan cannot use the senders' queue
  // index (whose predicate "waiting" it would match) and read every waiting delivery's entry: the
  // rows are found by id. The same goes for the other updates by id below.
  conn.prepare(
      "record_attempts",
      "UPDATE deliveries d SET attempt_count = d.attempt_count + 1, status = o.status,"
      " last_error = CASE WHEN o.success THEN '' ELSE o.error END, lease_until = NULL,"
      " updated = now(),"
      " next_attempt = CASE WHEN o.status = 'retrying'"
      "                THEN now() + make_interval(secs => o.retry_in) ELSE d.next_attempt END,"
      " sent = CASE WHEN o.status = 'sent' THEN now() ELSE d.sent END,"
      " attempts = d.attempts || jsonb_build_array(jsonb_build_object("
      "  'number', d.attempt_count + 1, 'started', o.started, 'duration_ms', o.duration_ms,"
      "  'success', o.success, 'provider_status', o.provider_status, 'error', o.error))"
      " FROM jsonb_to_recordset($1::jsonb) AS o(company_id text, id uuid, status text,"
      "  error text, retry_in float8, started timestamptz, duration_ms integer, success boolean,"
      "  provider_status integer)"
      " WHERE d.company_id = o.company_id AND d.id = o.id AND d.id = ANY($2::uuid[])"
      "  AND d.lease_until IS NOT NULL AND (d.status NOT IN ('sent', 'dead', 'skipped', "
      "'cancelled')"
      "   OR (d.status = 'cancelled' AND o.status = 'sent'))");
  conn.prepare("claim_deliveries",
               "UPDATE deliveries d SET lease_until = now() + make_interval(secs => $3),"
               "  next_attempt = now() + make_interval(secs => $3)"
               " WHERE d.id = ANY(ARRAY("
               "  SELECT id FROM deliveries"
               "  WHERE type = $1 AND status IN ('pending', 'retrying', 'deferred')"
               "   AND next_attempt <= now() AND (lease_until IS NULL OR lease_until < now())"
               "  ORDER BY next_attempt LIMIT $2 FOR UPDATE SKIP LOCKED))"
               " RETURNING d.company_id, d.id::text, d.type, d.user_id, d.recipient,"
               "  coalesce(d.device_id::text, ''),"
               "  coalesce((SELECT token FROM devices v"
               "            WHERE v.company_id = d.company_id AND v.id = d.device_id), ''),"
               "  d.from_email, d.subject, d.text_message, d.html_message, d.sms_message,"
               "  d.push_message, d.event, d.notification_name, d.attempt_count,"
               "  (extract(epoch FROM d.lease_until) * 1000000)::int8");
  // A renewal extends only the leases it names unchanged (microseconds since the epoch, as a
  // claim returned them: exact both ways) and not run out, of deliveries still waiting.
  conn.prepare("renew_deliveries",
               "UPDATE deliveries d SET lease_until = now() + make_interval(secs => $3),"
               "  next_attempt = now() + make_interval(secs => $3)"
               " FROM unnest($1::uuid[], $2::int8[]) AS h(id, lease)"
               " WHERE d.id = h.id AND d.lease_until > now()"
               "  AND (extract(epoch FROM d.lease_until) * 1000000)::int8 = h.lease"
               "  AND d.status NOT IN ('sent', 'dead', 'skipped', 'cancelled')"
               " RETURNING d.id::text, (extract(epoch FROM d.lease_until) * 1000000)::int8");
  // The events due soonest (oldest first) that no worker holds. The lease is in no index: the
  // claim stays on the row's page and touches no index, and the rows it locked are updated where
  // they are (by ctid, which the lock keeps from changing), not looked up again by id. The event's
  // columns come from events; a place whose event is gone comes back with nulls.
  conn.prepare("claim_events",
               "WITH claimed AS ("
               "  UPDATE event_queue q SET lease_until = now() + make_interval(secs => $2),"
               "   attempts = q.attempts + 1"
               "  WHERE q.ctid = ANY(ARRAY("
               "   SELECT ctid FROM event_queue"
               "   WHERE due <= now() AND (lease_until IS NULL OR lease_until < now())"
               "   ORDER BY due LIMIT $1 FOR UPDATE SKIP LOCKED))"
               "  RETURNING q.id, q.attempts, q.lease_until)"
               " SELECT e.company_id, c.id::text, e.event_id, e.name, e.data::text, c.attempts,"
               "  (extract(epoch FROM c.lease_until) * 1000000)::int8"
               " FROM claimed c LEFT JOIN events e ON e.id = c.id"
               " ORDER BY e.received");
  conn.prepare("renew_events",
               "UPDATE event_queue q SET lease_until = now() + make_interval(secs => $3)"
               " FROM unnest($1::uuid[], $2::int8[]) AS h(id, lease)"
               " WHERE q.id = h.id AND q.lease_until > now()"
               "  AND (extract(epoch FROM q.lease_until) * 1000000)::int8 = h.lease"
               " RETURNING q.id::text, (extract(epoch FROM q.lease_until) * 1000000)::int8");
}

absl::Status PgDeliveryStore::Settle(absl::string_view company, absl::string_view id,
                                     v1::LogStatus status, absl::string_view reason,
                                     absl::Time until) {
  return pool_->Run("settling a delivery", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    tx.exec_params(
        "UPDATE deliveries SET status = $3, last_error = $4, lease_until = NULL, updated = now(),"
        " next_attempt = CASE WHEN $3 = 'deferred' THEN $5::timestamptz ELSE next_attempt END"
        " WHERE company_id = $1 AND id = $2::uuid"
        "  AND status NOT IN ('sent', 'dead', 'skipped', 'cancelled')",
        std::string(company), std::string(id), ShortName(status), std::string(reason),
        TimeParam(until));
    return absl::OkStatus();
  });
}

absl::StatusOr<int> PgDeliveryStore::CountSent(absl::string_view company, v1::NotificationType type,
                                               absl::Time since) {
  int count = 0;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("counting sent messages", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    count = tx.exec_params(
                  "SELECT count(*) FROM deliveries WHERE company_id = $1 AND type = $2"
                  " AND status = 'sent' AND sent >= $3::timestamptz",
                  std::string(company), ShortName(type), TimeParam(since))[0][0]
                .as<int>();
    return absl::OkStatus();
  }));
  return count;
}

absl::Status PgDeliveryStore::ReplayEvent(absl::string_view company, absl::string_view id) {
  if (!IsUuid(id)) return EventNotFound();
  std::string found_status;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("replaying an event", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec_params(
        "WITH target AS (SELECT status, origin FROM events"
        "   WHERE company_id = $1 AND id = $2::uuid),"
        // One attempt counted already, so that its next processing (attempts above one) looks for
        // the messages it made and sends none of them again.
        " replayed AS (UPDATE events SET status = 'pending', error = '', processed = NULL"
        "   WHERE company_id = $1 AND id = $2::uuid AND status <> 'ignored' AND origin = 'webhook'"
        "   RETURNING id),"
        " queued AS (INSERT INTO event_queue (id, attempts) SELECT id, 1 FROM replayed"
        "   ON CONFLICT (id) DO UPDATE SET due = now(), lease_until = NULL, attempts = 1)"
        " SELECT CASE WHEN origin = 'trigger' THEN 'trigger' ELSE status END FROM target",
        std::string(company), std::string(id));
    found_status = rows.empty() ? "" : rows[0][0].as<std::string>();
    return absl::OkStatus();
  }));
  if (found_status.empty()) return EventNotFound();
  if (found_status == "trigger") {
    return WithReason(absl::FailedPreconditionError(
                          "This event is an admin's trigger; trigger the notification again."),
                      "EVENT_IGNORED");
  }
  if (found_status == "ignored") {
    return WithReason(absl::FailedPreconditionError(
                          "This event was ignored (no notification can handle its name)."),
                      "EVENT_IGNORED");
  }
  return absl::OkStatus();
}

absl::Status PgDeliveryStore::RemoveDevice(absl::string_view company, absl::string_view device_id) {
  if (!IsUuid(device_id)) return absl::OkStatus();
  return pool_->Run("removing a device", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    tx.exec_params("DELETE FROM devices WHERE company_id = $1 AND id = $2::uuid",
                   std::string(company), std::string(device_id));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::pair<int64_t, int64_t>> PgDeliveryStore::QueueDepths() {
  std::pair<int64_t, int64_t> depths;
  NOTIFY_RETURN_IF_ERROR(pool_->Run("reading queue depths", [&](pqxx::connection& conn) {
    pqxx::nontransaction tx(conn);
    pqxx::result rows = tx.exec(
        "SELECT (SELECT count(*) FROM event_queue),"
        " (SELECT count(*) FROM deliveries WHERE status IN ('pending', 'retrying'))");
    depths = {rows[0][0].as<int64_t>(), rows[0][1].as<int64_t>()};
    return absl::OkStatus();
  }));
  return depths;
}

}  // namespace notify::pg
