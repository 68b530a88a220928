//! A closed-loop load generator: `concurrency` workers, each on its own
//! keep-alive connection, each sending its next request as soon as the last
//! answer is read. Latency is measured from send to the last byte of the
//! body, into HDR histograms; requests that complete during the warm-up are
//! not counted.
//!
//! [`run`] lasts a given time (the rounds of every scenario); [`run_counted`]
//! makes a given number of requests and measures each tenth of them apart
//! (the growth benchmark). The raw limit is not driven from here: pgbench
//! and the SQLite raw writer run as processes of their own (see `raw`).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use bytes::Bytes;
use hdrhistogram::Histogram;
use http::{HeaderValue, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// How long a run lasts.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub warmup: Duration,
    pub measure: Duration,
}

/// What one operation came to.
pub enum Verdict {
    /// The expected answer.
    Ok,
    /// Anything else, named for the report (e.g. `"status 409"`).
    Unexpected(String),
}

/// The measured part of one run.
#[derive(Debug, Clone)]
pub struct Measured {
    pub ok: u64,
    /// Expected answers including the warm-up and the stragglers after the
    /// deadline: what the database must hold afterwards.
    pub all_ok: u64,
    /// Failures including the warm-up and the stragglers.
    pub all_errors: u64,
    /// Unexpected answers and failures, with a count of each kind.
    pub errors: Vec<(String, u64)>,
    pub elapsed: Duration,
    /// Latency of the expected answers, in microseconds.
    pub histogram: Histogram<u64>,
}

impl Measured {
    /// Adds another run of the same scenario: counts, time and latencies.
    pub fn merge(&mut self, other: Measured) -> anyhow::Result<()> {
        self.ok += other.ok;
        self.all_ok += other.all_ok;
        self.all_errors += other.all_errors;
        self.elapsed += other.elapsed;
        for (what, n) in other.errors {
            match self.errors.iter_mut().find(|(name, _)| *name == what) {
                Some((_, total)) => *total += n,
                None => self.errors.push((what, n)),
            }
        }
        self.histogram.add(&other.histogram).context("merging histograms")?;
        Ok(())
    }

    pub fn throughput(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn error_count(&self) -> u64 {
        self.errors.iter().map(|(_, n)| n).sum()
    }

    /// A latency quantile in milliseconds.
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.histogram.is_empty() { 0.0 } else { self.histogram.value_at_quantile(q) as f64 / 1000.0 }
    }
}

/// `Measured` as it crosses a process boundary (a raw-limit round runs in a
/// process of its own): the histogram as its recorded values and counts.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct MeasuredWire {
    ok: u64,
    all_ok: u64,
    all_errors: u64,
    errors: Vec<(String, u64)>,
    elapsed_secs: f64,
    latencies_us: Vec<(u64, u64)>,
}

impl From<&Measured> for MeasuredWire {
    fn from(m: &Measured) -> Self {
        Self {
            ok: m.ok,
            all_ok: m.all_ok,
            all_errors: m.all_errors,
            errors: m.errors.clone(),
            elapsed_secs: m.elapsed.as_secs_f64(),
            latencies_us: m.histogram.iter_recorded().map(|v| (v.value_iterated_to(), v.count_at_value())).collect(),
        }
    }
}

impl TryFrom<MeasuredWire> for Measured {
    type Error = anyhow::Error;
    fn try_from(w: MeasuredWire) -> anyhow::Result<Self> {
        let mut histogram = new_histogram();
        for (micros, count) in w.latencies_us {
            histogram.record_n(micros, count).context("rebuilding a latency histogram")?;
        }
        Ok(Measured {
            ok: w.ok,
            all_ok: w.all_ok,
            all_errors: w.all_errors,
            errors: w.errors,
            elapsed: Duration::from_secs_f64(w.elapsed_secs),
            histogram,
        })
    }
}

pub fn new_histogram() -> Histogram<u64> {
    // 1 µs to 60 s at 3 significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

struct WorkerResult {
    ok: u64,
    all_ok: u64,
    all_errors: u64,
    errors: Vec<(String, u64)>,
    histogram: Histogram<u64>,
}

fn add_error(errors: &mut Vec<(String, u64)>, what: String) {
    match errors.iter_mut().find(|(name, _)| *name == what) {
        Some((_, n)) => *n += 1,
        None => errors.push((what, 1)),
    }
}

/// Builds worker `i`'s state (e.g. its connection): `make_worker(i)`. With
/// [`Operation`], the two halves of a workload, whose bounds are named once
/// here rather than at every runner.
pub trait MakeWorker<S>: Fn(usize) -> <Self as MakeWorker<S>>::Made {
    type Made: Future<Output = anyhow::Result<S>>;
}

impl<S, F, Made> MakeWorker<S> for F
where
    F: Fn(usize) -> Made,
    Made: Future<Output = anyhow::Result<S>>,
{
    type Made = Made;
}

/// A worker's `n`-th operation: `op(state, n)`, which hands the state back
/// with its verdict.
pub trait Operation<S>: Fn(S, u64) -> <Self as Operation<S>>::Done + Send + Sync + 'static {
    type Done: Future<Output = (S, Verdict)> + Send;
}

impl<S, F, Done> Operation<S> for F
where
    F: Fn(S, u64) -> Done + Send + Sync + 'static,
    Done: Future<Output = (S, Verdict)> + Send,
{
    type Done = Done;
}

/// Builds each worker's state, in order, before any of them starts.
async fn prepare_workers<S, M: MakeWorker<S>>(concurrency: usize, make_worker: M) -> anyhow::Result<Vec<S>> {
    let mut states = Vec::with_capacity(concurrency);
    for i in 0..concurrency {
        states.push(make_worker(i).await.with_context(|| format!("preparing worker {i}"))?);
    }
    Ok(states)
}

/// Runs `concurrency` workers for warm-up plus measurement. `make_worker(i)`
/// builds worker `i`'s state (e.g. its connection); `op(state, n)` performs its
/// `n`-th operation and hands the state back. Workers stop at the deadline after their operation in
/// flight completes; it counts if it completed in time.
pub async fn run<S, M, O>(concurrency: usize, timing: Timing, make_worker: M, op: O) -> anyhow::Result<Measured>
where
    S: Send + 'static,
    M: MakeWorker<S>,
    O: Operation<S>,
{
    let states = prepare_workers(concurrency, make_worker).await?;
    let op = Arc::new(op);
    let start = Instant::now();
    let measure_from = start + timing.warmup;
    let end = measure_from + timing.measure;
    let mut handles = Vec::with_capacity(concurrency);
    for state in states {
        let op = op.clone();
        handles.push(tokio::spawn(async move {
            let mut result =
                WorkerResult { ok: 0, all_ok: 0, all_errors: 0, errors: Vec::new(), histogram: new_histogram() };
            let mut n = 0u64;
            let mut state = Some(state);
            loop {
                let sent = Instant::now();
                if sent >= end {
                    break;
                }
                let (back, verdict) = op(state.take().expect("the state is back after each op"), n).await;
                state = Some(back);
                n += 1;
                let done = Instant::now();
                match verdict {
                    Verdict::Ok => result.all_ok += 1,
                    Verdict::Unexpected(_) => result.all_errors += 1,
                }
                if done < measure_from || done > end {
                    continue;
                }
                match verdict {
                    Verdict::Ok => {
                        result.ok += 1;
                        let micros = done.duration_since(sent).as_micros().max(1) as u64;
                        result.histogram.saturating_record(micros);
                    }
                    Verdict::Unexpected(what) => add_error(&mut result.errors, what),
                }
            }
            result
        }));
    }
    let mut measured = Measured {
        ok: 0,
        all_ok: 0,
        all_errors: 0,
        errors: Vec::new(),
        elapsed: timing.measure,
        histogram: new_histogram(),
    };
    for handle in handles {
        let result = handle.await.context("a load worker panicked")?;
        measured.ok += result.ok;
        measured.all_ok += result.all_ok;
        measured.all_errors += result.all_errors;
        for (what, n) in result.errors {
            for _ in 0..n {
                add_error(&mut measured.errors, what.clone());
            }
        }
        measured.histogram.add(&result.histogram).context("merging histograms")?;
    }
    Ok(measured)
}

/// One keep-alive HTTP/1.1 connection. Requests are built by hand from
/// pre-encoded header values so the generator spends as little of the
/// machine's two cores as it can: every cycle it uses is one the server under
/// test does not get.
pub struct Connection {
    addr: SocketAddr,
    sender: SendRequest<Full<Bytes>>,
    host: HeaderValue,
    authorization: HeaderValue,
}

/// What an HTTP answer looked like, as far as the scenarios check it.
pub struct Answer {
    pub status: StatusCode,
    /// `Idempotent-Replayed`, if sent.
    pub replayed: Option<bool>,
}

impl Connection {
    pub async fn open(addr: SocketAddr, token: &str) -> anyhow::Result<Self> {
        let sender = handshake(addr).await?;
        Ok(Self {
            addr,
            sender,
            host: HeaderValue::from_str(&addr.to_string())?,
            authorization: HeaderValue::from_str(&format!("Bearer {token}"))?,
        })
    }

    /// Sends one request and reads the whole answer. A connection the server
    /// closed is reopened once, and the attempt reported as an error.
    pub async fn send(&mut self, method: Method, path: &str, key: Option<&str>, body: Bytes) -> anyhow::Result<Answer> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.host.clone())
            .header(header::AUTHORIZATION, self.authorization.clone())
            .header(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let request = request.body(Full::new(body))?;
        let result = async {
            self.sender.ready().await?;
            let response = self.sender.send_request(request).await?;
            let status = response.status();
            let replayed = response.headers().get("idempotent-replayed").map(|v| v.as_bytes() == b"true");
            response.into_body().collect().await?;
            anyhow::Ok(Answer { status, replayed })
        }
        .await;
        if result.is_err() {
            self.sender = handshake(self.addr).await?;
        }
        result
    }
}

async fn handshake(addr: SocketAddr) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(addr).await.with_context(|| format!("connecting to {addr}"))?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(sender)
}

/// One slice of a counted run: the requests that completed as the
/// `k`-th tenth (by completion order) of the run.
#[derive(Debug, Clone)]
pub struct Slice {
    pub ok: u64,
    /// From the last completion of the slice before to this slice's last.
    pub elapsed: Duration,
    pub histogram: Histogram<u64>,
}

/// A counted run, slice by slice.
#[derive(Debug, Clone)]
pub struct SliceMeasured {
    pub slices: Vec<Slice>,
    pub all_ok: u64,
    pub all_errors: u64,
    pub errors: Vec<(String, u64)>,
    pub elapsed: Duration,
}

/// Runs `concurrency` workers until `total` requests have been sent (or
/// `max` has passed), and measures each of `slices` equal parts of them
/// apart: the `n`-th completed success belongs to slice `n * slices / total`.
/// A slice's time runs from the previous slice's last completion to its own
/// last one, so the slices' times add up to the run's.
pub async fn run_counted<S, M, O>(
    concurrency: usize,
    total: u64,
    slices: usize,
    max: Duration,
    make_worker: M,
    op: O,
) -> anyhow::Result<SliceMeasured>
where
    S: Send + 'static,
    M: MakeWorker<S>,
    O: Operation<S>,
{
    use std::sync::atomic::{AtomicU64, Ordering};
    let states = prepare_workers(concurrency, make_worker).await?;
    let total = total.max(1);
    let op = Arc::new(op);
    let issued = Arc::new(AtomicU64::new(0));
    let completed = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + max;
    let mut handles = Vec::with_capacity(concurrency);
    for state in states {
        let (op, issued, completed) = (op.clone(), issued.clone(), completed.clone());
        handles.push(tokio::spawn(async move {
            // Per slice: successes, their latencies, the last completion.
            let mut mine: Vec<(u64, Histogram<u64>, Option<Instant>)> =
                (0..slices).map(|_| (0, new_histogram(), None)).collect();
            let (mut errors, mut all_errors) = (Vec::new(), 0u64);
            let mut state = Some(state);
            loop {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                let sent = Instant::now();
                if n >= total || sent >= deadline {
                    break;
                }
                let (back, verdict) = op(state.take().expect("the state is back after each op"), n).await;
                state = Some(back);
                let done = Instant::now();
                match verdict {
                    Verdict::Ok => {
                        let k = completed.fetch_add(1, Ordering::Relaxed);
                        let slice = ((k as u128 * slices as u128) / total as u128) as usize;
                        let entry = &mut mine[slice.min(slices - 1)];
                        entry.0 += 1;
                        entry.1.saturating_record(done.duration_since(sent).as_micros().max(1) as u64);
                        entry.2 = entry.2.max(Some(done));
                    }
                    Verdict::Unexpected(what) => {
                        all_errors += 1;
                        add_error(&mut errors, what);
                    }
                }
            }
            (mine, errors, all_errors)
        }));
    }
    let mut merged: Vec<(u64, Histogram<u64>, Option<Instant>)> =
        (0..slices).map(|_| (0, new_histogram(), None)).collect();
    let mut measured =
        SliceMeasured { slices: Vec::new(), all_ok: 0, all_errors: 0, errors: Vec::new(), elapsed: Duration::ZERO };
    for handle in handles {
        let (mine, errors, all_errors) = handle.await.context("a load worker panicked")?;
        for (into, (ok, histogram, last)) in merged.iter_mut().zip(mine) {
            into.0 += ok;
            into.1.add(&histogram).context("merging histograms")?;
            into.2 = into.2.max(last);
        }
        measured.all_errors += all_errors;
        for (what, n) in errors {
            match measured.errors.iter_mut().find(|(name, _)| *name == what) {
                Some((_, total)) => *total += n,
                None => measured.errors.push((what, n)),
            }
        }
    }
    let mut from = start;
    for (ok, histogram, last) in merged {
        let until = last.unwrap_or(from).max(from);
        measured.all_ok += ok;
        measured.slices.push(Slice { ok, elapsed: until - from, histogram });
        from = until;
    }
    measured.elapsed = start.elapsed();
    Ok(measured)
}
