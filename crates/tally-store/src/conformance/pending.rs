//! Cases 28–29: pending points (a holding period): the arithmetic of holds,
//! voids and releases as a property over random sequences, and the release
//! race.

use std::collections::HashMap;
use std::sync::Arc;

use tally_core::model::{LedgerOperation, PendingLot, Program, ProgramSettings, VoidPolicy};
use tally_core::points::void_points;
use tokio::sync::Barrier;

use super::Harness;
use super::support::*;
use crate::{Store, Void, VoidRefusal, Voided};

async fn holding_program<S: Store>(store: &S, days: i32, void_policy: VoidPolicy) -> Program {
    let settings = ProgramSettings { points_pending_days: days, void_policy, ..ProgramSettings::default() };
    store.create_program(&unique("pending"), &settings).await.expect("create_program")
}

/// A void through the whole write; `Err` is its refusal (nothing committed).
async fn void<S: Store>(
    store: &S,
    program_id: &str,
    transaction_id: &str,
    cents: Option<i64>,
) -> Result<(), VoidRefusal> {
    let mut tx = store.begin(None).await.expect("begin");
    let wanted = Void { transaction_id: transaction_id.to_owned(), amount_cents: cents, idempotency: None };
    match tx.void(program_id, &wanted).await.expect("void") {
        Voided::Changed(_) => {
            tx.commit().await.expect("commit");
            Ok(())
        }
        Voided::Refused(refusal) => {
            tx.rollback().await.expect("rollback");
            Err(refusal)
        }
        Voided::Replayed(_) => panic!("an unkeyed void is never a replay"),
    }
}

/// Releases one lot in its own transaction; the points released, if this call did it.
async fn release<S: Store>(store: &S, program_id: &str, lot: &PendingLot) -> Option<i64> {
    let mut tx = store.begin(None).await.expect("begin");
    let Some(entry) = tx.release(program_id, &lot.customer_id, &lot.id).await.expect("release") else {
        tx.rollback().await.expect("rollback");
        return None;
    };
    assert_eq!(entry.operation, LedgerOperation::Release);
    assert_eq!(entry.points, -entry.pending_points, "a release moves points from pending to available");
    assert_eq!(entry.transaction_id.as_deref(), Some(lot.transaction_id.as_str()), "it names its purchase");
    tx.commit().await.expect("commit");
    Some(entry.points)
}

async fn releases_due<S: Store>(store: &S, program_id: &str) -> Vec<PendingLot> {
    let due = store.due_releases(10_000).await.expect("due_releases");
    due.into_iter().filter(|(p, _)| p == program_id).map(|(_, lot)| lot).collect()
}

/// xorshift64*: the sequences are random but the same on every run and backend.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// A purchase as the model sees it.
#[derive(Debug, Default)]
struct Held {
    spend_cents: i64,
    voided_cents: i64,
    points: i64,
    voided_points: i64,
    /// Still pending (not yet released).
    pending: i64,
    released: bool,
}

// ---------------------------------------------------------------------------
// 28. pending points: holds, voids and releases add up (a property)
// ---------------------------------------------------------------------------

/// Random sequences of purchases (held for the holding period), spends,
/// partial and whole voids, and releases of some of the due lots, checked
/// after every step against a model of the rules — a void takes pending
/// points first and only the rest from the balance; a release moves all that
/// is left — and against the rule no model can get wrong: no point is
/// created or lost (what the purchases still earn is available, pending or
/// was spent), nothing goes negative, and `verify` is clean.
pub async fn pending_points<S: Harness>(store: Arc<S>) {
    const SEQUENCES: u64 = 12;
    const STEPS: usize = 25;
    for seed in 1..=SEQUENCES {
        let program = holding_program(&*store, 14, VoidPolicy::Reject).await;
        let p = program.id.as_str();
        let customer = new_customer(&*store, p).await;
        let c = customer.id.as_str();
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut purchases: Vec<(String, Held)> = Vec::new();
        let (mut available, mut spent) = (0i64, 0i64);
        for step in 0..STEPS {
            let context = format!("seed {seed}, step {step}");
            match rng.below(10) {
                0..=2 => {
                    let cents = 100 * (1 + rng.below(500) as i64) + rng.below(100) as i64;
                    let id = purchase(&*store, p, c, cents, None).await;
                    let points = cents / 100;
                    purchases.push((id, Held { spend_cents: cents, points, pending: points, ..Held::default() }));
                }
                3..=5 if !purchases.is_empty() => {
                    let pick = rng.below(purchases.len() as u64) as usize;
                    let (id, held) = &mut purchases[pick];
                    let left = held.spend_cents - held.voided_cents;
                    let cents = match rng.below(3) {
                        0 => None,
                        _ if left > 0 => Some(1 + rng.below(left as u64) as i64),
                        _ => None,
                    };
                    let voided_cents = held.voided_cents + cents.unwrap_or(left);
                    let take = void_points(held.points, held.spend_cents, held.voided_points, voided_cents);
                    let from_pending = if held.released { 0 } else { take.min(held.pending) };
                    let debt = take - from_pending;
                    let expected = if left == 0 {
                        Err(VoidRefusal::AlreadyVoided)
                    } else if debt > available {
                        Err(VoidRefusal::InsufficientPoints { points: debt })
                    } else {
                        Ok(())
                    };
                    let got = void(&*store, p, id, cents).await;
                    assert_eq!(got, expected, "{context}: void {cents:?} of {held:?} with {available} available");
                    if got.is_ok() {
                        held.voided_cents = voided_cents;
                        held.voided_points += take;
                        held.pending -= from_pending;
                        available -= debt;
                    }
                }
                6..=7 => {
                    // Some of the lots come due: each is released once, with all it still holds.
                    store.make_holds_due().await;
                    let due = releases_due(&*store, p).await;
                    for lot in due.iter().filter(|_| rng.below(2) == 0) {
                        let (_, held) = purchases
                            .iter_mut()
                            .find(|(id, _)| *id == lot.transaction_id)
                            .unwrap_or_else(|| panic!("{context}: a due lot of an unknown purchase: {lot:?}"));
                        assert_eq!(lot.remaining, held.pending, "{context}: the lot holds what is pending");
                        assert_eq!(release(&*store, p, lot).await, Some(held.pending), "{context}: {lot:?}");
                        assert_eq!(release(&*store, p, lot).await, None, "{context}: a lot is released once");
                        available += held.pending;
                        held.pending = 0;
                        held.released = true;
                    }
                }
                _ if available > 0 => {
                    let points = 1 + rng.below(available as u64) as i64;
                    available = spend(&*store, p, c, points).await;
                    spent += points;
                }
                _ => {}
            }
            let balance = store.balance(p, c).await.expect("balance").expect("the customer has a balance");
            let pending: i64 = purchases.iter().map(|(_, h)| h.pending).sum();
            assert_eq!((balance.available, balance.pending_earned), (available, pending), "{context}: {purchases:?}");
            let earns: i64 = purchases.iter().map(|(_, h)| h.points - h.voided_points).sum();
            assert_eq!(earns, available + pending + spent, "{context}: no point is created or lost");
            assert!(available >= 0 && pending >= 0, "{context}: nothing goes negative");
            let next = purchases.iter().filter(|(_, h)| !h.released && h.pending > 0).count();
            assert_eq!(balance.next_release.is_some(), next > 0, "{context}: next release {:?}", balance.next_release);
            assert_eq!(store.verify(Some(p)).await.expect("verify"), vec![], "{context}");
        }
    }
}

// ---------------------------------------------------------------------------
// 29. the release race, with voids of the same purchases and dropped runs
// ---------------------------------------------------------------------------

/// Ten tasks release every due lot at once (as nodes running the job would)
/// while others void half of the same purchases; a release whose transaction
/// is dropped before its commit releases nothing. Each lot is released
/// exactly once, and every purchase's points end released or voided.
pub async fn release_race<S: Harness>(store: Arc<S>) {
    const TASKS: usize = 10;
    let program = holding_program(&*store, 30, VoidPolicy::Reject).await;
    let p = program.id.clone();
    let mut purchases = Vec::new();
    for n in 0..4 {
        let customer = new_customer(&*store, &p).await;
        for cents in [10_000 + 100 * n, 5_000] {
            purchases.push((customer.id.clone(), purchase(&*store, &p, &customer.id, cents, None).await, cents / 100));
        }
    }
    assert!(releases_due(&*store, &p).await.is_empty(), "nothing is due within the holding period");
    store.make_holds_due().await;
    let due = releases_due(&*store, &p).await;
    assert_eq!(due.len(), purchases.len(), "one pending lot per purchase: {due:?}");

    // An interrupted run: released, then dropped without a commit.
    let mut tx = store.begin(None).await.expect("begin");
    let entry = tx.release(&p, &due[0].customer_id, &due[0].id).await.expect("release");
    assert!(entry.is_some(), "the lot is due");
    drop(tx);
    let balance = store.balance(&p, &due[0].customer_id).await.expect("balance").expect("balance");
    assert_eq!(balance.available, 0, "a dropped release released nothing");
    assert_eq!(releases_due(&*store, &p).await.len(), due.len(), "the lot is still due for the next run");

    let due = Arc::new(due);
    let purchases = Arc::new(purchases);
    let barrier = Arc::new(Barrier::new(TASKS + 2));
    let releasers = (0..TASKS).map(|task| {
        let (store, barrier, due, p) = (store.clone(), barrier.clone(), due.clone(), p.clone());
        tokio::spawn(async move {
            barrier.wait().await;
            let mut released = Vec::new();
            for n in 0..due.len() {
                let lot = &due[(task + n) % due.len()];
                if let Some(points) = release(&*store, &p, lot).await {
                    released.push((lot.transaction_id.clone(), points));
                }
            }
            released
        })
    });
    let releasers: Vec<_> = releasers.collect();
    let voiders = (0..2).map(|half| {
        let (store, barrier, purchases, p) = (store.clone(), barrier.clone(), purchases.clone(), p.clone());
        tokio::spawn(async move {
            barrier.wait().await;
            for (_, id, points) in purchases.iter().skip(half).step_by(2) {
                // Half of the spend; refused only if released and spent, which nothing here does.
                void(&*store, &p, id, Some(points * 50)).await.expect("a half void of an unspent purchase");
            }
        })
    });
    let voiders: Vec<_> = voiders.collect();
    let released: Vec<(String, i64)> =
        futures::future::join_all(releasers).await.into_iter().flat_map(|r| r.expect("task panicked")).collect();
    for voider in futures::future::join_all(voiders).await {
        voider.expect("task panicked");
    }

    let mut times: HashMap<&str, usize> = HashMap::new();
    for (id, _) in &released {
        *times.entry(id.as_str()).or_default() += 1;
    }
    for (customer_id, id, points) in purchases.iter() {
        let got = times.get(id.as_str()).copied().unwrap_or(0);
        assert_eq!(got, 1, "purchase {id} is released exactly once across {TASKS} tasks");
        // Released before its void (all of it) or after (the half left), or
        // voided first then released: either way half of it is left.
        let entries = store.ledger(&p, customer_id, &page(100)).await.expect("ledger");
        let of_it: Vec<_> = entries.iter().filter(|e| e.transaction_id.as_deref() == Some(id)).collect();
        let left: i64 = of_it.iter().map(|e| e.points + e.pending_points).sum();
        assert_eq!(left, points - points / 2, "purchase {id} keeps the half not voided: {of_it:?}");
    }
    for (customer_id, _, _) in purchases.iter() {
        let balance = store.balance(&p, customer_id).await.expect("balance").expect("balance");
        assert_eq!(balance.pending_earned, 0, "everything was released or voided");
        assert_eq!(balance.next_release, None);
    }
    assert!(releases_due(&*store, &p).await.is_empty(), "nothing is left to release");
    assert_eq!(store.verify(Some(&p)).await.expect("verify"), vec![], "no invariant broke under the race");
}
