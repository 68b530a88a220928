//! The whole writes of `tally_store::writes`, one round trip each: a call of
//! the PL/pgSQL function that runs the same steps (in `functions/`, installed by
//! `schema`), and the record saved in the round trip of the COMMIT.

use sqlx::postgres::PgRow;
use sqlx::{FromRow, Row};
use tally_core::ids::IdKind;
use tally_core::model::{Coupon, IdempotencyRecord, LedgerEntry, Redemption};
use tally_store::{
    Adjust, AdjustRefusal, Adjusted, KeyedResource, NewIdempotencyRecord, Purchase, PurchaseRefusal, Purchased, Redeem,
    RedeemRefusal, Redeemed, Settle, SettleRefusal, Settled, StoreError, StoreResult, UseCoupon, Void, VoidRefusal,
    Voided,
};

use crate::rows::{CouponRow, LEDGER_COLUMNS, LedgerRow, RedemptionRow, TransactionRow};
use crate::tx::PgTx;
use crate::{literal, map_err};

impl PgTx {
    pub(crate) async fn redeem_in_one_call(&mut self, program_id: &str, r: &Redeem) -> StoreResult<Redeemed> {
        let row = sqlx::query("SELECT * FROM tally_redeem($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(program_id)
            .bind(&r.customer_id)
            .bind(&r.reward_id)
            .bind(r.quantity)
            .bind(r.expected_points)
            .bind(r.idempotency.as_ref().map(|k| &k.key))
            .bind(r.idempotency.as_ref().map(|k| &k.fingerprint))
            .bind(IdKind::Redemption.generate())
            .bind(IdKind::LedgerEntry.generate())
            .bind(IdKind::Coupon.generate())
            .bind(&r.coupon_code)
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        let cost = || row.try_get::<Option<i64>, _>("cost").map_err(map_err)?.ok_or_else(|| unexpected("cost", "NULL"));
        let refusal = match outcome(&row)?.as_str() {
            "created" => return Ok(Redeemed::Created(RedemptionRow::from_row(&row).map_err(map_err)?.try_into()?)),
            "replayed" => return Ok(Redeemed::Replayed(RedemptionRow::from_row(&row).map_err(map_err)?.keyed()?)),
            "reward_not_found" => RedeemRefusal::RewardNotFound,
            "reward_inactive" => RedeemRefusal::RewardInactive,
            "customer_not_found" => RedeemRefusal::CustomerNotFound,
            "cost_overflow" => RedeemRefusal::CostOverflow,
            "price_mismatch" => RedeemRefusal::PriceMismatch {
                expected: r.expected_points.ok_or_else(|| unexpected("price_mismatch", "without a price"))?,
                cost: cost()?,
            },
            "out_of_stock" => RedeemRefusal::OutOfStock,
            "insufficient_points" => RedeemRefusal::InsufficientPoints { cost: cost()? },
            other => return Err(unexpected("redemption outcome", other)),
        };
        Ok(Redeemed::Refused(refusal))
    }

    pub(crate) async fn record_purchase_in_one_call(
        &mut self,
        program_id: &str,
        p: &Purchase,
    ) -> StoreResult<Purchased> {
        let row = sqlx::query("SELECT * FROM tally_record_purchase($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(program_id)
            .bind(&p.customer_id)
            .bind(p.spend_amount_cents)
            .bind(&p.currency)
            .bind(&p.external_id)
            .bind(p.points)
            .bind(p.idempotency.as_ref().map(|k| &k.key))
            .bind(p.idempotency.as_ref().map(|k| &k.fingerprint))
            .bind(IdKind::Transaction.generate())
            .bind(IdKind::PointLot.generate())
            .bind(IdKind::LedgerEntry.generate())
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        let purchase = || TransactionRow::from_row(&row).map_err(map_err);
        Ok(match outcome(&row)?.as_str() {
            "created" => Purchased::Created(purchase()?.try_into()?),
            "existing" => Purchased::Existing(purchase()?.try_into()?),
            "replayed" => Purchased::Replayed(purchase()?.keyed()?),
            "customer_not_found" => Purchased::Refused(PurchaseRefusal::CustomerNotFound),
            "earning_overflow" => Purchased::Refused(PurchaseRefusal::EarningOverflow),
            "balance_overflow" => Purchased::Refused(PurchaseRefusal::BalanceOverflow),
            other => return Err(unexpected("purchase outcome", other)),
        })
    }

    pub(crate) async fn adjust_in_one_call(&mut self, program_id: &str, a: &Adjust) -> StoreResult<Adjusted> {
        let row = sqlx::query("SELECT * FROM tally_adjust($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(program_id)
            .bind(&a.customer_id)
            .bind(a.points)
            .bind(&a.reason)
            .bind(&a.token_id)
            .bind(a.idempotency.as_ref().map(|k| &k.key))
            .bind(a.idempotency.as_ref().map(|k| &k.fingerprint))
            .bind(IdKind::PointLot.generate())
            .bind(IdKind::LedgerEntry.generate())
            .bind(a.qualifying)
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        let entry = || LedgerRow::from_row(&row).map_err(map_err);
        Ok(match outcome(&row)?.as_str() {
            "created" => Adjusted::Created(entry()?.try_into()?),
            "replayed" => Adjusted::Replayed(entry()?.keyed()?),
            "customer_not_found" => Adjusted::Refused(AdjustRefusal::CustomerNotFound),
            "balance_overflow" => Adjusted::Refused(AdjustRefusal::BalanceOverflow),
            "insufficient_points" => Adjusted::Refused(AdjustRefusal::InsufficientPoints),
            other => return Err(unexpected("adjustment outcome", other)),
        })
    }

    pub(crate) async fn void_in_one_call(&mut self, program_id: &str, v: &Void) -> StoreResult<Voided> {
        let row = sqlx::query("SELECT * FROM tally_void($1, $2, $3, $4, $5, $6)")
            .bind(program_id)
            .bind(&v.transaction_id)
            .bind(v.amount_cents)
            .bind(v.idempotency.as_ref().map(|k| &k.key))
            .bind(v.idempotency.as_ref().map(|k| &k.fingerprint))
            .bind(IdKind::LedgerEntry.generate())
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        let detail =
            || row.try_get::<Option<i64>, _>("detail").map_err(map_err)?.ok_or_else(|| unexpected("detail", "NULL"));
        let purchase = || TransactionRow::from_row(&row).map_err(map_err);
        let refusal = match outcome(&row)?.as_str() {
            "changed" => return Ok(Voided::Changed(purchase()?.try_into()?)),
            // The fingerprint is the void's, from its ledger entry.
            "replayed" => return Ok(Voided::Replayed(purchase()?.keyed()?)),
            "transaction_not_found" => VoidRefusal::TransactionNotFound,
            "already_voided" => VoidRefusal::AlreadyVoided,
            "exceeds_purchase" => VoidRefusal::ExceedsPurchase { left_cents: detail()? },
            "insufficient_points" => VoidRefusal::InsufficientPoints { points: detail()? },
            "balance_overflow" => VoidRefusal::BalanceOverflow,
            "key_used_elsewhere" => VoidRefusal::KeyUsedElsewhere,
            other => return Err(unexpected("void outcome", other)),
        };
        Ok(Voided::Refused(refusal))
    }

    pub(crate) async fn settle_in_one_call(
        &mut self,
        program_id: &str,
        st: &Settle,
    ) -> StoreResult<Settled<Redemption>> {
        let row = sqlx::query("SELECT * FROM tally_settle($1, $2, $3, $4, $5, $6, $7)")
            .bind(program_id)
            .bind(&st.redemption_id)
            .bind(st.to.as_str())
            .bind(st.idempotency.as_ref().map(|k| &k.key))
            .bind(st.idempotency.as_ref().map(|k| &k.fingerprint))
            .bind(IdKind::PointLot.generate())
            .bind(IdKind::LedgerEntry.generate())
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        let redemption = || RedemptionRow::from_row(&row).map_err(map_err);
        match outcome(&row)?.as_str() {
            "changed" => Ok(Settled::Changed(redemption()?.try_into()?)),
            // The fingerprint is the move's (`moved_by_fingerprint`).
            "replayed" => Ok(Settled::Replayed(redemption()?.keyed()?)),
            other => settle_refusal(other),
        }
    }

    pub(crate) async fn use_coupon_in_one_call(
        &mut self,
        program_id: &str,
        u: &UseCoupon,
    ) -> StoreResult<Settled<Coupon>> {
        let row = sqlx::query("SELECT * FROM tally_use_coupon($1, $2, $3, $4)")
            .bind(program_id)
            .bind(&u.code)
            .bind(u.idempotency.as_ref().map(|k| &k.key))
            .bind(u.idempotency.as_ref().map(|k| &k.fingerprint))
            .fetch_one(self.conn())
            .await
            .map_err(map_err)?;
        let coupon = || -> StoreResult<Coupon> { CouponRow::from_row(&row).map_err(map_err)?.try_into() };
        match outcome(&row)?.as_str() {
            "changed" => Ok(Settled::Changed(coupon()?)),
            "replayed" => {
                let fingerprint: Option<String> = row.try_get("moved_by_fingerprint").map_err(map_err)?;
                Ok(Settled::Replayed(KeyedResource {
                    resource: coupon()?,
                    fingerprint: fingerprint.unwrap_or_default(),
                }))
            }
            other => settle_refusal(other),
        }
    }

    pub(crate) async fn expire_in_one_call(
        &mut self,
        program_id: &str,
        customer_id: &str,
        lot_id: &str,
    ) -> StoreResult<Option<LedgerEntry>> {
        let sql = format!("SELECT {LEDGER_COLUMNS} FROM tally_expire_lot($1, $2, $3, $4)");
        let row: Option<LedgerRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(customer_id)
            .bind(lot_id)
            .bind(IdKind::LedgerEntry.generate())
            .fetch_optional(self.conn())
            .await
            .map_err(map_err)?;
        row.map(LedgerEntry::try_from).transpose()
    }

    pub(crate) async fn release_in_one_call(
        &mut self,
        program_id: &str,
        customer_id: &str,
        lot_id: &str,
    ) -> StoreResult<Option<LedgerEntry>> {
        let sql = format!("SELECT {LEDGER_COLUMNS} FROM tally_release($1, $2, $3, $4, $5)");
        let row: Option<LedgerRow> = sqlx::query_as(&sql)
            .bind(program_id)
            .bind(customer_id)
            .bind(lot_id)
            .bind(IdKind::PointLot.generate())
            .bind(IdKind::LedgerEntry.generate())
            .fetch_optional(self.conn())
            .await
            .map_err(map_err)?;
        row.map(LedgerEntry::try_from).transpose()
    }

    /// The key's live record: the one read with the claim, if it was this key's.
    pub(crate) async fn record_of(&mut self, program_id: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
        if let Some((lock, record)) = self.prefetched.take()
            && lock.program_id == program_id
            && lock.key == key
        {
            return Ok(record);
        }
        crate::reads::record(self.conn(), program_id, key).await
    }

    /// Saves the record and commits in one simple query (which takes no
    /// parameters, so the values are written as literals). `None` if a value
    /// cannot be a literal (a NUL, which the API never accepts): the caller
    /// sends the two separately.
    pub(crate) fn save_and_commit_sql(program_id: &str, record: &NewIdempotencyRecord) -> StoreResult<Option<String>> {
        let headers = record.headers_json()?;
        let optional = |value: Option<&String>| match value {
            Some(value) => literal(value),
            None => Some("NULL".to_owned()),
        };
        let sql = (|| {
            Some(format!(
                "SELECT tally_save_record({}, {}, {}, {}, {}, {}, {}::jsonb, decode('{}', 'hex'), {}, {}); COMMIT",
                literal(program_id)?,
                literal(&record.key)?,
                literal(&record.method)?,
                literal(&record.path)?,
                literal(&record.fingerprint)?,
                record.status,
                literal(&headers)?,
                hex(&record.body),
                optional(record.resource_id.as_ref())?,
                record.retention_hours,
            ))
        })();
        Ok(sql)
    }
}

fn outcome(row: &PgRow) -> StoreResult<String> {
    row.try_get("outcome").map_err(map_err)
}

fn settle_refusal<T>(outcome: &str) -> StoreResult<Settled<T>> {
    let refusal = match outcome {
        "redemption_not_found" => SettleRefusal::RedemptionNotFound,
        "already_fulfilled" => SettleRefusal::AlreadyFulfilled,
        "already_cancelled" => SettleRefusal::AlreadyCancelled,
        "coupon_not_found" => SettleRefusal::CouponNotFound,
        "coupon_redeemed" => SettleRefusal::CouponRedeemed,
        "coupon_void" => SettleRefusal::CouponVoid,
        "balance_overflow" => SettleRefusal::BalanceOverflow,
        other => return Err(unexpected("settle outcome", other)),
    };
    Ok(Settled::Refused(refusal))
}

fn unexpected(what: &str, value: &str) -> StoreError {
    StoreError::Other(format!("unexpected {what} from the database: {value:?}"))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_record_and_the_commit_are_one_query_of_literals() {
        let record = NewIdempotencyRecord {
            key: "k'1".into(),
            method: "POST".into(),
            path: "/api/v1/redemptions".into(),
            fingerprint: "f".into(),
            status: 201,
            headers: vec![("location".into(), "/a'b".into())],
            body: b"{\"a\":1}".to_vec(),
            resource_id: None,
            retention_hours: 24,
        };
        let sql = PgTx::save_and_commit_sql("prg_1", &record).unwrap().unwrap();
        assert_eq!(
            sql,
            "SELECT tally_save_record(E'prg_1', E'k''1', E'POST', E'/api/v1/redemptions', E'f', 201, \
             E'[[\"location\",\"/a''b\"]]'::jsonb, decode('7b2261223a317d', 'hex'), NULL, 24); COMMIT"
        );
        let nul = NewIdempotencyRecord { key: "k\0".into(), ..record };
        assert_eq!(PgTx::save_and_commit_sql("prg_1", &nul).unwrap(), None);
    }
}
