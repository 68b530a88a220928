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
use tally_client::{Client, NewRedemption, NewReward, PageParams, RetryPolicy};
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
    let forced = match shared.counts.connections.fetch_add(1, Ordering::Relaxed) {
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

async fn every_intent_completes_exactly_once_through_a_faulty_network(backend: Backend) {
    init_logs();
    let server = spawn_server(backend).await;
    let direct = server.client().await;
    let (customer, reward) = server.customer_and_reward(1000, 10).await;
    direct
        .update_reward(&reward, &tally_client::RewardPatch { stock: Some(Some(1000)), ..Default::default() })
        .await
        .unwrap();
    let plan = Plan {
        reset_on_accept: 0.1,
        reset_after_request: 0.15,
        drop_response: 0.2,
        delay_response: 0.15,
        max_delay: Duration::from_millis(600),
    };
    let proxy = start_proxy(&server.address, plan, 0x7a11).await;
    // A second reward, made through the proxy: writes of other routes survive it too.
    let client = Client::builder(&proxy.address, &server.token)
        .journal(server.dir.path().join("faulty-journal.db"))
        .retry(RetryPolicy { max_retries: 12, ..RetryPolicy::scaled(Duration::from_millis(10)) })
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

backend_tests!(every_intent_completes_exactly_once_through_a_faulty_network);
