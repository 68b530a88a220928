//! A request future may be dropped at any await point (the client went away,
//! a timeout fired). No such drop may leave a pooled session inside a
//! transaction, nor an advisory lock held, nor the node's release registry
//! believing a lock is busy.
//!
//! `begin` is driven by hand: polled N times and then dropped, for N = 1, 2, …
//! until it completes within N polls, so every await point of it is cut once,
//! both right after a poll (the request may still be in the socket's buffer)
//! and right after its wake-up (the answer has arrived but is not yet read).

mod common;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use common::*;
use sqlx::postgres::PgPoolOptions;
use sqlx::{PgPool, Row};
use tally_store::{KeyLock, Store, StoreError, StoreTx};
use tally_store_postgres::PgStore;
use tally_store_postgres::scratch::scratch_database_url;

/// When the wrapped future is dropped, relative to its last poll.
#[derive(Clone, Copy, Debug)]
enum Cut {
    /// At once after the N-th poll returned `Pending`.
    AfterPoll,
    /// When the N-th poll's waker fires, before the future can see why.
    OnWake,
}

/// Polls `inner` at most `polls` times; `None` when it was dropped unfinished.
struct PollLimit<F: Future> {
    inner: Option<Pin<Box<F>>>,
    polls: usize,
    cut: Cut,
}

impl<F: Future> Future for PollLimit<F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.polls == 0 {
            self.inner = None;
            return Poll::Ready(None);
        }
        self.polls -= 1;
        let inner = self.inner.as_mut().expect("polled after completion");
        match inner.as_mut().poll(cx) {
            Poll::Ready(out) => Poll::Ready(Some(out)),
            Poll::Pending if self.polls == 0 && matches!(self.cut, Cut::AfterPoll) => {
                self.inner = None;
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

fn poll_limit<F: Future>(inner: F, polls: usize, cut: Cut) -> PollLimit<F> {
    PollLimit { inner: Some(Box::pin(inner)), polls, cut }
}

/// An administrative connection to the scratch database, outside the store's pool.
async fn admin(url: &str) -> PgPool {
    PgPoolOptions::new().max_connections(1).connect(url).await.expect("admin connection")
}

/// Sessions on the scratch database, other than the admin's own, and their states.
async fn sessions(admin: &PgPool) -> Vec<(i32, String)> {
    sqlx::query(
        "SELECT pid, COALESCE(state, '') FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    )
    .fetch_all(admin)
    .await
    .expect("pg_stat_activity")
    .into_iter()
    .map(|row| (row.get(0), row.get(1)))
    .collect()
}

/// Waits (bounded) until no session of the database is inside a transaction.
async fn no_session_in_transaction(admin: &PgPool, context: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let states = sessions(admin).await;
        if states.iter().all(|(_, state)| state == "idle") {
            return;
        }
        assert!(Instant::now() < deadline, "{context}: sessions left inside a transaction: {states:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The checks after one cut `begin`: the one connection is clean, and the lock free.
async fn assert_clean(node: &PgStore, other: &PgStore, admin: &PgPool, lock: &KeyLock, context: &str) {
    no_session_in_transaction(admin, context).await;
    // A stale transaction would have started before this sleep, and its now() with it.
    tokio::time::sleep(Duration::from_millis(2)).await;
    // The simple protocol: one message, so a fresh transaction's start and
    // its statement's are the same instant (with Parse, Bind and Execute they
    // are three messages, and three timestamps).
    let fresh: bool = sqlx::raw_sql("SELECT now() = statement_timestamp()")
        .fetch_one(node.pool())
        .await
        .expect("a statement on the node's one connection")
        .get(0);
    assert!(fresh, "{context}: the node's connection runs inside a stale transaction");

    // Another node would be refused while a lost transaction still held the lock.
    let deadline = Instant::now() + Duration::from_secs(5);
    let theirs = loop {
        match other.begin(Some(lock)).await {
            Ok(tx) => break tx,
            Err(StoreError::KeyInUse) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            Err(e) => panic!("{context}: the lock was never freed: {e:?}"),
        }
    };
    theirs.commit().await.expect("commit on the other node");

    // The node itself: a keyed and an unkeyed transaction run, at once.
    let mine = node.begin(Some(lock)).await.unwrap_or_else(|e| panic!("{context}: keyed begin after the cut: {e:?}"));
    mine.commit().await.expect("commit");
    let plain = node.begin(None).await.unwrap_or_else(|e| panic!("{context}: begin after the cut: {e:?}"));
    plain.commit().await.expect("commit");
    no_session_in_transaction(admin, context).await;
}

#[tokio::test]
async fn a_begin_cancelled_at_any_await_point_leaves_no_transaction_and_no_lock() {
    let url = scratch_database_url().await;
    // One connection: whatever a cut leaves behind, the next transaction meets it.
    let node = PgStore::connect(&url, 1).await.expect("connect the node");
    let other = PgStore::connect(&url, 1).await.expect("connect another node");
    let admin = admin(&url).await;
    let program = program(&node).await;
    let lock = lock(&program.id, "cancelled");

    for keyed in [true, false] {
        for cut in [Cut::AfterPoll, Cut::OnWake] {
            let mut finished = false;
            for polls in 1..=64 {
                let context = format!("keyed: {keyed}, cut {cut:?} after {polls} poll(s)");
                let begin = node.begin(if keyed { Some(&lock) } else { None });
                let outcome = tokio::time::timeout(Duration::from_secs(10), poll_limit(begin, polls, cut))
                    .await
                    .unwrap_or_else(|_| panic!("{context}: begin hung"));
                match outcome {
                    // Finished within the budget: every await point has been cut.
                    Some(tx) => {
                        let tx: Box<dyn StoreTx> = tx.unwrap_or_else(|e| panic!("{context}: begin failed: {e:?}"));
                        drop(tx);
                        assert_clean(&node, &other, &admin, &lock, &context).await;
                        finished = true;
                        break;
                    }
                    None => assert_clean(&node, &other, &admin, &lock, &context).await,
                }
            }
            assert!(finished, "keyed: {keyed}, cut {cut:?}: begin never finished within 64 polls");
        }
    }
}

async fn backend_pid(node: &PgStore) -> i32 {
    sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(node.pool()).await.expect("pg_backend_pid")
}

#[tokio::test]
async fn a_session_the_server_ended_is_unavailable_and_never_reused() {
    let url = scratch_database_url().await;
    let node = PgStore::connect(&url, 1).await.expect("connect the node");
    let other = PgStore::connect(&url, 1).await.expect("connect another node");
    let program = program(&node).await;
    let key = lock(&program.id, "timed-out");

    for keyed in [false, true] {
        // The pool's one session ends any transaction idle for 50 ms.
        node.execute_raw("SET idle_in_transaction_session_timeout = '50ms'").await.expect("SET");
        let armed = backend_pid(&node).await;
        let mut tx = node.begin(if keyed { Some(&key) } else { None }).await.expect("begin");
        tokio::time::sleep(Duration::from_millis(400)).await;
        // SQLSTATE 25P03, or the closed socket behind it: both are a retry-safe 503.
        match tx.customer(&program.id, "cus_none").await {
            Err(StoreError::Unavailable(_)) => {}
            other => panic!("keyed: {keyed}: a session ended by the server answered {other:?}"),
        }
        drop(tx);
        // The next transaction runs on a new session, not on the dead one.
        let next = node.begin(None).await.expect("begin on a new session");
        next.commit().await.expect("commit");
        assert_ne!(backend_pid(&node).await, armed, "keyed: {keyed}: the ended session went back to the pool");
        let timeout: String =
            sqlx::query_scalar("SHOW idle_in_transaction_session_timeout").fetch_one(node.pool()).await.expect("SHOW");
        assert_eq!(timeout, "0", "a fresh session");
        // And the key is free on every node.
        other.begin(Some(&key)).await.expect("the ended session's lock is free").commit().await.expect("commit");
        node.begin(Some(&key)).await.expect("free on the node too").commit().await.expect("commit");
    }
}

#[tokio::test]
async fn a_statement_after_a_failed_one_is_unavailable_and_the_session_is_reused_clean() {
    let url = scratch_database_url().await;
    let node = PgStore::connect(&url, 1).await.expect("connect the node");
    let program = program(&node).await;
    let before = backend_pid(&node).await;

    let mut tx = node.begin(None).await.expect("begin");
    // No such customer: a foreign-key violation aborts the transaction.
    let failed = tx.insert_ledger_entry(&program.id, &earn("cus_none", 1, 1)).await;
    assert!(matches!(failed, Err(StoreError::Other(_))), "{failed:?}");
    // SQLSTATE 25P02: everything until the end of the transaction is refused.
    match tx.customer(&program.id, "cus_none").await {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("a statement in an aborted transaction answered {other:?}"),
    }
    drop(tx);
    // Rolled back, so the same session is fine to reuse, outside any transaction.
    let fresh: bool = sqlx::raw_sql("SELECT now() = statement_timestamp()")
        .fetch_one(node.pool())
        .await
        .expect("a statement after the rollback")
        .get(0);
    assert!(fresh, "the session is still inside the aborted transaction");
    assert_eq!(backend_pid(&node).await, before);
}
