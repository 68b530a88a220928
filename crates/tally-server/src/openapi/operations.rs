//! What the document says of each operation beyond its handler's annotation:
//! its key policy and its own error codes (see the parent module).

/// Whether an operation takes an `Idempotency-Key`, and must.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A read: no key.
    None,
    /// Accepted: a retry with the same key replays the first answer.
    Optional,
    /// The operation moves points or stock: without a key it is refused (400
    /// `idempotency_key_missing`) unless the program turned the requirement off.
    Required,
    /// Required when the body has `amount_cents` (a partial void), optional otherwise.
    RequiredForPartial,
}

/// What the document says of one operation beyond its handler's annotation.
pub struct Operation {
    pub id: &'static str,
    pub key: Key,
    /// Whether the request body may be left out (read as `{}`).
    pub optional_body: bool,
    /// The operation's own error codes, by status; the ones every route shares
    /// (auth, rate limit, body parsing, the key's states, storage) are added to them.
    pub errors: &'static [(u16, &'static [&'static str])],
}

const fn read(id: &'static str, errors: &'static [(u16, &'static [&'static str])]) -> Operation {
    Operation { id, key: Key::None, optional_body: false, errors }
}

const fn write(id: &'static str, key: Key, errors: &'static [(u16, &'static [&'static str])]) -> Operation {
    Operation { id, key, optional_body: false, errors }
}

const fn write_empty(id: &'static str, key: Key, errors: &'static [(u16, &'static [&'static str])]) -> Operation {
    Operation { id, key, optional_body: true, errors }
}

/// Every operation of the document. A test checks that this table and the
/// handlers' operation ids are the same set.
pub const OPERATIONS: &[Operation] = &[
    write(
        "customers_upsert",
        Key::Optional,
        &[(409, &["customer_conflict"]), (422, &["contact_required", "invalid_field"])],
    ),
    read("customers_get", &[(404, &["customer_not_found"])]),
    read("customers_list", &[(422, &["invalid_field"])]),
    read("customers_balance_get", &[(404, &["customer_not_found"])]),
    read("customers_ledger_list", &[(404, &["customer_not_found"])]),
    read("customers_tier_history_list", &[(404, &["customer_not_found"])]),
    write(
        "customers_adjustments_create",
        Key::Required,
        &[(404, &["customer_not_found"]), (422, &["invalid_field", "insufficient_points", "points_overflow"])],
    ),
    write(
        "transactions_create",
        Key::Required,
        &[(404, &["customer_not_found"]), (422, &["invalid_field", "points_overflow"])],
    ),
    read("transactions_get", &[(404, &["transaction_not_found"])]),
    write_empty(
        "transactions_void",
        Key::RequiredForPartial,
        &[
            (404, &["transaction_not_found"]),
            (
                422,
                &["invalid_field", "already_voided", "void_exceeds_purchase", "insufficient_points", "points_overflow"],
            ),
        ],
    ),
    write("rewards_create", Key::Optional, &[(422, &["invalid_field"])]),
    read("rewards_list", &[]),
    read("rewards_get", &[(404, &["reward_not_found"])]),
    write_empty("rewards_update", Key::Optional, &[(404, &["reward_not_found"]), (422, &["invalid_field"])]),
    write(
        "redemptions_create",
        Key::Required,
        &[
            (404, &["customer_not_found", "reward_not_found"]),
            (422, &["invalid_field", "reward_inactive", "insufficient_points", "out_of_stock", "points_overflow"]),
        ],
    ),
    read("redemptions_get", &[(404, &["redemption_not_found"])]),
    read("redemptions_list", &[]),
    read("customers_redemptions_list", &[(404, &["customer_not_found"])]),
    write_empty(
        "redemptions_fulfil",
        Key::Optional,
        &[(404, &["redemption_not_found"]), (422, &["already_fulfilled", "already_cancelled"])],
    ),
    write_empty(
        "redemptions_cancel",
        Key::Optional,
        &[
            (404, &["redemption_not_found"]),
            (422, &["already_fulfilled", "already_cancelled", "already_redeemed", "points_overflow"]),
        ],
    ),
    read("coupons_get", &[(404, &["coupon_not_found"])]),
    write_empty(
        "coupons_redeem",
        Key::Required,
        &[(404, &["coupon_not_found"]), (422, &["already_redeemed", "coupon_void"])],
    ),
    read("idempotency_keys_get", &[(404, &["idempotency_key_not_found"])]),
    read("program_get", &[]),
    read("stats_get", &[]),
    write_empty("program_update", Key::Optional, &[(422, &["invalid_field"])]),
    write(
        "v2_rewards_redeem",
        Key::Required,
        &[
            (404, &["customer_not_found", "reward_not_found"]),
            (
                422,
                &[
                    "invalid_field",
                    "reward_inactive",
                    "insufficient_points",
                    "out_of_stock",
                    "points_amount_mismatch",
                    "points_overflow",
                ],
            ),
        ],
    ),
    read("v2_redemptions_list", &[(404, &["customer_not_found"])]),
    read("events_list", &[]),
    read("events_get", &[(404, &["event_not_found"])]),
    write_empty("events_redeliver", Key::Optional, &[(404, &["event_not_found"])]),
    write(
        "webhook_endpoints_create",
        Key::Optional,
        &[(422, &["invalid_field", "webhook_url_not_allowed", "webhook_url_unresolvable"])],
    ),
    read("webhook_endpoints_list", &[]),
    read("webhook_endpoints_get", &[(404, &["webhook_endpoint_not_found"])]),
    write_empty(
        "webhook_endpoints_update",
        Key::Optional,
        &[
            (404, &["webhook_endpoint_not_found"]),
            (422, &["invalid_field", "webhook_url_not_allowed", "webhook_url_unresolvable"]),
        ],
    ),
    write_empty("webhook_endpoints_delete", Key::Optional, &[(404, &["webhook_endpoint_not_found"])]),
    write_empty("webhook_endpoints_rotate_secret", Key::Optional, &[(404, &["webhook_endpoint_not_found"])]),
    read("webhook_endpoints_deliveries", &[(404, &["webhook_endpoint_not_found"])]),
    read("exports_ledger", &[]),
    read("exports_customers", &[]),
];
