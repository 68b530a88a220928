//! One typed method per route of `/api/v1`.
//!
//! Writes are built by the functions of [`ops`] (so a caller with keys of its
//! own can send them through [`Client::submit_with_key`]) and sent as new,
//! journaled intents by the methods on [`Client`]. Reads are retried but
//! never journaled.

use reqwest::Method;
use serde_json::Value;
use tally_core::model::{Balance, Coupon, Customer, LedgerEntry, Program, Redemption, Reward, TierChange, Transaction};

use crate::client::{Client, WriteRequest, segment};
use crate::error::Result;
use crate::types::{
    CustomerFilter, KeyInfo, NewAdjustment, NewCustomer, NewRedemption, NewReward, NewTransaction, Page, PageParams,
    ProgramPatch, RewardPatch, V2Redeem, V2Redemption, V2RedemptionList, VoidTransaction, Written,
};

/// The writes of the API, as requests ready to send.
pub mod ops {
    use super::*;

    /// An empty JSON object: the body of the writes that take no fields.
    fn empty() -> serde_json::Map<String, Value> {
        serde_json::Map::new()
    }

    pub fn upsert_customer(body: &NewCustomer) -> WriteRequest<Customer> {
        WriteRequest::new("customer.upsert", Method::POST, "/api/v1/customers".into(), body)
    }

    /// Its answer is the adjustment's ledger entry (201).
    pub fn adjust_points(customer_id: &str, body: &NewAdjustment) -> WriteRequest<LedgerEntry> {
        let path = format!("/api/v1/customers/{}/adjustments", segment(customer_id));
        WriteRequest::new("customer.adjust", Method::POST, path, body)
    }

    pub fn record_purchase(body: &NewTransaction) -> WriteRequest<Transaction> {
        WriteRequest::new("transaction.create", Method::POST, "/api/v1/transactions".into(), body)
    }

    /// Its answer is the purchase as the void left it (200).
    pub fn void_transaction(transaction_id: &str, body: &VoidTransaction) -> WriteRequest<Transaction> {
        let path = format!("/api/v1/transactions/{}/void", segment(transaction_id));
        WriteRequest::new("transaction.void", Method::POST, path, body)
    }

    pub fn create_reward(body: &NewReward) -> WriteRequest<Reward> {
        WriteRequest::new("reward.create", Method::POST, "/api/v1/rewards".into(), body)
    }

    pub fn update_reward(reward_id: &str, body: &RewardPatch) -> WriteRequest<Reward> {
        WriteRequest::new("reward.update", Method::PATCH, format!("/api/v1/rewards/{}", segment(reward_id)), body)
    }

    pub fn redeem(body: &NewRedemption) -> WriteRequest<Redemption> {
        WriteRequest::new("redemption.create", Method::POST, "/api/v1/redemptions".into(), body)
    }

    pub fn fulfil_redemption(redemption_id: &str) -> WriteRequest<Redemption> {
        let path = format!("/api/v1/redemptions/{}/fulfil", segment(redemption_id));
        WriteRequest::new("redemption.fulfil", Method::POST, path, &empty())
    }

    pub fn cancel_redemption(redemption_id: &str) -> WriteRequest<Redemption> {
        let path = format!("/api/v1/redemptions/{}/cancel", segment(redemption_id));
        WriteRequest::new("redemption.cancel", Method::POST, path, &empty())
    }

    /// Its answer is the coupon, now `redeemed` (200).
    pub fn redeem_coupon(code: &str) -> WriteRequest<Coupon> {
        let path = format!("/api/v1/coupons/{}/redeem", segment(code));
        WriteRequest::new("coupon.redeem", Method::POST, path, &empty())
    }

    pub fn update_program(body: &ProgramPatch) -> WriteRequest<Program> {
        WriteRequest::new("program.update", Method::PATCH, "/api/v1/program".into(), body)
    }

    /// The v2 compatibility shape of [`redeem`], with the same idempotency contract.
    pub fn redeem_v2(body: &V2Redeem) -> WriteRequest<V2Redemption> {
        WriteRequest::new("redemption.create_v2", Method::POST, "/api/v2/loyalty/rewards/redeem".into(), body)
    }
}

/// `?a=1&b=2` from the present pairs, values percent-encoded.
fn query(pairs: &[(&str, Option<String>)]) -> String {
    let parts: Vec<String> =
        pairs.iter().filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}={}", segment(v)))).collect();
    if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
}

fn page_query(page: &PageParams) -> String {
    query(&[("limit", page.limit.map(|l| l.to_string())), ("starting_after", page.starting_after.clone())])
}

impl Client {
    // Customers.

    /// Upserts a customer by email or phone (201 created, 200 found).
    pub async fn upsert_customer(&self, customer: &NewCustomer) -> Result<Written<Customer>> {
        self.submit(ops::upsert_customer(customer)).await
    }

    pub async fn customer(&self, customer_id: &str) -> Result<Customer> {
        self.get(&format!("/api/v1/customers/{}", segment(customer_id))).await
    }

    /// Customers, newest first, optionally filtered by (normalised) email or phone.
    pub async fn customers(&self, filter: &CustomerFilter, page: &PageParams) -> Result<Page<Customer>> {
        let query = query(&[
            ("email", filter.email.clone()),
            ("phone", filter.phone.clone()),
            ("limit", page.limit.map(|l| l.to_string())),
            ("starting_after", page.starting_after.clone()),
        ]);
        self.get(&format!("/api/v1/customers{query}")).await
    }

    /// The customer with this email, if any.
    pub async fn customer_by_email(&self, email: &str) -> Result<Option<Customer>> {
        let filter = CustomerFilter { email: Some(email.to_owned()), phone: None };
        let page = self.customers(&filter, &PageParams { limit: Some(1), starting_after: None }).await?;
        Ok(page.data.into_iter().next())
    }

    pub async fn balance(&self, customer_id: &str) -> Result<Balance> {
        self.get(&format!("/api/v1/customers/{}/balance", segment(customer_id))).await
    }

    pub async fn ledger(&self, customer_id: &str, page: &PageParams) -> Result<Page<LedgerEntry>> {
        self.get(&format!("/api/v1/customers/{}/ledger{}", segment(customer_id), page_query(page))).await
    }

    /// The customer's tier changes, newest first.
    pub async fn tier_history(&self, customer_id: &str, page: &PageParams) -> Result<Page<TierChange>> {
        self.get(&format!("/api/v1/customers/{}/tier-history{}", segment(customer_id), page_query(page))).await
    }

    /// Signed points with a required reason; the answer is the ledger entry it made.
    pub async fn adjust_points(&self, customer_id: &str, adjustment: &NewAdjustment) -> Result<Written<LedgerEntry>> {
        self.submit(ops::adjust_points(customer_id, adjustment)).await
    }

    // Transactions.

    /// Records a purchase; it earns points by the program's rule.
    pub async fn record_purchase(&self, purchase: &NewTransaction) -> Result<Written<Transaction>> {
        self.submit(ops::record_purchase(purchase)).await
    }

    pub async fn transaction(&self, transaction_id: &str) -> Result<Transaction> {
        self.get(&format!("/api/v1/transactions/{}", segment(transaction_id))).await
    }

    /// Voids a purchase (all of it, or `amount_cents` of it), taking back its
    /// points in proportion; the answer is the purchase with its `status` and
    /// `voided_*` totals.
    pub async fn void_transaction(&self, transaction_id: &str, void: &VoidTransaction) -> Result<Written<Transaction>> {
        self.submit(ops::void_transaction(transaction_id, void)).await
    }

    // Rewards.

    pub async fn create_reward(&self, reward: &NewReward) -> Result<Written<Reward>> {
        self.submit(ops::create_reward(reward)).await
    }

    pub async fn rewards(&self, page: &PageParams) -> Result<Page<Reward>> {
        self.get(&format!("/api/v1/rewards{}", page_query(page))).await
    }

    pub async fn reward(&self, reward_id: &str) -> Result<Reward> {
        self.get(&format!("/api/v1/rewards/{}", segment(reward_id))).await
    }

    pub async fn update_reward(&self, reward_id: &str, patch: &RewardPatch) -> Result<Written<Reward>> {
        self.submit(ops::update_reward(reward_id, patch)).await
    }

    // Redemptions.

    /// Spends points on a reward, exactly once however often it has to be sent.
    pub async fn redeem(&self, redemption: &NewRedemption) -> Result<Written<Redemption>> {
        self.submit(ops::redeem(redemption)).await
    }

    pub async fn redemption(&self, redemption_id: &str) -> Result<Redemption> {
        self.get(&format!("/api/v1/redemptions/{}", segment(redemption_id))).await
    }

    pub async fn customer_redemptions(&self, customer_id: &str, page: &PageParams) -> Result<Page<Redemption>> {
        self.get(&format!("/api/v1/customers/{}/redemptions{}", segment(customer_id), page_query(page))).await
    }

    pub async fn fulfil_redemption(&self, redemption_id: &str) -> Result<Written<Redemption>> {
        self.submit(ops::fulfil_redemption(redemption_id)).await
    }

    /// Cancels a pending redemption, refunding its points and stock.
    pub async fn cancel_redemption(&self, redemption_id: &str) -> Result<Written<Redemption>> {
        self.submit(ops::cancel_redemption(redemption_id)).await
    }

    // Coupons.

    /// A coupon by its code (case-insensitive).
    pub async fn coupon(&self, code: &str) -> Result<Coupon> {
        self.get(&format!("/api/v1/coupons/{}", segment(code))).await
    }

    /// Uses a coupon, once: it fulfils the coupon's redemption. A second use is
    /// 422 `already_redeemed`, a coupon of a cancelled redemption 422 `coupon_void`.
    pub async fn redeem_coupon(&self, code: &str) -> Result<Written<Coupon>> {
        self.submit(ops::redeem_coupon(code)).await
    }

    // Program.

    pub async fn program(&self) -> Result<Program> {
        self.get("/api/v1/program").await
    }

    pub async fn update_program(&self, patch: &ProgramPatch) -> Result<Written<Program>> {
        self.submit(ops::update_program(patch)).await
    }

    // The v2 compatibility pair.

    /// `POST /api/v2/loyalty/rewards/redeem`: one unit, exactly once, like [`Client::redeem`].
    pub async fn redeem_v2(&self, redemption: &V2Redeem) -> Result<Written<V2Redemption>> {
        self.submit(ops::redeem_v2(redemption)).await
    }

    /// `GET /api/v2/loyalty/redemptions/{customer_id}`: the latest 100, newest first.
    pub async fn redemptions_v2(&self, customer_id: &str) -> Result<V2RedemptionList> {
        self.get(&format!("/api/v2/loyalty/redemptions/{}", segment(customer_id))).await
    }

    // Idempotency keys.

    /// What the server knows of a key of this program (404 when unknown or expired).
    pub async fn idempotency_key(&self, key: &str) -> Result<KeyInfo> {
        self.get(&format!("/api/v1/idempotency-keys/{}", segment(key))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_go_to_their_routes_with_their_bodies() {
        let redeem = ops::redeem(&NewRedemption::new("cus_1", "rwd_1"));
        assert_eq!((redeem.method.as_str(), redeem.path.as_str()), ("POST", "/api/v1/redemptions"));
        assert_eq!(redeem.body, br#"{"customer_id":"cus_1","reward_id":"rwd_1"}"#);
        let void = ops::void_transaction("txn_1", &VoidTransaction { amount_cents: Some(500) });
        assert_eq!(void.path, "/api/v1/transactions/txn_1/void");
        assert_eq!(void.body, br#"{"amount_cents":500}"#);
        let fulfil = ops::fulfil_redemption("rdm_1");
        assert_eq!((fulfil.path.as_str(), fulfil.body.as_slice()), ("/api/v1/redemptions/rdm_1/fulfil", &b"{}"[..]));
        assert_eq!(ops::cancel_redemption("rdm_1").path, "/api/v1/redemptions/rdm_1/cancel");
        let adjust = ops::adjust_points("cus_1", &NewAdjustment { points: -5, reason: "goodwill".into() });
        assert_eq!(adjust.path, "/api/v1/customers/cus_1/adjustments");
        assert_eq!(adjust.body, br#"{"points":-5,"reason":"goodwill"}"#);
        assert_eq!(ops::redeem_coupon("A B/1").path, "/api/v1/coupons/A%20B%2F1/redeem");
        assert_eq!(ops::redeem_coupon("ABC").body, b"{}");
        let v2 = ops::redeem_v2(&V2Redeem { points_amount: Some(10), ..V2Redeem::new("cus_1", "rwd_1") });
        assert_eq!(v2.path, "/api/v2/loyalty/rewards/redeem");
        assert_eq!(v2.body, br#"{"customer_id":"cus_1","reward_id":"rwd_1","points_amount":10}"#);
        let patch = ops::update_reward("rwd_1", &RewardPatch { active: Some(false), ..Default::default() });
        assert_eq!((patch.method.as_str(), patch.path.as_str()), ("PATCH", "/api/v1/rewards/rwd_1"));
    }

    #[test]
    fn queries_carry_only_present_values_encoded() {
        assert_eq!(query(&[("email", None)]), "");
        assert_eq!(
            query(&[("email", Some("a+b@x.com".into())), ("limit", Some("5".into()))]),
            "?email=a%2Bb%40x.com&limit=5"
        );
        let page = PageParams { limit: Some(100), starting_after: Some("cus_1".into()) };
        assert_eq!(page_query(&page), "?limit=100&starting_after=cus_1");
    }
}
