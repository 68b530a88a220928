//! The HTTP requests the scenarios send, and how their answers are judged.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::bail;
use bytes::Bytes;
use http::{Method, StatusCode};

use crate::load::{self, Connection, Measured, Timing, Verdict};
use crate::setup::{Fixture, PATH};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    /// A new key per request: every request is a first write.
    Fresh,
    /// No key at all (the program does not require one).
    None,
}

pub struct HttpWorker {
    conn: Connection,
    index: usize,
}

/// Opens worker `index`'s keep-alive connection.
pub async fn open_worker(addr: SocketAddr, token: String, index: usize) -> anyhow::Result<HttpWorker> {
    Ok(HttpWorker { conn: Connection::open(addr, &token).await?, index })
}

/// One first write per call: `POST /api/v1/redemptions`, spread over the
/// fixture's customers (or always the hot one), with a fresh key per request
/// unless `keys` is `None`. Expected: 201, not replayed.
pub fn first_write_op(
    fixture: &Fixture,
    concurrency: usize,
    tag: String,
    keys: KeyMode,
    hot: bool,
) -> impl Fn(HttpWorker, u64) -> std::pin::Pin<Box<dyn Future<Output = (HttpWorker, Verdict)> + Send>> + Send + Sync + 'static
{
    let tag: Arc<str> = tag.into();
    let bodies: Arc<Vec<Bytes>> = Arc::new(if hot {
        vec![Bytes::from(fixture.redemption_body(&fixture.hot_customer))]
    } else {
        fixture.customers.iter().map(|c| Bytes::from(fixture.redemption_body(c))).collect()
    });
    move |mut worker, n| {
        let bodies = bodies.clone();
        let tag = tag.clone();
        Box::pin(async move {
            let body = bodies[(worker.index + n as usize * concurrency) % bodies.len()].clone();
            let key = (keys == KeyMode::Fresh).then(|| format!("{tag}-{concurrency}-{}-{n}", worker.index));
            let answer = worker.conn.send(Method::POST, PATH, key.as_deref(), body).await;
            let expected_replayed = (keys == KeyMode::Fresh).then_some(false);
            let verdict = judge(answer, StatusCode::CREATED, expected_replayed);
            (worker, verdict)
        })
    }
}

/// First writes for warm-up plus measurement.
pub async fn first_writes(
    fixture: &Arc<Fixture>,
    addr: SocketAddr,
    concurrency: usize,
    timing: Timing,
    tag: String,
    keys: KeyMode,
    hot: bool,
) -> anyhow::Result<Measured> {
    let token = fixture.token.clone();
    let op = first_write_op(fixture, concurrency, tag, keys, hot);
    load::run(concurrency, timing, |index| open_worker(addr, token.clone(), index), op).await
}

/// The same request repeated with one stored key.
pub async fn replays(
    fixture: &Arc<Fixture>,
    addr: SocketAddr,
    concurrency: usize,
    timing: Timing,
    round: usize,
) -> anyhow::Result<Measured> {
    let body = Bytes::from(fixture.redemption_body(&fixture.customers[0]));
    let key: Arc<str> = format!("replay-{round}").into();
    let mut conn = Connection::open(addr, &fixture.token).await?;
    let first = conn.send(Method::POST, PATH, Some(&key), body.clone()).await?;
    if first.status != StatusCode::CREATED {
        bail!("the request to replay answered {} instead of 201", first.status);
    }
    let token = fixture.token.clone();
    load::run(
        concurrency,
        timing,
        |index| open_worker(addr, token.clone(), index),
        move |mut worker, _n| {
            let body = body.clone();
            let key = key.clone();
            async move {
                let answer = worker.conn.send(Method::POST, PATH, Some(&key), body).await;
                (worker, judge(answer, StatusCode::CREATED, Some(true)))
            }
        },
    )
    .await
}

fn judge(answer: anyhow::Result<load::Answer>, status: StatusCode, replayed: Option<bool>) -> Verdict {
    match answer {
        Ok(a) if a.status == status && a.replayed == replayed => Verdict::Ok,
        Ok(a) if a.status != status => Verdict::Unexpected(format!("status {}", a.status.as_u16())),
        Ok(a) => Verdict::Unexpected(format!("Idempotent-Replayed {:?}", a.replayed)),
        Err(e) => Verdict::Unexpected(format!("{e:#}")),
    }
}

/// `PATCH /api/v1/program {"require_idempotency_key": …}`.
pub async fn set_require_key(fixture: &Fixture, addr: SocketAddr, required: bool) -> anyhow::Result<()> {
    let mut conn = Connection::open(addr, &fixture.token).await?;
    let body = Bytes::from(format!(r#"{{"require_idempotency_key":{required}}}"#));
    let answer = conn.send(Method::PATCH, "/api/v1/program", None, body).await?;
    if answer.status != StatusCode::OK {
        bail!("PATCH /api/v1/program answered {}", answer.status);
    }
    Ok(())
}
