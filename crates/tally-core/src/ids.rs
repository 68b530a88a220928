//! Prefixed ULIDs (`cus_01J…`): sortable by creation time, and the prefix tells a
//! reader (and a support engineer) what kind of object an id names.

use std::sync::Mutex;

use ulid::{Generator, Ulid};

/// Ids made in the same millisecond by this process still sort in the order
/// they were made (two ledger entries of one request list newest first).
/// Across nodes, order is by millisecond only.
static MONOTONIC: Mutex<Generator> = Mutex::new(Generator::new());

fn next_ulid() -> Ulid {
    let mut generator = MONOTONIC.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    // Overflow needs 2^80 ids in one millisecond; fall back to a random one rather than panic.
    generator.generate().unwrap_or_else(|_| Ulid::new())
}

/// The kinds of object that carry an id, each with its prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Program,
    Token,
    Customer,
    Transaction,
    Reward,
    Redemption,
    Coupon,
    LedgerEntry,
    PointLot,
    Event,
    WebhookEndpoint,
    TierChange,
}

impl IdKind {
    pub const fn prefix(self) -> &'static str {
        match self {
            IdKind::Program => "prg",
            IdKind::Token => "tok",
            IdKind::Customer => "cus",
            IdKind::Transaction => "txn",
            IdKind::Reward => "rwd",
            IdKind::Redemption => "rdm",
            IdKind::Coupon => "cpn",
            IdKind::LedgerEntry => "led",
            IdKind::PointLot => "lot",
            IdKind::Event => "evt",
            IdKind::WebhookEndpoint => "whe",
            IdKind::TierChange => "tch",
        }
    }

    /// A fresh id of this kind.
    pub fn generate(self) -> String {
        format!("{}_{}", self.prefix(), next_ulid())
    }

    /// Whether `id` is well formed for this kind. Handlers use it to answer a
    /// malformed id with the same 404 as an unknown one, without a query.
    pub fn matches(self, id: &str) -> bool {
        id.strip_prefix(self.prefix())
            .and_then(|rest| rest.strip_prefix('_'))
            .is_some_and(|ulid| Ulid::from_string(ulid).is_ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_carry_their_prefix_and_parse_back() {
        let id = IdKind::Customer.generate();
        assert!(id.starts_with("cus_"));
        assert_eq!(id.len(), 4 + 26);
        assert!(IdKind::Customer.matches(&id));
        assert!(!IdKind::Reward.matches(&id));
    }

    #[test]
    fn later_ids_sort_after_earlier_ones_even_within_a_millisecond() {
        let ids: Vec<String> = (0..1000).map(|_| IdKind::Redemption.generate()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn malformed_ids_do_not_match() {
        for bad in ["", "cus_", "cus_notaulid", "cus01HZZZZZZZZZZZZZZZZZZZZZZZ", "cus_'; drop table"] {
            assert!(!IdKind::Customer.matches(bad), "{bad}");
        }
    }
}
