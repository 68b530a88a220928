//! The outbox on PostgreSQL: events with their effect's COMMIT, endpoints,
//! and the delivery queue shared by every node through SKIP LOCKED leases.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tally_core::events::{AttemptOutcome, WebhookEndpoint};
use tally_store::events::rows::ENDPOINT_COLUMNS;
use tally_store::events::{
    AttemptReport, LeasedDelivery, NewEvent, NewSecret, NewWebhookEndpoint, Outbox, OutboxTx, QueueStats,
    WebhookEndpointPatch, millis,
};
use tally_store::rows::convert_all;
use tally_store::{Found, StoreResult};

use crate::tx::PgTx;
use crate::{PgStore, literal, map_err};

type Stamp = DateTime<Utc>;
type EndpointRow = tally_store::events::rows::EndpointRow<Stamp, Option<Vec<String>>>;
type LeasedRow = tally_store::events::rows::LeasedRow<Stamp>;

impl PgTx {
    /// The transaction's events as one `SELECT tally_emit_event(…);` each, to
    /// go before its COMMIT in the same simple query: emitting costs no round
    /// trip. A value no literal can hold (a NUL, which the API never accepts)
    /// is sent at once with parameters instead.
    pub(crate) async fn events_sql(&mut self) -> StoreResult<String> {
        let mut sql = String::new();
        for (program_id, event) in std::mem::take(&mut self.events) {
            match emit_sql(&program_id, &event) {
                Some(statement) => sql.push_str(&statement),
                None => {
                    sqlx::query("SELECT tally_emit_event($1, $2, $3, $4, $5, $6)")
                        .bind(&program_id)
                        .bind(&event.id)
                        .bind(event.event_type)
                        .bind(event.customer_id.as_deref())
                        .bind(event.idempotency_key.as_deref())
                        .bind(&event.data)
                        .execute(self.conn())
                        .await
                        .map_err(map_err)?;
                }
            }
        }
        Ok(sql)
    }
}

fn emit_sql(program_id: &str, event: &NewEvent) -> Option<String> {
    let optional = |value: Option<&String>| value.map_or(Some("NULL".to_owned()), |v| literal(v));
    Some(format!(
        "SELECT tally_emit_event({}, {}, {}, {}, {}, {}); ",
        literal(program_id)?,
        literal(&event.id)?,
        literal(event.event_type)?,
        optional(event.customer_id.as_ref())?,
        optional(event.idempotency_key.as_ref())?,
        literal(&event.data)?,
    ))
}

#[async_trait]
impl OutboxTx for PgTx {
    async fn emit(&mut self, program_id: &str, event: NewEvent) -> StoreResult<()> {
        self.events.push((program_id.to_owned(), event));
        Ok(())
    }

    async fn insert_endpoint(&mut self, program_id: &str, new: &NewWebhookEndpoint) -> StoreResult<WebhookEndpoint> {
        let sql = format!(
            "INSERT INTO webhook_endpoints (id, program_id, url, event_types, description, secret) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING {ENDPOINT_COLUMNS}"
        );
        let row: EndpointRow = sqlx::query_as(&sql)
            .bind(&new.id)
            .bind(program_id)
            .bind(&new.url)
            .bind(new.event_types.as_deref())
            .bind(new.description.as_deref())
            .bind(&new.sealed_secret)
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        row.try_into()
    }

    async fn patch_endpoint(&mut self, program_id: &str, patch: &WebhookEndpointPatch) -> Found<WebhookEndpoint> {
        // Each field is set only when the patch carries it ($n IS NULL keeps
        // the old value; the `…_set` flags tell "set to null" from "leave").
        let sql = format!(
            "UPDATE webhook_endpoints SET \
               url = COALESCE($3, url), \
               event_types = CASE WHEN $4 THEN $5 ELSE event_types END, \
               description = CASE WHEN $6 THEN $7 ELSE description END, \
               enabled = COALESCE($8, enabled), \
               disabled_reason = CASE WHEN $8 THEN NULL ELSE disabled_reason END, \
               updated_at = now() \
             WHERE program_id = $1 AND id = $2 RETURNING {ENDPOINT_COLUMNS}"
        );
        let row: Option<EndpointRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(&patch.endpoint_id)
            .bind(patch.url.as_deref())
            .bind(patch.event_types.is_some())
            .bind(patch.event_types.clone().flatten())
            .bind(patch.description.is_some())
            .bind(patch.description.clone().flatten())
            .bind(patch.enabled)
            .fetch_optional(self.conn())
            .await
            .map_err(map_err)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn delete_endpoint(&mut self, program_id: &str, id: &str) -> Found<WebhookEndpoint> {
        let sql =
            format!("DELETE FROM webhook_endpoints WHERE program_id = $1 AND id = $2 RETURNING {ENDPOINT_COLUMNS}");
        let row: Option<EndpointRow> =
            sqlx::query_as(&sql).bind(program_id).bind(id).fetch_optional(self.conn()).await.map_err(map_err)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn rotate_secret(&mut self, program_id: &str, s: &NewSecret) -> StoreResult<Option<WebhookEndpoint>> {
        let sql = format!(
            "UPDATE webhook_endpoints SET previous_secret = secret, secret = $3, \
               previous_secret_until = now() + $4 * interval '1 millisecond', updated_at = now() \
             WHERE program_id = $1 AND id = $2 RETURNING {ENDPOINT_COLUMNS}"
        );
        let row: Option<EndpointRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(&s.endpoint_id)
            .bind(&s.sealed_secret)
            .bind(millis(s.overlap))
            .fetch_optional(self.conn())
            .await
            .map_err(map_err)?;
        row.map(TryInto::try_into).transpose()
    }

    async fn redeliver_event(&mut self, program_id: &str, event_id: &str) -> StoreResult<Option<u64>> {
        let exists: Option<String> = sqlx::query_scalar("SELECT type FROM events WHERE program_id = $1 AND id = $2")
            .bind(program_id)
            .bind(event_id)
            .fetch_optional(self.conn())
            .await
            .map_err(map_err)?;
        let Some(event_type) = exists else { return Ok(None) };
        let done = sqlx::query(
            "INSERT INTO webhook_deliveries (program_id, endpoint_id, event_id) \
             SELECT $1, e.id, $2 FROM webhook_endpoints e \
             WHERE e.program_id = $1 AND e.enabled AND (e.event_types IS NULL OR $3 = ANY (e.event_types))",
        )
        .bind(program_id)
        .bind(event_id)
        .bind(event_type)
        .execute(self.conn())
        .await
        .map_err(map_err)?;
        Ok(Some(done.rows_affected()))
    }
}

#[async_trait]
impl Outbox for PgStore {
    async fn lease_deliveries(&self, limit: u32, lease: Duration) -> StoreResult<Vec<LeasedDelivery>> {
        // SKIP LOCKED: nodes leasing at the same moment take disjoint rows and
        // never wait for each other. A lease is a time, not a held lock, so a
        // node that dies mid-delivery leaves the row to be leased again once
        // its lease has run out; nothing is held while the request is sent.
        let rows: Vec<LeasedRow> = sqlx::query_as(
            "WITH due AS ( \
               SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
               WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND e.enabled \
                 AND (d.leased_until IS NULL OR d.leased_until <= now()) \
               ORDER BY d.next_attempt_at LIMIT $1 FOR UPDATE OF d SKIP LOCKED) \
             UPDATE webhook_deliveries d SET lease_token = md5(random()::text || d.id), \
               leased_until = now() + $2 * interval '1 millisecond' \
             FROM due, webhook_endpoints e, events v \
             WHERE d.id = due.id AND e.id = d.endpoint_id AND v.id = d.event_id \
             RETURNING d.id AS delivery_id, d.lease_token, d.attempts, e.id AS endpoint_id, e.url, e.secret, \
               CASE WHEN e.previous_secret_until > now() THEN e.previous_secret END AS previous_secret, \
               v.id, v.program_id, v.type AS event_type, v.sequence, v.idempotency_key, v.data, v.created_at",
        )
        .bind(i64::from(limit))
        .bind(millis(lease))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        convert_all(rows)
    }

    async fn record_attempt(&self, report: &AttemptReport) -> StoreResult<bool> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let (state, retry_in) = (report.delivery_state(), report.retry_in_ms());
        // Only under the lease that made the attempt: a lease that ran out
        // (and was taken by another node) no longer moves the delivery.
        let endpoint: Option<String> = sqlx::query_scalar(
            "UPDATE webhook_deliveries SET state = $3, attempts = attempts + 1, lease_token = NULL, \
               leased_until = NULL, next_attempt_at = now() + $4 * interval '1 millisecond' \
             WHERE id = $1 AND lease_token = $2 RETURNING endpoint_id",
        )
        .bind(report.delivery_id)
        .bind(&report.lease_token)
        .bind(state)
        .bind(retry_in)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        sqlx::query(
            "INSERT INTO webhook_attempts (delivery_id, endpoint_id, event_id, attempt, status_code, error, \
               latency_ms, outcome) \
             SELECT id, endpoint_id, event_id, $2, $3, $4, $5, $6 FROM webhook_deliveries WHERE id = $1",
        )
        .bind(report.delivery_id)
        .bind(report.attempt)
        .bind(report.status_code)
        .bind(report.error.as_deref())
        .bind(report.latency_ms)
        .bind(report.outcome.as_str())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if report.outcome == AttemptOutcome::EndpointDisabled
            && let Some(endpoint) = &endpoint
        {
            sqlx::query(
                "UPDATE webhook_endpoints SET enabled = FALSE, updated_at = now(), \
                   disabled_reason = 'the endpoint answered 410 Gone' WHERE id = $1",
            )
            .bind(endpoint)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(endpoint.is_some())
    }

    async fn queue_stats(&self) -> StoreResult<QueueStats> {
        let (depth, oldest): (i64, Option<f64>) = sqlx::query_as(
            "SELECT count(*), EXTRACT(EPOCH FROM now() - min(d.created_at))::float8 \
             FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             WHERE d.state = 'pending' AND e.enabled",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(QueueStats { depth: depth.max(0) as u64, oldest_age_seconds: oldest.unwrap_or(0.0).max(0.0) })
    }
}
