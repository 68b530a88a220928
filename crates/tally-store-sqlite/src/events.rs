//! The outbox on SQLite: events written by the effect's transaction on the
//! writer, reads on the reader pool, and the delivery queue leased on the
//! writer (one process serves the file, so its writer's lock is the whole
//! world's; the leases still make a delivery's attempts one at a time).

use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use tally_core::events::{AttemptOutcome, WebhookEndpoint};
use tally_core::ids::IdKind;
use tally_store::events::rows::ENDPOINT_COLUMNS;
use tally_store::events::{
    AttemptReport, LeasedDelivery, NewEvent, NewSecret, NewWebhookEndpoint, Outbox, OutboxTx, QueueStats,
    WebhookEndpointPatch, millis,
};
use tally_store::rows::convert_all;
use tally_store::{Found, StoreError, StoreResult};

use crate::rows::FromRusqlite;
use crate::tx::{SqliteTx, first};
use crate::{SqliteStore, map_err, now_ms};

type EventRow = tally_store::events::rows::EventRow<i64>;
type EndpointRow = tally_store::events::rows::EndpointRow<i64, Option<String>>;
type LeasedRow = tally_store::events::rows::LeasedRow<i64>;

fn type_list(types: Option<&Vec<String>>) -> StoreResult<Option<String>> {
    types.map(|t| serde_json::to_string(t).map_err(|e| StoreError::Other(e.to_string()))).transpose()
}

impl FromRusqlite for EndpointRow {
    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(EndpointRow {
            id: row.get("id")?,
            url: row.get("url")?,
            event_types: row.get("event_types")?,
            description: row.get("description")?,
            enabled: row.get("enabled")?,
            disabled_reason: row.get("disabled_reason")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
        })
    }
}

impl FromRusqlite for LeasedRow {
    fn from_rusqlite(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(LeasedRow {
            delivery_id: row.get("delivery_id")?,
            lease_token: row.get("lease_token")?,
            attempts: row.get("attempts")?,
            endpoint_id: row.get("endpoint_id")?,
            url: row.get("url")?,
            secret: row.get("secret")?,
            previous_secret: row.get("previous_secret")?,
            event: EventRow {
                id: row.get("id")?,
                program_id: row.get("program_id")?,
                event_type: row.get("event_type")?,
                sequence: row.get("sequence")?,
                idempotency_key: row.get("idempotency_key")?,
                data: row.get("data")?,
                created_at: row.get("created_at")?,
            },
        })
    }
}

/// The deliveries of an event to every enabled endpoint subscribed to its type.
const FAN_OUT: &str = concat!(
    "INSERT INTO webhook_deliveries (program_id, endpoint_id, event_id, next_attempt_at, created_at) \
     SELECT ?1, e.id, ?2, ",
    now_ms!(),
    ", ",
    now_ms!(),
    " FROM webhook_endpoints e WHERE e.program_id = ?1 AND e.enabled \
     AND (e.event_types IS NULL OR EXISTS (SELECT 1 FROM json_each(e.event_types) WHERE value = ?3))"
);

impl SqliteTx {
    fn endpoint_returning(&self, sql: &str, params: impl rusqlite::Params) -> StoreResult<Option<WebhookEndpoint>> {
        self.optional(sql, params, EndpointRow::from_rusqlite)?.map(TryInto::try_into).transpose()
    }
}

#[async_trait]
impl OutboxTx for SqliteTx {
    async fn emit(&mut self, program_id: &str, event: NewEvent) -> StoreResult<()> {
        // The customer's row is locked already (the writer is this
        // transaction's alone), so the next number is this event's.
        let sequence: Option<i64> = match &event.customer_id {
            Some(customer) => self.optional(
                "UPDATE customers SET event_sequence = event_sequence + 1 \
                 WHERE program_id = ?1 AND id = ?2 RETURNING event_sequence",
                params![program_id, customer],
                first,
            )?,
            None => None,
        };
        let insert = format!(
            "INSERT INTO events (id, program_id, type, customer_id, sequence, idempotency_key, data, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, {})",
            now_ms!()
        );
        self.execute(
            &insert,
            params![
                event.id,
                program_id,
                event.event_type,
                event.customer_id,
                sequence,
                event.idempotency_key,
                event.data
            ],
        )?;
        self.execute(FAN_OUT, params![program_id, event.id, event.event_type])?;
        Ok(())
    }

    async fn insert_endpoint(&mut self, program_id: &str, new: &NewWebhookEndpoint) -> StoreResult<WebhookEndpoint> {
        let sql = format!(
            "INSERT INTO webhook_endpoints (id, program_id, url, event_types, description, secret, created_at, \
             updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, {now}, {now}) RETURNING {ENDPOINT_COLUMNS}",
            now = now_ms!()
        );
        let types = type_list(new.event_types.as_ref())?;
        let params = params![new.id, program_id, new.url, types, new.description, new.sealed_secret];
        self.endpoint_returning(&sql, params)?
            .ok_or_else(|| StoreError::Other("an insert returned no endpoint".to_owned()))
    }

    async fn patch_endpoint(&mut self, program_id: &str, patch: &WebhookEndpointPatch) -> Found<WebhookEndpoint> {
        let sql = format!(
            "UPDATE webhook_endpoints SET \
               url = COALESCE(?3, url), \
               event_types = CASE WHEN ?4 THEN ?5 ELSE event_types END, \
               description = CASE WHEN ?6 THEN ?7 ELSE description END, \
               enabled = COALESCE(?8, enabled), \
               disabled_reason = CASE WHEN ?8 THEN NULL ELSE disabled_reason END, \
               updated_at = {} \
             WHERE program_id = ?1 AND id = ?2 RETURNING {ENDPOINT_COLUMNS}",
            now_ms!()
        );
        let types = type_list(patch.event_types.clone().flatten().as_ref())?;
        let params = params![
            program_id,
            patch.endpoint_id,
            patch.url,
            patch.event_types.is_some(),
            types,
            patch.description.is_some(),
            patch.description.clone().flatten(),
            patch.enabled
        ];
        self.endpoint_returning(&sql, params)
    }

    async fn delete_endpoint(&mut self, program_id: &str, id: &str) -> Found<WebhookEndpoint> {
        let sql =
            format!("DELETE FROM webhook_endpoints WHERE program_id = ?1 AND id = ?2 RETURNING {ENDPOINT_COLUMNS}");
        self.endpoint_returning(&sql, params![program_id, id])
    }

    async fn rotate_secret(&mut self, program_id: &str, s: &NewSecret) -> StoreResult<Option<WebhookEndpoint>> {
        let sql = format!(
            "UPDATE webhook_endpoints SET previous_secret = secret, secret = ?3, \
               previous_secret_until = {now} + ?4, updated_at = {now} \
             WHERE program_id = ?1 AND id = ?2 RETURNING {ENDPOINT_COLUMNS}",
            now = now_ms!()
        );
        self.endpoint_returning(&sql, params![program_id, s.endpoint_id, s.sealed_secret, millis(s.overlap)])
    }

    async fn redeliver_event(&mut self, program_id: &str, event_id: &str) -> StoreResult<Option<u64>> {
        let event_type: Option<String> = self.optional(
            "SELECT type FROM events WHERE program_id = ?1 AND id = ?2",
            params![program_id, event_id],
            first,
        )?;
        let Some(event_type) = event_type else { return Ok(None) };
        Ok(Some(self.execute(FAN_OUT, params![program_id, event_id, event_type])? as u64))
    }
}

#[async_trait]
impl Outbox for SqliteStore {
    async fn lease_deliveries(&self, limit: u32, lease: Duration) -> StoreResult<Vec<LeasedDelivery>> {
        // Asked on a reader first: an idle dispatcher polls several times a
        // second, and must not queue for the one writer to find nothing.
        let due = format!(
            "SELECT EXISTS (SELECT 1 FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= {})",
            now_ms!()
        );
        let any: bool = sqlx::query_scalar(&due).fetch_one(&self.reader).await.map_err(map_err)?;
        if !any {
            return Ok(Vec::new());
        }
        // SQLite's RETURNING cannot name the joined tables, so the lease is
        // taken under a token of its own and its rows read back by it.
        let token = IdKind::Event.generate();
        let take = format!(
            "UPDATE webhook_deliveries SET lease_token = ?1, leased_until = {now} + ?2 WHERE id IN ( \
               SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
               WHERE d.state = 'pending' AND d.next_attempt_at <= {now} AND e.enabled \
                 AND (d.leased_until IS NULL OR d.leased_until <= {now}) \
               ORDER BY d.next_attempt_at LIMIT ?3)",
            now = now_ms!()
        );
        let read = format!(
            "SELECT d.id AS delivery_id, d.lease_token, d.attempts, e.id AS endpoint_id, e.url, e.secret, \
               CASE WHEN e.previous_secret_until > {} THEN e.previous_secret END AS previous_secret, \
               v.id, v.program_id, v.type AS event_type, v.sequence, v.idempotency_key, v.data, v.created_at \
             FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
               JOIN events v ON v.id = d.event_id WHERE d.lease_token = ?1 ORDER BY d.next_attempt_at",
            now_ms!()
        );
        let rows = self
            .write(|conn| {
                conn.prepare_cached(&take)?.execute(params![token, millis(lease), i64::from(limit)])?;
                let mut read = conn.prepare_cached(&read)?;
                let rows = read.query_map([&token], LeasedRow::from_rusqlite)?;
                rows.collect::<rusqlite::Result<Vec<_>>>()
            })
            .await?;
        convert_all(rows)
    }

    async fn record_attempt(&self, report: &AttemptReport) -> StoreResult<bool> {
        let (state, retry_in) = (report.delivery_state(), report.retry_in_ms());
        let moved = format!(
            "UPDATE webhook_deliveries SET state = ?3, attempts = attempts + 1, lease_token = NULL, \
               leased_until = NULL, next_attempt_at = {} + ?4 \
             WHERE id = ?1 AND lease_token = ?2 RETURNING endpoint_id",
            now_ms!()
        );
        let attempt = format!(
            "INSERT INTO webhook_attempts (delivery_id, endpoint_id, event_id, attempt, attempted_at, status_code, \
               error, latency_ms, outcome) \
             SELECT id, endpoint_id, event_id, ?2, {}, ?3, ?4, ?5, ?6 FROM webhook_deliveries WHERE id = ?1",
            now_ms!()
        );
        let disable = format!(
            "UPDATE webhook_endpoints SET enabled = 0, updated_at = {}, \
               disabled_reason = 'the endpoint answered 410 Gone' WHERE id = ?1",
            now_ms!()
        );
        self.write(|conn| {
            let tx = conn.unchecked_transaction()?;
            let endpoint: Option<String> = tx
                .prepare_cached(&moved)?
                .query_row(params![report.delivery_id, report.lease_token, state, retry_in], |row| row.get(0))
                .optional()?;
            tx.prepare_cached(&attempt)?.execute(params![
                report.delivery_id,
                report.attempt,
                report.status_code,
                report.error,
                report.latency_ms,
                report.outcome.as_str()
            ])?;
            if report.outcome == AttemptOutcome::EndpointDisabled
                && let Some(endpoint) = &endpoint
            {
                tx.prepare_cached(&disable)?.execute([endpoint])?;
            }
            tx.commit()?;
            Ok(endpoint.is_some())
        })
        .await
    }

    async fn queue_stats(&self) -> StoreResult<QueueStats> {
        let sql = format!(
            "SELECT count(*), ({} - min(d.created_at)) / 1000.0 \
             FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
             WHERE d.state = 'pending' AND e.enabled",
            now_ms!()
        );
        let (depth, oldest): (i64, Option<f64>) =
            sqlx::query_as(&sql).fetch_one(&self.reader).await.map_err(map_err)?;
        Ok(QueueStats { depth: depth.max(0) as u64, oldest_age_seconds: oldest.unwrap_or(0.0).max(0.0) })
    }
}
