//! Case 30: every check of `tally verify` finds the row that breaks it.
//!
//! Each check is handed one customer (or purchase, or key) broken behind the
//! domain's back by a statement through [`Harness::tamper`]; the case then
//! asks that each breakage is reported, naming what broke. The checks' SQL is
//! shared by both backends (`crate::verify`), so this is what proves it means
//! the same thing on each.

use std::sync::Arc;

use tally_core::model::{ProgramSettings, VoidPolicy};

use super::Harness;
use super::support::*;
use crate::{KeyLock, Violation};

fn reported(found: &[Violation], problem: &str, subject: &str) -> bool {
    found.iter().any(|v| v.problem.starts_with(problem) && v.subject == subject)
}

pub async fn broken_invariants<S: Harness>(store: Arc<S>) {
    // A holding period, so purchases leave pending points and pending lots.
    let settings =
        ProgramSettings { points_pending_days: 30, void_policy: VoidPolicy::Reject, ..ProgramSettings::default() };
    let program = store.create_program(&unique("verify"), &settings).await.expect("create_program");
    let p = program.id.as_str();
    let mut customers = Vec::new();
    for _ in 0..9 {
        let customer = new_customer(&*store, p).await;
        fund(&*store, p, &customer.id, 100).await;
        customers.push(customer.id);
    }
    let prize = {
        let mut tx = store.begin(None).await.expect("begin");
        let prize = tx.insert_reward(p, &reward("mug", 30, Some(3))).await.expect("insert_reward");
        tx.commit().await.expect("commit");
        prize
    };
    let redemption_key = unique("redeem");
    let lock = KeyLock { program_id: p.to_owned(), key: redemption_key.clone() };
    assert_eq!(redeem_one(&*store, &lock, &customers[3], &prize.id, 24).await.expect("redeem"), Redeem::Redeemed);
    let redeemed = store.redemptions(p, &customers[3], &page(1)).await.expect("redemptions")[0].id.clone();
    let held = purchase(&*store, p, &customers[5], 2_000, None).await;
    let lot_held = purchase(&*store, p, &customers[6], 2_000, None).await;
    let purchase_key = unique("purchase");
    let earned = purchase(&*store, p, &customers[7], 3_000, Some(&purchase_key)).await;
    assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "healthy data has no violations");

    let c = |i: usize| customers[i].as_str();
    // (what breaks, the check that must report it, the subject it must name)
    let breakages = [
        (format!("UPDATE customers SET balance = balance + 1 WHERE id = '{}'", c(0)), 0, c(0)),
        (format!("UPDATE customers SET balance = -1 WHERE id = '{}'", c(1)), 1, c(1)),
        (format!("UPDATE point_lots SET remaining = remaining - 1 WHERE customer_id = '{}'", c(2)), 2, c(2)),
        (
            format!("UPDATE redemptions SET points_spent = points_spent + 1 WHERE id = '{redeemed}'"),
            3,
            redeemed.as_str(),
        ),
        (format!("UPDATE customers SET pending_earned = pending_earned + 1 WHERE id = '{}'", c(5)), 5, c(5)),
        (format!("UPDATE pending_lots SET remaining = remaining - 1 WHERE transaction_id = '{lot_held}'"), 6, c(6)),
        (format!("UPDATE transactions SET points = points + 1 WHERE id = '{held}'"), 7, held.as_str()),
        (format!("UPDATE transactions SET points = points + 1 WHERE id = '{earned}'"), 8, earned.as_str()),
        (format!("UPDATE customers SET tier = 'Gold' WHERE id = '{}'", c(8)), 9, c(8)),
        (
            format!("UPDATE idempotency_records SET resource_id = 'rdm_forged' WHERE key = '{redemption_key}'"),
            10,
            redemption_key.as_str(),
        ),
        (
            format!("UPDATE idempotency_records SET resource_id = 'txn_forged' WHERE key = '{purchase_key}'"),
            11,
            purchase_key.as_str(),
        ),
    ];
    for (sql, _, _) in &breakages {
        store.tamper(sql).await;
    }
    let found = store.verify(Some(p)).await.expect("verify");
    for (sql, check, subject) in &breakages {
        let (problem, _) = crate::verify::CHECKS[*check];
        assert!(reported(&found, problem, subject), "{problem:?} must name {subject} after `{sql}`: {found:?}");
    }
    // Every check is exercised but negative stock, which the schema's own
    // CHECK constraint already makes impossible to store.
    let exercised: Vec<usize> = breakages.iter().map(|(_, check, _)| *check).collect();
    assert_eq!(exercised, [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11]);
    assert_eq!(crate::verify::CHECKS[4].0, "negative stock");
    // What a program has to itself: another program's verify sees none of it.
    let other = new_program(&*store).await;
    assert_eq!(store.verify(Some(&other.id)).await.expect("verify"), vec![], "the other program is healthy");
}
