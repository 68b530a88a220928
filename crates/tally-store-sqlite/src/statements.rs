//! Every statement of a SQLite write transaction: the storage contract's
//! primitives (`StoreTx`), run in place on the one writer.

use async_trait::async_trait;
use rusqlite::params;
use tally_core::ids::IdKind;
use tally_core::model::{Coupon, Customer, IdempotencyRecord, LedgerEntry, Program, Redemption, Reward, Transaction};
use tally_store::rows::tiers_json;
use tally_store::{
    Contact, CouponMove, FoundByKey, NewCoupon, NewCustomer, NewIdempotencyRecord, NewLedgerEntry, NewRedemption,
    NewReward, NewTransaction, ProgramPatch, RedemptionMove, ResourceKey, RewardPatch, StoreError, StoreResult,
    StoreTx, Void,
};

use crate::now_ms;
use crate::rows::*;

use crate::tx::{SqliteTx, first};

#[async_trait]
impl StoreTx for SqliteTx {
    async fn rollback(self: Box<Self>) -> StoreResult<()> {
        // `Drop` rolls back synchronously, before the writer is released.
        drop(self);
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> StoreResult<()> {
        // If COMMIT fails, `Drop` rolls back whatever it left open: nothing committed.
        self.execute("COMMIT", [])?;
        // The writer is free for the next transaction; this one waits for the
        // disk in a task of its own that holds the key's in-flight mark until
        // the fsync ends. Were the wait in this future, a handler cancelled
        // during it (its client gone) would free the key at once, and a
        // replay could show a response that a power cut then loses.
        drop(self.conn.take());
        let (in_flight, durable) = (self.in_flight.take(), self.durable.clone());
        let wait = tokio::spawn(async move {
            let durable = durable.durable().await;
            drop(in_flight);
            durable
        });
        wait.await.map_err(|e| StoreError::OutcomeUnknown(format!("the fsync wait failed: {e}")))?
    }

    async fn idempotency_record(&mut self, program_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        let sql = format!(
            "SELECT {RECORD_COLUMNS} FROM idempotency_records WHERE program_id = ?1 AND key = ?2 AND expires_at > {}",
            now_ms!()
        );
        let row = self.optional(&sql, params![program_id, key], RecordRow::from_rusqlite)?;
        row.map(IdempotencyRecord::try_from).transpose()
    }

    async fn save_idempotency_record(&mut self, program_id: &str, record: &NewIdempotencyRecord) -> StoreResult<()> {
        let headers = record.headers_json()?;
        let sql = format!(
            "INSERT INTO idempotency_records \
               (program_id, key, method, path, fingerprint, status, headers, body, resource_id, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, {now}, {now} + ?10 * 3600000) \
             ON CONFLICT (program_id, key) DO UPDATE SET method = excluded.method, path = excluded.path, \
               fingerprint = excluded.fingerprint, status = excluded.status, headers = excluded.headers, \
               body = excluded.body, resource_id = excluded.resource_id, created_at = excluded.created_at, \
               expires_at = excluded.expires_at \
             WHERE idempotency_records.expires_at <= {now}",
            now = now_ms!()
        );
        let changed = self.execute(
            &sql,
            params![
                program_id,
                record.key,
                record.method,
                record.path,
                record.fingerprint,
                i64::from(record.status),
                headers,
                record.body,
                record.resource_id,
                i64::from(record.retention_hours),
            ],
        )?;
        NewIdempotencyRecord::saved(changed as u64)
    }

    async fn program(&mut self, program_id: &str) -> StoreResult<Option<Program>> {
        let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs WHERE id = ?1");
        let row = self.optional(&sql, params![program_id], ProgramRow::from_rusqlite)?;
        row.map(Program::try_from).transpose()
    }

    async fn patch_program(&mut self, program_id: &str, p: &ProgramPatch) -> StoreResult<Option<Program>> {
        let sql = format!(
            "UPDATE programs SET points_per_currency_unit = COALESCE(?2, points_per_currency_unit), \
               void_policy = COALESCE(?3, void_policy), \
               points_expire_after_days = CASE WHEN ?4 THEN ?5 ELSE points_expire_after_days END, \
               idempotency_retention_hours = COALESCE(?6, idempotency_retention_hours), \
               require_idempotency_key = COALESCE(?7, require_idempotency_key), \
               rate_limit_per_minute = COALESCE(?8, rate_limit_per_minute), \
               points_pending_days = COALESCE(?9, points_pending_days), \
               tiers = COALESCE(?10, tiers), tier_period = COALESCE(?11, tier_period) \
             WHERE id = ?1 RETURNING {PROGRAM_COLUMNS}"
        );
        let row = self.optional(
            &sql,
            params![
                program_id,
                p.points_per_currency_unit,
                p.void_policy.map(|v| v.as_str()),
                p.points_expire_after_days.is_some(),
                p.points_expire_after_days.flatten(),
                p.idempotency_retention_hours,
                p.require_idempotency_key,
                p.rate_limit_per_minute,
                p.points_pending_days,
                p.tiers.as_deref().map(tiers_json).transpose()?,
                p.tier_period.map(|t| t.as_str()),
            ],
            ProgramRow::from_rusqlite,
        )?;
        row.map(Program::try_from).transpose()
    }

    async fn customer(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Customer>> {
        let sql = format!("SELECT {CUSTOMER_COLUMNS} FROM customers WHERE program_id = ?1 AND id = ?2");
        let row = self.optional(&sql, params![program_id, id], CustomerRow::from_rusqlite)?;
        Ok(row.map(Customer::from))
    }

    async fn find_customer(&mut self, program_id: &str, contact: Contact<'_>) -> StoreResult<Option<Customer>> {
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE program_id = ?1 AND (email = ?2 OR phone = ?3) \
             ORDER BY (email = ?2) DESC LIMIT 1"
        );
        let row = self.optional(&sql, params![program_id, contact.email, contact.phone], CustomerRow::from_rusqlite)?;
        Ok(row.map(Customer::from))
    }

    async fn insert_customer(&mut self, program_id: &str, c: &NewCustomer) -> StoreResult<Option<Customer>> {
        let sql = format!(
            "INSERT INTO customers (id, program_id, email, phone, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5, {}) \
             ON CONFLICT DO NOTHING RETURNING {CUSTOMER_COLUMNS}",
            now_ms!()
        );
        let row = self.optional(
            &sql,
            params![IdKind::Customer.generate(), program_id, c.email, c.phone, c.name],
            CustomerRow::from_rusqlite,
        )?;
        Ok(row.map(Customer::from))
    }

    async fn update_customer(&mut self, program_id: &str, id: &str, c: &NewCustomer) -> StoreResult<Customer> {
        let sql = format!(
            "UPDATE customers SET name = COALESCE(?3, name), email = COALESCE(email, ?4), phone = COALESCE(phone, ?5) \
             WHERE program_id = ?1 AND id = ?2 RETURNING {CUSTOMER_COLUMNS}"
        );
        let row = self.one(&sql, params![program_id, id, c.name, c.email, c.phone], CustomerRow::from_rusqlite)?;
        Ok(row.into())
    }

    async fn credit(&mut self, program_id: &str, customer_id: &str, points: i64) -> StoreResult<Option<i64>> {
        // The bounds in the WHERE clause keep SQLite from silently turning an
        // overflowing integer into a REAL.
        let balance: Option<i64> = self.optional(
            "UPDATE customers SET balance = balance + ?3, lifetime_earned = lifetime_earned + ?3 \
             WHERE program_id = ?1 AND id = ?2 \
               AND balance <= 9223372036854775807 - ?3 AND lifetime_earned <= 9223372036854775807 - ?3 \
             RETURNING balance",
            params![program_id, customer_id, points],
            first,
        )?;
        if let Some(balance) = balance {
            self.start_lot(program_id, customer_id, points.min(balance))?;
        }
        Ok(balance)
    }

    async fn debit(&mut self, program_id: &str, customer_id: &str, points: i64) -> StoreResult<Option<i64>> {
        self.debit_where(
            "UPDATE customers SET balance = balance - ?3, lifetime_spent = lifetime_spent + ?3 \
             WHERE program_id = ?1 AND id = ?2 AND balance >= ?3 AND lifetime_spent <= 9223372036854775807 - ?3 \
             RETURNING balance",
            program_id,
            customer_id,
            points,
        )
    }

    async fn insert_ledger_entry(&mut self, program_id: &str, e: &NewLedgerEntry) -> StoreResult<LedgerEntry> {
        let sql = format!(
            "INSERT INTO ledger_entries (id, program_id, customer_id, points, balance_after, operation, transaction_id, \
               redemption_id, reason, token_id, idempotency_key, idempotency_fingerprint, pending_points, \
               qualifying_points, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, {}) RETURNING {LEDGER_COLUMNS}",
            now_ms!()
        );
        let row = self.one(
            &sql,
            params![
                IdKind::LedgerEntry.generate(),
                program_id,
                e.customer_id,
                e.points,
                e.balance_after,
                e.operation.as_str(),
                e.transaction_id,
                e.redemption_id,
                e.reason,
                e.token_id,
                e.idempotency.as_ref().map(|k| &k.key),
                e.idempotency.as_ref().map(|k| &k.fingerprint),
                e.pending_points,
                e.qualifying_points,
            ],
            LedgerRow::from_rusqlite,
        )?;
        row.try_into()
    }

    async fn insert_transaction(&mut self, program_id: &str, t: &NewTransaction) -> StoreResult<Option<Transaction>> {
        let sql = format!(
            "INSERT INTO transactions (id, program_id, customer_id, spend_amount_cents, currency, points, external_id, \
               idempotency_key, idempotency_fingerprint, tier, earn_multiplier_percent, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, {}) \
             ON CONFLICT (program_id, external_id) DO NOTHING RETURNING {TRANSACTION_COLUMNS}",
            now_ms!()
        );
        let row = self.optional(
            &sql,
            params![
                IdKind::Transaction.generate(),
                program_id,
                t.customer_id,
                t.spend_amount_cents,
                t.currency,
                t.points,
                t.external_id,
                t.idempotency.as_ref().map(|k| &k.key),
                t.idempotency.as_ref().map(|k| &k.fingerprint),
                t.tier,
                t.earn_multiplier_percent,
            ],
            TransactionRow::from_rusqlite,
        )?;
        row.map(Transaction::try_from).transpose()
    }

    async fn transaction_by_external_id(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Transaction>> {
        let sql = format!("SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE program_id = ?1 AND external_id = ?2");
        let row = self.optional(&sql, params![program_id, id], TransactionRow::from_rusqlite)?;
        row.map(Transaction::try_from).transpose()
    }

    async fn transaction_by_key(&mut self, program_id: &str, key: &str) -> StoreResult<FoundByKey<Transaction>> {
        let sql =
            format!("SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE program_id = ?1 AND idempotency_key = ?2");
        let row = self.optional(&sql, params![program_id, key], TransactionRow::from_rusqlite)?;
        row.map(TransactionRow::keyed).transpose()
    }

    async fn insert_reward(&mut self, program_id: &str, r: &NewReward) -> StoreResult<Reward> {
        let sql = format!(
            "INSERT INTO rewards (id, program_id, name, cost_points, kind, stock, active, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, {now}, {now}) RETURNING {REWARD_COLUMNS}",
            now = now_ms!()
        );
        let row = self.one(
            &sql,
            params![IdKind::Reward.generate(), program_id, r.name, r.cost_points, r.kind.as_str(), r.stock, r.active],
            RewardRow::from_rusqlite,
        )?;
        row.try_into()
    }

    async fn update_reward(&mut self, program_id: &str, id: &str, p: &RewardPatch) -> StoreResult<Option<Reward>> {
        let sql = format!(
            "UPDATE rewards SET name = COALESCE(?3, name), cost_points = COALESCE(?4, cost_points), \
               stock = CASE WHEN ?5 THEN ?6 ELSE stock END, active = COALESCE(?7, active), updated_at = {} \
             WHERE program_id = ?1 AND id = ?2 RETURNING {REWARD_COLUMNS}",
            now_ms!()
        );
        let row = self.optional(
            &sql,
            params![program_id, id, p.name, p.cost_points, p.stock.is_some(), p.stock.flatten(), p.active],
            RewardRow::from_rusqlite,
        )?;
        row.map(Reward::try_from).transpose()
    }

    async fn reward(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Reward>> {
        let sql = format!("SELECT {REWARD_COLUMNS} FROM rewards WHERE program_id = ?1 AND id = ?2");
        let row = self.optional(&sql, params![program_id, id], RewardRow::from_rusqlite)?;
        row.map(Reward::try_from).transpose()
    }

    async fn take_stock(&mut self, program_id: &str, reward_id: &str, quantity: i64) -> StoreResult<bool> {
        let changed = self.execute(
            "UPDATE rewards SET stock = stock - ?3 \
             WHERE program_id = ?1 AND id = ?2 AND (stock IS NULL OR stock >= ?3)",
            params![program_id, reward_id, quantity],
        )?;
        Ok(changed == 1)
    }

    async fn insert_redemption(&mut self, program_id: &str, r: &NewRedemption) -> StoreResult<Redemption> {
        let sql = format!(
            "INSERT INTO redemptions (id, program_id, customer_id, reward_id, quantity, points_spent, status, \
               coupon_code, idempotency_key, idempotency_fingerprint, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7, ?8, ?9, {}) RETURNING {REDEMPTION_COLUMNS}",
            now_ms!()
        );
        let row = self.one(
            &sql,
            params![
                IdKind::Redemption.generate(),
                program_id,
                r.customer_id,
                r.reward_id,
                r.quantity,
                r.points_spent,
                r.coupon_code,
                r.idempotency.as_ref().map(|k| &k.key),
                r.idempotency.as_ref().map(|k| &k.fingerprint),
            ],
            RedemptionRow::from_rusqlite,
        )?;
        row.try_into()
    }

    async fn redemption_by_key(&mut self, program_id: &str, key: &str) -> StoreResult<FoundByKey<Redemption>> {
        let sql =
            format!("SELECT {REDEMPTION_COLUMNS} FROM redemptions WHERE program_id = ?1 AND idempotency_key = ?2");
        let row = self.optional(&sql, params![program_id, key], RedemptionRow::from_rusqlite)?;
        row.map(RedemptionRow::keyed).transpose()
    }

    async fn overdraw(&mut self, program_id: &str, customer_id: &str, points: i64) -> StoreResult<Option<i64>> {
        self.debit_where(
            "UPDATE customers SET balance = balance - ?3, lifetime_spent = lifetime_spent + ?3 \
             WHERE program_id = ?1 AND id = ?2 \
               AND balance >= -9223372036854775807 - 1 + ?3 AND lifetime_spent <= 9223372036854775807 - ?3 \
             RETURNING balance",
            program_id,
            customer_id,
            points,
        )
    }

    async fn expire_lot(&mut self, program_id: &str, lot_id: &str) -> StoreResult<Option<(i64, i64)>> {
        let now = now_ms!();
        let lot: Option<(String, i64)> = self.optional(
            &format!(
                "SELECT customer_id, remaining FROM point_lots WHERE program_id = ?1 AND id = ?2 \
                   AND expired_at IS NULL AND remaining > 0 AND expires_at <= {now}"
            ),
            params![program_id, lot_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?;
        let Some((customer_id, points)) = lot else { return Ok(None) };
        // Same write transaction as the read above: nothing can change the lot in between.
        self.execute(&format!("UPDATE point_lots SET remaining = 0, expired_at = {now} WHERE id = ?1"), [lot_id])?;
        let balance: i64 = self.one(
            "UPDATE customers SET balance = balance - ?3, lifetime_spent = lifetime_spent + ?3 \
             WHERE program_id = ?1 AND id = ?2 RETURNING balance",
            params![program_id, customer_id, points],
            first,
        )?;
        Ok(Some((points, balance)))
    }

    async fn lock_customer(&mut self, program_id: &str, customer_id: &str) -> StoreResult<bool> {
        // The write transaction already holds SQLite's only write lock; this
        // only answers whether the customer exists.
        let found: Option<i64> = self.optional(
            "SELECT 1 FROM customers WHERE program_id = ?1 AND id = ?2",
            params![program_id, customer_id],
            first,
        )?;
        Ok(found.is_some())
    }

    async fn ledger_entry_by_key(&mut self, program_id: &str, key: &str) -> StoreResult<FoundByKey<LedgerEntry>> {
        let sql = format!("SELECT {LEDGER_COLUMNS} FROM ledger_entries WHERE program_id = ?1 AND idempotency_key = ?2");
        let row = self.optional(&sql, params![program_id, key], LedgerRow::from_rusqlite)?;
        row.map(LedgerRow::keyed).transpose()
    }

    async fn transaction(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Transaction>> {
        let sql = format!("SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE program_id = ?1 AND id = ?2");
        let row = self.optional(&sql, params![program_id, id], TransactionRow::from_rusqlite)?;
        row.map(Transaction::try_from).transpose()
    }

    async fn void_amount(&mut self, program_id: &str, v: &Void) -> StoreResult<Option<Transaction>> {
        let sql = format!(
            "UPDATE transactions SET \
               voided_amount_cents = voided_amount_cents + COALESCE(?3, spend_amount_cents - voided_amount_cents), \
               status = CASE WHEN voided_amount_cents + COALESCE(?3, spend_amount_cents - voided_amount_cents) \
                 = spend_amount_cents THEN 'voided' ELSE 'partially_voided' END \
             WHERE program_id = ?1 AND id = ?2 AND status <> 'voided' \
               AND voided_amount_cents + COALESCE(?3, spend_amount_cents - voided_amount_cents) <= spend_amount_cents \
             RETURNING {TRANSACTION_COLUMNS}"
        );
        let row =
            self.optional(&sql, params![program_id, v.transaction_id, v.amount_cents], TransactionRow::from_rusqlite)?;
        row.map(Transaction::try_from).transpose()
    }

    async fn set_voided_points(&mut self, program_id: &str, id: &str, voided_points: i64) -> StoreResult<Transaction> {
        let sql = format!(
            "UPDATE transactions SET voided_points = ?3 WHERE program_id = ?1 AND id = ?2 RETURNING {TRANSACTION_COLUMNS}"
        );
        let row = self.one(&sql, params![program_id, id, voided_points], TransactionRow::from_rusqlite)?;
        row.try_into()
    }

    async fn redemption(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Redemption>> {
        let sql = format!("SELECT {REDEMPTION_COLUMNS} FROM redemptions WHERE program_id = ?1 AND id = ?2");
        let row = self.optional(&sql, params![program_id, id], RedemptionRow::from_rusqlite)?;
        row.map(Redemption::try_from).transpose()
    }

    async fn move_redemption(&mut self, program_id: &str, m: RedemptionMove<'_>) -> StoreResult<Option<Redemption>> {
        let sql = format!(
            "UPDATE redemptions SET status = ?4, moved_by_key = COALESCE(?5, moved_by_key), \
               moved_by_fingerprint = COALESCE(?6, moved_by_fingerprint) \
             WHERE program_id = ?1 AND id = ?2 AND status = ?3 RETURNING {REDEMPTION_COLUMNS}"
        );
        let (key, fingerprint) = (m.key.map(|k| &k.key), m.key.map(|k| &k.fingerprint));
        let params = params![program_id, m.id, m.from.as_str(), m.to.as_str(), key, fingerprint];
        let row = self.optional(&sql, params, RedemptionRow::from_rusqlite)?;
        row.map(Redemption::try_from).transpose()
    }

    async fn redemption_moved_by(&mut self, program_id: &str, id: &str) -> StoreResult<Option<ResourceKey>> {
        self.moved_by(
            "SELECT moved_by_key, moved_by_fingerprint FROM redemptions WHERE program_id = ?1 AND id = ?2",
            program_id,
            id,
        )
    }

    async fn return_stock(&mut self, program_id: &str, reward_id: &str, quantity: i64) -> StoreResult<()> {
        self.execute(
            "UPDATE rewards SET stock = stock + ?3 WHERE program_id = ?1 AND id = ?2 AND stock IS NOT NULL",
            params![program_id, reward_id, quantity],
        )?;
        Ok(())
    }

    async fn insert_coupon(&mut self, program_id: &str, c: &NewCoupon) -> StoreResult<Coupon> {
        let sql = format!(
            "INSERT INTO coupons (id, program_id, code, redemption_id, customer_id, reward_id, status, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'active', {}) RETURNING {COUPON_COLUMNS}",
            now_ms!()
        );
        let row = self.one(
            &sql,
            params![IdKind::Coupon.generate(), program_id, c.code, c.redemption_id, c.customer_id, c.reward_id],
            CouponRow::from_rusqlite,
        )?;
        row.try_into()
    }

    async fn coupon(&mut self, program_id: &str, code: &str) -> StoreResult<Option<Coupon>> {
        let sql = format!("SELECT {COUPON_COLUMNS} FROM coupons WHERE program_id = ?1 AND code = ?2");
        let row = self.optional(&sql, params![program_id, code], CouponRow::from_rusqlite)?;
        row.map(Coupon::try_from).transpose()
    }

    async fn move_coupon(&mut self, program_id: &str, m: CouponMove<'_>) -> StoreResult<Option<Coupon>> {
        let sql = format!(
            "UPDATE coupons SET status = ?4, \
               redeemed_at = CASE WHEN ?4 = 'redeemed' THEN {} ELSE redeemed_at END, \
               moved_by_key = COALESCE(?5, moved_by_key), moved_by_fingerprint = COALESCE(?6, moved_by_fingerprint) \
             WHERE program_id = ?1 AND code = ?2 AND status = ?3 RETURNING {COUPON_COLUMNS}",
            now_ms!()
        );
        let (key, fingerprint) = (m.key.map(|k| &k.key), m.key.map(|k| &k.fingerprint));
        let params = params![program_id, m.id, m.from.as_str(), m.to.as_str(), key, fingerprint];
        let row = self.optional(&sql, params, CouponRow::from_rusqlite)?;
        row.map(Coupon::try_from).transpose()
    }

    async fn coupon_moved_by(&mut self, program_id: &str, code: &str) -> StoreResult<Option<ResourceKey>> {
        self.moved_by(
            "SELECT moved_by_key, moved_by_fingerprint FROM coupons WHERE program_id = ?1 AND code = ?2",
            program_id,
            code,
        )
    }
}
