//! A fault-injecting TCP proxy between the SDK and a real server: it resets
//! connections, drops them after the request reached the server but before
//! the response returns, and delays traffic past the client's timeout. The
//! SDK still completes every intent, each exactly once.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tally_client::model::{LedgerOperation, RedemptionStatus, RewardKind, TransactionStatus};
use tally_client::{
    Client, NewAdjustment, NewCustomer, NewRedemption, NewReward, NewTransaction, PageParams, ResumeOutcome,
    RetryPolicy, V2Redeem, VoidTransaction, ops,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::backend_tests;
use crate::helpers::{Backend, init_logs, spawn_server};

/// How often each fault strikes.
#[derive(Clone, Copy)]
struct Plan {
    /// A new connection is reset at once.
    reset_on_accept: f64,
    /// The request is forwarded, then the connection is reset before any of the
    /// response comes back (the server may or may not have finished).
    reset_after_request: f64,
    /// A chunk of the server's response is dropped with the connection: the
    /// server committed, the client never hears of it.
    drop_response: f64,
    /// A chunk of the response is held back for up to `max_delay`.
    delay_response: f64,
    max_delay: Duration,
    /// The first four connections each meet one fault for certain.
    force_each_kind_first: bool,
}

impl Plan {
    /// Every fault, often.
    fn havoc() -> Self {
        Plan {
            reset_on_accept: 0.1,
            reset_after_request: 0.15,
            drop_response: 0.2,
            delay_response: 0.15,
            max_delay: Duration::from_millis(600),
            force_each_kind_first: true,
        }
    }

    /// Every request reaches the server and commits; every answer is lost.
    fn lose_every_answer() -> Self {
        Plan {
            reset_on_accept: 0.0,
            reset_after_request: 0.0,
            drop_response: 1.0,
            delay_response: 0.0,
            max_delay: Duration::ZERO,
            force_each_kind_first: false,
        }
    }
}

#[derive(Default, Debug)]
struct Counts {
    connections: AtomicUsize,
    resets_on_accept: AtomicUsize,
    resets_after_request: AtomicUsize,
    dropped_responses: AtomicUsize,
    delays: AtomicUsize,
}

struct Proxy {
    address: String,
    counts: Arc<Counts>,
}

enum Chunk {
    Pass,
    Drop,
    Delay(Duration),
}

struct Shared {
    upstream: String,
    plan: Plan,
    rng: Mutex<StdRng>,
    counts: Arc<Counts>,
}

impl Shared {
    fn chance(&self, p: f64) -> bool {
        self.rng.lock().unwrap().gen_bool(p)
    }

    fn chunk(&self) -> Chunk {
        let mut rng = self.rng.lock().unwrap();
        if rng.gen_bool(self.plan.drop_response) {
            Chunk::Drop
        } else if rng.gen_bool(self.plan.delay_response) {
            Chunk::Delay(self.plan.max_delay.mul_f64(rng.gen_range(0.2..1.0)))
        } else {
            Chunk::Pass
        }
    }
}

/// Closes with RST instead of FIN: what a crashed peer or a middlebox does.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

async fn start_proxy(upstream: &str, plan: Plan, seed: u64) -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let counts = Arc::new(Counts::default());
    let shared = Arc::new(Shared {
        upstream: upstream.trim_start_matches("http://").to_owned(),
        plan,
        rng: Mutex::new(StdRng::seed_from_u64(seed)),
        counts: counts.clone(),
    });
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(relay(stream, shared.clone()));
        }
    });
    Proxy { address, counts }
}

/// The first connections each meet one fault for certain, so every kind is
/// exercised whatever the random draws; later ones meet them by chance.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Forced {
    ResetOnAccept,
    ResetAfterRequest,
    DropResponse,
    DelayResponse,
}

async fn relay(mut client: TcpStream, shared: Arc<Shared>) {
    let connection = shared.counts.connections.fetch_add(1, Ordering::Relaxed);
    let forced = match connection {
        _ if !shared.plan.force_each_kind_first => None,
        0 => Some(Forced::ResetOnAccept),
        1 => Some(Forced::ResetAfterRequest),
        2 => Some(Forced::DropResponse),
        3 => Some(Forced::DelayResponse),
        _ => None,
    };
    if forced == Some(Forced::ResetOnAccept) || shared.chance(shared.plan.reset_on_accept) {
        shared.counts.resets_on_accept.fetch_add(1, Ordering::Relaxed);
        return reset(client);
    }
    let Ok(mut upstream) = TcpStream::connect(&shared.upstream).await else { return reset(client) };
    let faulted = {
        let (mut client_in, mut client_out) = client.split();
        let (mut upstream_in, mut upstream_out) = upstream.split();
        let requests = async {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match client_in.read(&mut buf).await {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => n,
                };
                if upstream_out.write_all(&buf[..n]).await.is_err() {
                    return false;
                }
                if forced == Some(Forced::ResetAfterRequest) || shared.chance(shared.plan.reset_after_request) {
                    // Give the request a moment to reach the server first.
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    shared.counts.resets_after_request.fetch_add(1, Ordering::Relaxed);
                    return true;
                }
            }
        };
        let responses = async {
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                let n = match upstream_in.read(&mut buf).await {
                    Ok(0) | Err(_) => return false,
                    Ok(n) => n,
                };
                let chunk = match forced {
                    Some(Forced::DropResponse) => Chunk::Drop,
                    Some(Forced::DelayResponse) => Chunk::Delay(shared.plan.max_delay),
                    _ => shared.chunk(),
                };
                match chunk {
                    Chunk::Drop => {
                        shared.counts.dropped_responses.fetch_add(1, Ordering::Relaxed);
                        return true;
                    }
                    Chunk::Delay(pause) => {
                        shared.counts.delays.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(pause).await;
                    }
                    Chunk::Pass => {}
                }
                if client_out.write_all(&buf[..n]).await.is_err() {
                    return false;
                }
            }
        };
        tokio::select! {
            fault = requests => fault,
            fault = responses => fault,
        }
    };
    if faulted {
        reset(client);
    }
}

/// Retries enough to outlast the havoc plan. An attempt fails there about half
/// the time, more on a loaded machine where answers also miss the 400 ms
/// timeout; 12 retries ran out once in a run at load average 9, 30 leave odds
/// of about 1 in 10^7 per intent. The back-off is capped at 640 ms.
fn havoc_retries() -> RetryPolicy {
    RetryPolicy { max_retries: 30, ..RetryPolicy::scaled(Duration::from_millis(10)) }
}

async fn every_intent_completes_exactly_once_through_a_faulty_network(backend: Backend) {
    init_logs();
    let server = spawn_server(backend).await;
    let direct = server.client().await;
    let (customer, reward) = server.customer_and_reward(1000, 10).await;
    direct
        .update_reward(&reward, &tally_client::RewardPatch { stock: Some(Some(1000)), ..Default::default() })
        .await
        .unwrap();
    let proxy = start_proxy(&server.address, Plan::havoc(), 0x7a11).await;
    // A second reward, made through the proxy: writes of other routes survive it too.
    let client = Client::builder(&proxy.address, &server.token)
        .journal(server.dir.path().join("faulty-journal.db"))
        .retry(havoc_retries())
        .timeout(Duration::from_millis(400))
        .build()
        .await
        .unwrap();
    let mug = client.create_reward(&NewReward::new("Mug", 1)).await.unwrap();
    // Its first answer was dropped after the server committed (the forced faults), so the
    // final answer is the stored one, replayed: a reward was made once, not twice.
    assert!(mug.replayed && mug.attempts > 3, "{mug:?}");
    let mug = mug.value;

    const INTENTS: usize = 40;
    let results: Vec<_> = futures::stream::iter(0..INTENTS)
        .map(|_| {
            let client = client.clone();
            let request = NewRedemption::new(&customer, &reward);
            async move { client.redeem(&request).await }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    let done: Vec<_> = results.into_iter().map(|r| r.expect("every intent completes")).collect();

    let counts = &proxy.counts;
    eprintln!("proxy: {counts:?}");
    assert!(counts.resets_on_accept.load(Ordering::Relaxed) > 0, "{counts:?}");
    assert!(counts.resets_after_request.load(Ordering::Relaxed) > 0, "{counts:?}");
    assert!(counts.dropped_responses.load(Ordering::Relaxed) > 0, "{counts:?}");
    assert!(counts.delays.load(Ordering::Relaxed) > 0, "{counts:?}");
    assert!(done.iter().any(|d| d.attempts > 1), "the faults forced retries");
    let replays = done.iter().filter(|d| d.replayed).count();
    eprintln!("{replays} of {INTENTS} redemptions were answered by a replay");

    // Exactly once: one redemption per intent, and nothing else.
    let ids: HashSet<&str> = done.iter().map(|d| d.value.id.as_str()).collect();
    assert_eq!(ids.len(), INTENTS, "no two intents share a redemption");
    let page = PageParams { limit: Some(100), starting_after: None };
    let stored = direct.customer_redemptions(&customer, &page).await.unwrap().data;
    assert_eq!(stored.len(), INTENTS, "no intent made a second redemption");
    assert!(stored.iter().all(|r| ids.contains(r.id.as_str())));
    let balance = direct.balance(&customer).await.unwrap();
    assert_eq!(balance.available, 1000 - 10 * INTENTS as i64);
    assert_eq!(direct.reward(&reward).await.unwrap().stock, Some(1000 - INTENTS as i64));
    let mugs = direct.rewards(&page).await.unwrap().data.into_iter().filter(|r| r.name == "Mug").count();
    assert_eq!((mugs, direct.reward(&mug.id).await.unwrap().name.as_str()), (1, "Mug"));
    for d in &done {
        let info = direct.idempotency_key(&d.key).await.unwrap();
        assert_eq!(info.resource_id.as_deref(), Some(d.value.id.as_str()));
    }
    let journal = client.journal().unwrap();
    assert_eq!(journal.pending().await.unwrap(), []);
    assert_eq!(journal.intents().await.unwrap().len(), INTENTS + 1);
    server.assert_verified().await;
}

/// A client of `address` with a journal of its own, many quick retries and a short timeout.
async fn faulty_client(server: &crate::helpers::Server, address: &str, journal: &str, retry: RetryPolicy) -> Client {
    Client::builder(address, &server.token)
        .journal(server.dir.path().join(journal))
        .retry(retry)
        .timeout(Duration::from_millis(400))
        .build()
        .await
        .unwrap()
}

async fn partial_voids_and_adjustments_apply_exactly_once_through_a_faulty_network(backend: Backend) {
    init_logs();
    let server = spawn_server(backend).await;
    let direct = server.client().await;
    let customer = direct.upsert_customer(&NewCustomer::email("ada@example.com")).await.unwrap().value.id;
    const PURCHASES: usize = 8;
    let mut purchases = Vec::new();
    for _ in 0..PURCHASES {
        purchases.push(direct.record_purchase(&NewTransaction::new(&customer, 50_00, "EUR")).await.unwrap().value.id);
    }
    let proxy = start_proxy(&server.address, Plan::havoc(), 0x501d).await;
    let client = faulty_client(&server, &proxy.address, "faulty-journal.db", havoc_retries()).await;

    // Two partial voids of 10.00 per purchase, and as many +1 adjustments. A partial
    // void repeated would void 10.00 more, and an adjustment repeated would add a point
    // more: neither is naturally idempotent, so only the key stands between a lost
    // answer and a double.
    enum Intent {
        Void(String),
        Adjust(usize),
    }
    let intents: Vec<Intent> = purchases
        .iter()
        .flat_map(|id| [Intent::Void(id.clone()), Intent::Void(id.clone())])
        .chain((0..2 * PURCHASES).map(Intent::Adjust))
        .collect();
    let total = intents.len();
    let results: Vec<(bool, u32)> = futures::stream::iter(intents)
        .map(|intent| {
            let client = client.clone();
            let customer = customer.clone();
            async move {
                match intent {
                    Intent::Void(id) => {
                        let done = client
                            .void_transaction(&id, &VoidTransaction { amount_cents: Some(10_00) })
                            .await
                            .expect("every void completes");
                        assert_eq!(done.value.id, id);
                        (done.replayed, done.attempts)
                    }
                    Intent::Adjust(n) => {
                        let adjustment = NewAdjustment { points: 1, reason: format!("bonus {n}") };
                        let done =
                            client.adjust_points(&customer, &adjustment).await.expect("every adjustment completes");
                        assert_eq!(done.value.reason.as_deref(), Some(format!("bonus {n}").as_str()));
                        (done.replayed, done.attempts)
                    }
                }
            }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    let counts = &proxy.counts;
    eprintln!("proxy: {counts:?}");
    assert!(counts.dropped_responses.load(Ordering::Relaxed) > 0, "{counts:?}");
    assert!(counts.resets_after_request.load(Ordering::Relaxed) > 0, "{counts:?}");
    assert!(results.iter().any(|(_, attempts)| *attempts > 1), "the faults forced retries");
    let replays = results.iter().filter(|(replayed, _)| *replayed).count();
    eprintln!("{replays} of {total} voids and adjustments were answered by a replay");
    assert!(replays > 0, "some answers were lost after the server committed");

    for id in &purchases {
        let t = direct.transaction(id).await.unwrap();
        assert_eq!(
            (t.status, t.voided_amount_cents, t.voided_points),
            (TransactionStatus::PartiallyVoided, 20_00, 20),
            "two voids of 10.00 each, no more: {t:?}"
        );
    }
    let page = PageParams { limit: Some(100), starting_after: None };
    let ledger = direct.ledger(&customer, &page).await.unwrap().data;
    let count = |op| ledger.iter().filter(|e| e.operation == op).count();
    assert_eq!(count(LedgerOperation::Void), 2 * PURCHASES);
    assert_eq!(count(LedgerOperation::Adjustment), 2 * PURCHASES);
    let reasons: HashSet<_> = ledger.iter().filter_map(|e| e.reason.as_deref()).collect();
    assert_eq!(reasons.len(), 2 * PURCHASES, "one entry per adjustment intent");
    let earned = 50 * PURCHASES as i64;
    assert_eq!(
        direct.balance(&customer).await.unwrap().available,
        earned - 20 * PURCHASES as i64 + 2 * PURCHASES as i64
    );
    assert_eq!(client.journal().unwrap().pending().await.unwrap(), []);
    server.assert_verified().await;
}

async fn writes_whose_answers_were_all_lost_are_settled_once_by_resume(backend: Backend) {
    init_logs();
    let server = spawn_server(backend).await;
    let direct = server.client().await;
    let ada = direct.upsert_customer(&NewCustomer::email("ada@example.com")).await.unwrap().value.id;
    let big = direct.record_purchase(&NewTransaction::new(&ada, 10_000, "EUR")).await.unwrap().value.id;
    let small = direct.record_purchase(&NewTransaction::new(&ada, 40_00, "EUR")).await.unwrap().value.id;
    let mug = direct.create_reward(&NewReward { stock: Some(10), ..NewReward::new("Mug", 10) }).await.unwrap().value.id;
    let voucher = NewReward { kind: Some(RewardKind::Voucher), ..NewReward::new("10 % off", 5) };
    let voucher = direct.create_reward(&voucher).await.unwrap().value.id;
    let to_fulfil = direct.redeem(&NewRedemption::new(&ada, &mug)).await.unwrap().value.id;
    let to_cancel = direct.redeem(&NewRedemption::new(&ada, &mug)).await.unwrap().value.id;
    let code = direct.redeem(&NewRedemption::new(&ada, &voucher)).await.unwrap().value.coupon_code.unwrap();
    assert_eq!(direct.balance(&ada).await.unwrap().available, 140 - 25);

    // Every request reaches the server and commits; every answer is lost, and the
    // client does not retry: each intent is left pending in the journal.
    let proxy = start_proxy(&server.address, Plan::lose_every_answer(), 1).await;
    let lossy = faulty_client(&server, &proxy.address, "lossy-journal.db", RetryPolicy::never()).await;
    let part = VoidTransaction { amount_cents: Some(25_00) };
    let plus = NewAdjustment { points: 7, reason: "goodwill".into() };
    let minus = NewAdjustment { points: -3, reason: "correction".into() };
    let v2 = V2Redeem { points_amount: Some(10), ..V2Redeem::new(&ada, &mug) };
    let lost = [
        lossy.void_transaction(&big, &part).await.map(|_| ()),
        lossy.void_transaction(&big, &part).await.map(|_| ()),
        lossy.void_transaction(&small, &VoidTransaction::default()).await.map(|_| ()),
        lossy.adjust_points(&ada, &plus).await.map(|_| ()),
        lossy.adjust_points(&ada, &minus).await.map(|_| ()),
        lossy.fulfil_redemption(&to_fulfil).await.map(|_| ()),
        lossy.cancel_redemption(&to_cancel).await.map(|_| ()),
        lossy.redeem_coupon(&code).await.map(|_| ()),
        lossy.redeem_v2(&v2).await.map(|_| ()),
    ];
    for result in &lost {
        assert!(result.as_ref().is_err_and(|e| e.is_pending()), "{result:?}");
    }
    assert_eq!(proxy.counts.dropped_responses.load(Ordering::Relaxed), lost.len());

    // The server did all of it, once: 115 − 25 − 25 − 40 + 7 − 3 + 10 (refund) − 10 (v2).
    let expected_balance = 115 - 25 - 25 - 40 + 7 - 3 + 10 - 10;
    assert_eq!(direct.balance(&ada).await.unwrap().available, expected_balance);
    let page = PageParams { limit: Some(100), starting_after: None };
    let ledger_before = direct.ledger(&ada, &page).await.unwrap().data;
    let big_before = direct.transaction(&big).await.unwrap();
    assert_eq!((big_before.status, big_before.voided_amount_cents), (TransactionStatus::PartiallyVoided, 50_00));

    // resume(), with the same journal, sends each again with its key: every one is a replay.
    let resumer = faulty_client(&server, &server.address, "lossy-journal.db", RetryPolicy::never()).await;
    let report = resumer.resume().await.unwrap();
    let settled: Vec<(&str, ResumeOutcome)> =
        report.intents.iter().map(|r| (r.operation.as_str(), r.outcome.clone())).collect();
    let replay = |status| ResumeOutcome::Succeeded { status, replayed: true };
    assert_eq!(
        settled,
        [
            ("transaction.void", replay(200)),
            ("transaction.void", replay(200)),
            ("transaction.void", replay(200)),
            ("customer.adjust", replay(201)),
            ("customer.adjust", replay(201)),
            ("redemption.fulfil", replay(200)),
            ("redemption.cancel", replay(200)),
            ("coupon.redeem", replay(200)),
            ("redemption.create_v2", replay(201)),
        ]
    );
    assert_eq!(resumer.resume().await.unwrap().intents, [], "nothing left pending");
    assert_eq!(direct.balance(&ada).await.unwrap().available, expected_balance);
    assert_eq!(direct.ledger(&ada, &page).await.unwrap().data, ledger_before, "no entry was added");
    assert_eq!(direct.transaction(&big).await.unwrap(), big_before);
    assert_eq!(direct.redemption(&to_fulfil).await.unwrap().status, RedemptionStatus::Fulfilled);
    assert_eq!(direct.redemption(&to_cancel).await.unwrap().status, RedemptionStatus::Cancelled);

    // Days later, the stored answers are gone. Voids, adjustments and v2 redemptions
    // keep their key in what they made, and a lifecycle move or a coupon use on the
    // row it changed, so the same intent is still recognised and replayed (200), not
    // refused as done already. Nothing runs twice.
    server.expire_idempotency_records().await;
    let intents = resumer.journal().unwrap().intents().await.unwrap();
    let key_of = |n: usize| intents[n].key.as_str();
    let again = resumer.submit_with_key(ops::void_transaction(&big, &part), key_of(0)).await.unwrap();
    assert_eq!((again.status, again.replayed, again.value.id.as_str()), (200, true, big.as_str()));
    let again = resumer.submit_with_key(ops::adjust_points(&ada, &plus), key_of(3)).await.unwrap();
    assert_eq!((again.status, again.replayed, again.value.points), (200, true, 7));
    let again = resumer.submit_with_key(ops::redeem_v2(&v2), key_of(8)).await.unwrap();
    assert_eq!((again.status, again.replayed, again.value.points_amount), (200, true, 10));
    let again = resumer.submit_with_key(ops::fulfil_redemption(&to_fulfil), key_of(5)).await.unwrap();
    assert_eq!((again.status, again.replayed, again.value.status), (200, true, RedemptionStatus::Fulfilled));
    let again = resumer.submit_with_key(ops::cancel_redemption(&to_cancel), key_of(6)).await.unwrap();
    assert_eq!((again.status, again.replayed, again.value.status), (200, true, RedemptionStatus::Cancelled));
    let again = resumer.submit_with_key(ops::redeem_coupon(&code), key_of(7)).await.unwrap();
    assert_eq!((again.status, again.replayed, again.value.code.as_str()), (200, true, code.as_str()));
    // Another key for the same move is another intent, and that one is refused.
    let refused = resumer.submit_with_key(ops::fulfil_redemption(&to_fulfil), "fresh-key").await.unwrap_err();
    assert_eq!(refused.code(), Some("already_fulfilled"));
    assert_eq!(direct.balance(&ada).await.unwrap().available, expected_balance);
    assert_eq!(direct.ledger(&ada, &page).await.unwrap().data, ledger_before);
    assert_eq!(direct.transaction(&big).await.unwrap(), big_before);
    server.assert_verified().await;
}

backend_tests!(
    every_intent_completes_exactly_once_through_a_faulty_network,
    partial_voids_and_adjustments_apply_exactly_once_through_a_faulty_network,
    writes_whose_answers_were_all_lost_are_settled_once_by_resume,
);
