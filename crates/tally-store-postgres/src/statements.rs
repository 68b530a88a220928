//! Every statement of a PostgreSQL write transaction: the storage contract's
//! primitives (`StoreTx`), each one conditional statement or function call.

use async_trait::async_trait;
use tally_core::ids::IdKind;
use tally_core::model::{Coupon, Customer, IdempotencyRecord, LedgerEntry, Program, Redemption, Reward, Transaction};
use tally_store::{
    Adjust, Adjusted, Contact, CouponMove, FoundByKey, NewCoupon, NewCustomer, NewIdempotencyRecord, NewLedgerEntry,
    NewRedemption, NewReward, NewTransaction, ProgramPatch, Purchase, Purchased, Redeem, Redeemed, RedemptionMove,
    ResourceKey, RewardPatch, Settle, Settled, StoreResult, StoreTx, UseCoupon, Void, Voided,
};

use crate::rows::*;
use crate::tx::{PgTx, change_stock, moved_by, transition};
use crate::{map_err, reads};
use tally_store::rows::tiers_json;

#[async_trait]
impl StoreTx for PgTx {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.commit_now().await
    }

    async fn rollback(self: Box<Self>) -> StoreResult<()> {
        PgTx::rollback(*self).await;
        Ok(())
    }

    async fn commit_with_record(
        mut self: Box<Self>,
        program_id: &str,
        record: Option<&NewIdempotencyRecord>,
    ) -> StoreResult<()> {
        let Some(record) = record else { return self.commit_now().await };
        if let Some(sql) = PgTx::save_and_commit_sql(program_id, record)? {
            // The events (if any) go in the same simple query, before the record.
            let events = match self.events_sql().await {
                Ok(events) => events,
                Err(e) => {
                    PgTx::rollback(*self).await;
                    return Err(e);
                }
            };
            return self.commit_sql(&format!("{events}{sql}")).await;
        }
        if let Err(e) = self.save_idempotency_record(program_id, record).await {
            PgTx::rollback(*self).await;
            return Err(e);
        }
        self.commit_now().await
    }

    async fn redeem(&mut self, program_id: &str, redeem: &Redeem) -> StoreResult<Redeemed> {
        self.redeem_in_one_call(program_id, redeem).await
    }

    async fn record_purchase(&mut self, program_id: &str, purchase: &Purchase) -> StoreResult<Purchased> {
        self.record_purchase_in_one_call(program_id, purchase).await
    }

    async fn adjust(&mut self, program_id: &str, adjustment: &Adjust) -> StoreResult<Adjusted> {
        self.adjust_in_one_call(program_id, adjustment).await
    }

    async fn void(&mut self, program_id: &str, void: &Void) -> StoreResult<Voided> {
        self.void_in_one_call(program_id, void).await
    }

    async fn settle(&mut self, program_id: &str, settle: &Settle) -> StoreResult<Settled<Redemption>> {
        self.settle_in_one_call(program_id, settle).await
    }

    async fn use_coupon(&mut self, program_id: &str, coupon: &UseCoupon) -> StoreResult<Settled<Coupon>> {
        self.use_coupon_in_one_call(program_id, coupon).await
    }

    async fn expire(&mut self, program_id: &str, customer_id: &str, lot_id: &str) -> StoreResult<Option<LedgerEntry>> {
        self.expire_in_one_call(program_id, customer_id, lot_id).await
    }

    async fn idempotency_record(&mut self, program_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        self.record_of(program_id, key).await
    }

    async fn save_idempotency_record(&mut self, program_id: &str, record: &NewIdempotencyRecord) -> StoreResult<()> {
        // The record on its own; `commit_with_record` usually sends it with
        // the COMMIT instead (see `save_and_commit_sql`).
        let headers = record.headers_json()?;
        let done = sqlx::query(
            "INSERT INTO idempotency_records \
               (program_id, key, method, path, fingerprint, status, headers, body, resource_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, now(), now() + make_interval(hours => $10)) \
             ON CONFLICT (program_id, key) DO UPDATE SET method = excluded.method, path = excluded.path, \
               fingerprint = excluded.fingerprint, status = excluded.status, headers = excluded.headers, \
               body = excluded.body, resource_id = excluded.resource_id, created_at = excluded.created_at, \
               expires_at = excluded.expires_at \
             WHERE idempotency_records.expires_at <= now()",
        )
        .bind(program_id)
        .bind(&record.key)
        .bind(&record.method)
        .bind(&record.path)
        .bind(&record.fingerprint)
        .bind(i32::from(record.status))
        .bind(headers)
        .bind(&record.body)
        .bind(&record.resource_id)
        .bind(record.retention_hours)
        .execute(self.conn())
        .await
        .map_err(map_err)?;
        NewIdempotencyRecord::saved(done.rows_affected())
    }

    async fn program(&mut self, program_id: &str) -> StoreResult<Option<Program>> {
        let sql = format!("SELECT {PROGRAM_COLUMNS} FROM programs WHERE id = $1");
        let row: Option<ProgramRow> =
            sqlx::query_as(&sql).bind(program_id).fetch_optional(self.conn()).await.map_err(map_err)?;
        row.map(Program::try_from).transpose()
    }

    async fn patch_program(&mut self, program_id: &str, p: &ProgramPatch) -> StoreResult<Option<Program>> {
        let sql = format!(
            "UPDATE programs SET points_per_currency_unit = COALESCE($2, points_per_currency_unit), \
               void_policy = COALESCE($3, void_policy), \
               points_expire_after_days = CASE WHEN $4 THEN $5 ELSE points_expire_after_days END, \
               idempotency_retention_hours = COALESCE($6, idempotency_retention_hours), \
               require_idempotency_key = COALESCE($7, require_idempotency_key), \
               rate_limit_per_minute = COALESCE($8, rate_limit_per_minute), \
               points_pending_days = COALESCE($9, points_pending_days), \
               tiers = COALESCE($10, tiers), tier_period = COALESCE($11, tier_period) \
             WHERE id = $1 RETURNING {PROGRAM_COLUMNS}"
        );
        let row: Option<ProgramRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(p.points_per_currency_unit)
            .bind(p.void_policy.map(|v| v.as_str()))
            .bind(p.points_expire_after_days.is_some())
            .bind(p.points_expire_after_days.flatten())
            .bind(p.idempotency_retention_hours)
            .bind(p.require_idempotency_key)
            .bind(p.rate_limit_per_minute)
            .bind(p.points_pending_days)
            .bind(p.tiers.as_deref().map(tiers_json).transpose()?)
            .bind(p.tier_period.map(|t| t.as_str()))
            .fetch_optional(self.conn())
            .await
            .map_err(map_err)?;
        row.map(Program::try_from).transpose()
    }

    async fn customer(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Customer>> {
        reads::customer(self.conn(), program_id, id).await
    }

    async fn find_customer(&mut self, program_id: &str, contact: Contact<'_>) -> StoreResult<Option<Customer>> {
        let sql = format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE program_id = $1 AND (email = $2 OR phone = $3) \
             ORDER BY (email = $2) DESC NULLS LAST LIMIT 1"
        );
        let row: Option<CustomerRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(contact.email)
            .bind(contact.phone)
            .fetch_optional(self.conn())
            .await
            .map_err(map_err)?;
        Ok(row.map(Customer::from))
    }

    async fn insert_customer(&mut self, program_id: &str, c: &NewCustomer) -> StoreResult<Option<Customer>> {
        // No conflict target: a clash on the e-mail or on the phone both mean
        // "this customer exists", which the caller resolves with `find_customer`.
        let sql = format!(
            "INSERT INTO customers (id, program_id, email, phone, name) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT DO NOTHING RETURNING {CUSTOMER_COLUMNS}"
        );
        let row: Option<CustomerRow> = sqlx::query_as(&sql)
            .bind(IdKind::Customer.generate())
            .bind(program_id)
            .bind(&c.email)
            .bind(&c.phone)
            .bind(&c.name)
            .fetch_optional(self.conn())
            .await
            .map_err(map_err)?;
        Ok(row.map(Customer::from))
    }

    async fn update_customer(&mut self, program_id: &str, id: &str, c: &NewCustomer) -> StoreResult<Customer> {
        let sql = format!(
            "UPDATE customers SET name = COALESCE($3, name), email = COALESCE(email, $4), phone = COALESCE(phone, $5) \
             WHERE program_id = $1 AND id = $2 RETURNING {CUSTOMER_COLUMNS}"
        );
        let row: CustomerRow = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(id)
            .bind(&c.name)
            .bind(&c.email)
            .bind(&c.phone)
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        Ok(row.into())
    }

    async fn credit(&mut self, program_id: &str, customer_id: &str, points: i64) -> StoreResult<Option<i64>> {
        // PostgreSQL would raise on overflow and poison the transaction; the
        // function's bounds answer `None` instead and leave it usable. One
        // round trip for the credit and its lot (see `tally_credit`).
        sqlx::query_scalar("SELECT tally_credit($1, $2, $3, $4)")
            .bind(program_id)
            .bind(customer_id)
            .bind(points)
            .bind(IdKind::PointLot.generate())
            .fetch_one(self.conn())
            .await
            .map_err(map_err)
    }

    async fn debit(&mut self, program_id: &str, customer_id: &str, points: i64) -> StoreResult<Option<i64>> {
        self.debit_with(program_id, customer_id, points, false).await
    }

    async fn overdraw(&mut self, program_id: &str, customer_id: &str, points: i64) -> StoreResult<Option<i64>> {
        self.debit_with(program_id, customer_id, points, true).await
    }

    async fn lock_customer(&mut self, program_id: &str, customer_id: &str) -> StoreResult<bool> {
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM customers WHERE program_id = $1 AND id = $2 FOR UPDATE")
                .bind(program_id)
                .bind(customer_id)
                .fetch_optional(self.conn())
                .await
                .map_err(map_err)?;
        Ok(found.is_some())
    }

    async fn ledger_entry_by_key(&mut self, program_id: &str, key: &str) -> StoreResult<FoundByKey<LedgerEntry>> {
        let sql = format!("SELECT {LEDGER_COLUMNS} FROM ledger_entries WHERE program_id = $1 AND idempotency_key = $2");
        reads::found::<LedgerRow, _>(self.conn(), &sql, program_id, key).await
    }

    async fn expire_lot(&mut self, program_id: &str, lot_id: &str) -> StoreResult<Option<(i64, i64)>> {
        // The CTE locks the lot and reads what it held; the conditional update
        // then takes it only if no other node expired it first.
        let taken: Option<(String, i64)> = sqlx::query_as(
            "WITH due AS ( \
               SELECT id, customer_id, remaining FROM point_lots \
               WHERE program_id = $1 AND id = $2 AND expired_at IS NULL AND remaining > 0 AND expires_at <= now() \
               FOR UPDATE \
             ) \
             UPDATE point_lots p SET remaining = 0, expired_at = now() FROM due WHERE p.id = due.id \
             RETURNING due.customer_id, due.remaining",
        )
        .bind(program_id)
        .bind(lot_id)
        .fetch_optional(self.conn())
        .await
        .map_err(map_err)?;
        let Some((customer_id, points)) = taken else { return Ok(None) };
        let balance: i64 = sqlx::query_scalar(
            "UPDATE customers SET balance = balance - $3, lifetime_spent = lifetime_spent + $3 \
             WHERE program_id = $1 AND id = $2 RETURNING balance",
        )
        .bind(program_id)
        .bind(&customer_id)
        .bind(points)
        .fetch_one(self.conn())
        .await
        .map_err(map_err)?;
        Ok(Some((points, balance)))
    }

    async fn insert_ledger_entry(&mut self, program_id: &str, e: &NewLedgerEntry) -> StoreResult<LedgerEntry> {
        let sql = format!(
            "INSERT INTO ledger_entries (id, program_id, customer_id, points, balance_after, operation, transaction_id, \
               redemption_id, reason, token_id, idempotency_key, idempotency_fingerprint, pending_points, \
               qualifying_points) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING {LEDGER_COLUMNS}"
        );
        let row: LedgerRow = sqlx::query_as(&sql)
            .bind(IdKind::LedgerEntry.generate())
            .bind(program_id)
            .bind(&e.customer_id)
            .bind(e.points)
            .bind(e.balance_after)
            .bind(e.operation.as_str())
            .bind(&e.transaction_id)
            .bind(&e.redemption_id)
            .bind(&e.reason)
            .bind(&e.token_id)
            .bind(e.idempotency.as_ref().map(|k| &k.key))
            .bind(e.idempotency.as_ref().map(|k| &k.fingerprint))
            .bind(e.pending_points)
            .bind(e.qualifying_points)
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        row.try_into()
    }

    async fn release(&mut self, program_id: &str, customer_id: &str, lot_id: &str) -> StoreResult<Option<LedgerEntry>> {
        self.release_in_one_call(program_id, customer_id, lot_id).await
    }

    async fn insert_transaction(&mut self, program_id: &str, t: &NewTransaction) -> StoreResult<Option<Transaction>> {
        // Only the external id is a conflict target: a clash on the idempotency
        // key means the lock was bypassed, and must fail loudly rather than vanish.
        let sql = format!(
            "INSERT INTO transactions (id, program_id, customer_id, spend_amount_cents, currency, points, external_id, \
               idempotency_key, idempotency_fingerprint, tier, earn_multiplier_percent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (program_id, external_id) DO NOTHING RETURNING {TRANSACTION_COLUMNS}"
        );
        let row: Option<TransactionRow> = sqlx::query_as(&sql)
            .bind(IdKind::Transaction.generate())
            .bind(program_id)
            .bind(&t.customer_id)
            .bind(t.spend_amount_cents)
            .bind(&t.currency)
            .bind(t.points)
            .bind(&t.external_id)
            .bind(t.idempotency.as_ref().map(|k| &k.key))
            .bind(t.idempotency.as_ref().map(|k| &k.fingerprint))
            .bind(&t.tier)
            .bind(t.earn_multiplier_percent)
            .fetch_optional(self.conn())
            .await
            .map_err(map_err)?;
        row.map(Transaction::try_from).transpose()
    }

    async fn transaction_by_external_id(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Transaction>> {
        let sql = format!("SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE program_id = $1 AND external_id = $2");
        reads::found::<TransactionRow, _>(self.conn(), &sql, program_id, id).await
    }

    async fn transaction_by_key(&mut self, program_id: &str, key: &str) -> StoreResult<FoundByKey<Transaction>> {
        let sql =
            format!("SELECT {TRANSACTION_COLUMNS} FROM transactions WHERE program_id = $1 AND idempotency_key = $2");
        reads::found::<TransactionRow, _>(self.conn(), &sql, program_id, key).await
    }

    async fn insert_reward(&mut self, program_id: &str, r: &NewReward) -> StoreResult<Reward> {
        let sql = format!(
            "INSERT INTO rewards (id, program_id, name, cost_points, kind, stock, active) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {REWARD_COLUMNS}"
        );
        let row: RewardRow = sqlx::query_as(&sql)
            .bind(IdKind::Reward.generate())
            .bind(program_id)
            .bind(&r.name)
            .bind(r.cost_points)
            .bind(r.kind.as_str())
            .bind(r.stock)
            .bind(r.active)
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        row.try_into()
    }

    async fn update_reward(&mut self, program_id: &str, id: &str, p: &RewardPatch) -> StoreResult<Option<Reward>> {
        let sql = format!(
            "UPDATE rewards SET name = COALESCE($3, name), cost_points = COALESCE($4, cost_points), \
               stock = CASE WHEN $5 THEN $6 ELSE stock END, active = COALESCE($7, active), updated_at = now() \
             WHERE program_id = $1 AND id = $2 RETURNING {REWARD_COLUMNS}"
        );
        let row: Option<RewardRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(id)
            .bind(&p.name)
            .bind(p.cost_points)
            .bind(p.stock.is_some())
            .bind(p.stock.flatten())
            .bind(p.active)
            .fetch_optional(self.conn())
            .await
            .map_err(map_err)?;
        row.map(Reward::try_from).transpose()
    }

    async fn reward(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Reward>> {
        reads::reward(self.conn(), program_id, id).await
    }

    async fn take_stock(&mut self, program_id: &str, reward_id: &str, quantity: i64) -> StoreResult<bool> {
        let sql = "UPDATE rewards SET stock = stock - $3 \
             WHERE program_id = $1 AND id = $2 AND (stock IS NULL OR stock >= $3)";
        Ok(change_stock(self.conn(), sql, program_id, reward_id, quantity).await? == 1)
    }

    async fn insert_redemption(&mut self, program_id: &str, r: &NewRedemption) -> StoreResult<Redemption> {
        let sql = format!(
            "INSERT INTO redemptions (id, program_id, customer_id, reward_id, quantity, points_spent, status, \
               coupon_code, idempotency_key, idempotency_fingerprint) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $9) RETURNING {REDEMPTION_COLUMNS}"
        );
        let row: RedemptionRow = sqlx::query_as(&sql)
            .bind(IdKind::Redemption.generate())
            .bind(program_id)
            .bind(&r.customer_id)
            .bind(&r.reward_id)
            .bind(r.quantity)
            .bind(r.points_spent)
            .bind(&r.coupon_code)
            .bind(r.idempotency.as_ref().map(|k| &k.key))
            .bind(r.idempotency.as_ref().map(|k| &k.fingerprint))
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        row.try_into()
    }

    async fn redemption_by_key(&mut self, program_id: &str, key: &str) -> StoreResult<FoundByKey<Redemption>> {
        let sql =
            format!("SELECT {REDEMPTION_COLUMNS} FROM redemptions WHERE program_id = $1 AND idempotency_key = $2");
        reads::found::<RedemptionRow, _>(self.conn(), &sql, program_id, key).await
    }

    async fn transaction(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Transaction>> {
        reads::transaction(self.conn(), program_id, id).await
    }

    async fn void_amount(&mut self, program_id: &str, v: &Void) -> StoreResult<Option<Transaction>> {
        // READ COMMITTED re-evaluates the WHERE clause against the row a
        // concurrent void committed, so two voids can never both take the rest.
        let sql = format!(
            "UPDATE transactions SET \
               voided_amount_cents = voided_amount_cents + COALESCE($3, spend_amount_cents - voided_amount_cents), \
               status = CASE WHEN voided_amount_cents + COALESCE($3, spend_amount_cents - voided_amount_cents) \
                 = spend_amount_cents THEN 'voided' ELSE 'partially_voided' END \
             WHERE program_id = $1 AND id = $2 AND status <> 'voided' \
               AND voided_amount_cents + COALESCE($3, spend_amount_cents - voided_amount_cents) <= spend_amount_cents \
             RETURNING {TRANSACTION_COLUMNS}"
        );
        let row: Option<TransactionRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(&v.transaction_id)
            .bind(v.amount_cents)
            .fetch_optional(self.conn())
            .await
            .map_err(map_err)?;
        row.map(Transaction::try_from).transpose()
    }

    async fn set_voided_points(&mut self, program_id: &str, id: &str, voided_points: i64) -> StoreResult<Transaction> {
        let sql = format!(
            "UPDATE transactions SET voided_points = $3 WHERE program_id = $1 AND id = $2 RETURNING {TRANSACTION_COLUMNS}"
        );
        let row: TransactionRow = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(id)
            .bind(voided_points)
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        row.try_into()
    }

    async fn redemption(&mut self, program_id: &str, id: &str) -> StoreResult<Option<Redemption>> {
        reads::redemption(self.conn(), program_id, id).await
    }

    async fn move_redemption(&mut self, program_id: &str, m: RedemptionMove<'_>) -> StoreResult<Option<Redemption>> {
        let sql = format!(
            "UPDATE redemptions SET status = $4, moved_by_key = COALESCE($5, moved_by_key), \
               moved_by_fingerprint = COALESCE($6, moved_by_fingerprint) \
             WHERE program_id = $1 AND id = $2 AND status = $3 RETURNING {REDEMPTION_COLUMNS}"
        );
        transition::<RedemptionRow, _>(self.conn(), &sql, program_id, m.id, (m.from.as_str(), m.to.as_str()), m.key)
            .await
    }

    async fn redemption_moved_by(&mut self, program_id: &str, id: &str) -> StoreResult<Option<ResourceKey>> {
        moved_by(
            self.conn(),
            "SELECT moved_by_key, moved_by_fingerprint FROM redemptions WHERE program_id = $1 AND id = $2",
            program_id,
            id,
        )
        .await
    }

    async fn return_stock(&mut self, program_id: &str, reward_id: &str, quantity: i64) -> StoreResult<()> {
        let sql = "UPDATE rewards SET stock = stock + $3 WHERE program_id = $1 AND id = $2 AND stock IS NOT NULL";
        change_stock(self.conn(), sql, program_id, reward_id, quantity).await?;
        Ok(())
    }

    async fn insert_coupon(&mut self, program_id: &str, c: &NewCoupon) -> StoreResult<Coupon> {
        let sql = format!(
            "INSERT INTO coupons (id, program_id, code, redemption_id, customer_id, reward_id, status) \
             VALUES ($1, $2, $3, $4, $5, $6, 'active') RETURNING {COUPON_COLUMNS}"
        );
        let row: CouponRow = sqlx::query_as(&sql)
            .bind(IdKind::Coupon.generate())
            .bind(program_id)
            .bind(&c.code)
            .bind(&c.redemption_id)
            .bind(&c.customer_id)
            .bind(&c.reward_id)
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        row.try_into()
    }

    async fn coupon(&mut self, program_id: &str, code: &str) -> StoreResult<Option<Coupon>> {
        reads::coupon(self.conn(), program_id, code).await
    }

    async fn move_coupon(&mut self, program_id: &str, m: CouponMove<'_>) -> StoreResult<Option<Coupon>> {
        let sql = format!(
            "UPDATE coupons SET status = $4, redeemed_at = CASE WHEN $4 = 'redeemed' THEN now() ELSE redeemed_at END, \
               moved_by_key = COALESCE($5, moved_by_key), moved_by_fingerprint = COALESCE($6, moved_by_fingerprint) \
             WHERE program_id = $1 AND code = $2 AND status = $3 RETURNING {COUPON_COLUMNS}"
        );
        transition::<CouponRow, _>(self.conn(), &sql, program_id, m.id, (m.from.as_str(), m.to.as_str()), m.key).await
    }

    async fn coupon_moved_by(&mut self, program_id: &str, code: &str) -> StoreResult<Option<ResourceKey>> {
        moved_by(
            self.conn(),
            "SELECT moved_by_key, moved_by_fingerprint FROM coupons WHERE program_id = $1 AND code = $2",
            program_id,
            code,
        )
        .await
    }
}
