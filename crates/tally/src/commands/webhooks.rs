//! `tally webhooks listen`: a development receiver, in the manner of `stripe listen`.
//!
//! It binds 127.0.0.1:PORT, registers a temporary endpoint pointing there,
//! prints each delivery it verifies with that endpoint's secret, and deletes
//! the endpoint on Ctrl-C or SIGTERM, so a developer sees the events their
//! program emits without deploying a receiver. It verifies with the SDK's
//! `tally_client::webhooks`, so it also shows that the two sides agree.

use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::routing::post;
use chrono::{DateTime, SecondsFormat};
use clap::{Args, Subcommand};
use futures::FutureExt;
use serde::{Deserialize, Serialize};
use tally_client::{Client, WriteRequest};
use tally_core::webhook_signature::{HEADER_ID, HEADER_TIMESTAMP};

use super::arguments::ClientArgs;
use super::output::failure;

/// What the endpoint is called on the server, so a leftover one is recognisable.
const DESCRIPTION: &str = "tally webhooks listen";
const ENDPOINTS: &str = "/api/v1/webhook-endpoints";

#[derive(Subcommand, Debug)]
pub enum WebhooksCommand {
    /// Receive the program's webhooks on this machine, like `stripe listen`.
    ///
    /// Registers a temporary endpoint for http://127.0.0.1:PORT/ and prints each
    /// delivery it verifies with that endpoint's secret, as
    /// `<webhook-timestamp, RFC 3339> <type> <webhook-id> verified` and the JSON
    /// body (with --json: the body alone, one line per event). A verified
    /// delivery is answered 204; one whose signature fails, 400 (the reason on
    /// stderr). On Ctrl-C or SIGTERM the endpoint is deleted. Nothing is journaled.
    ///
    /// The server accepts a loopback URL only when started with
    /// `tally serve --webhooks-allow-private-networks`.
    Listen(ListenArgs),
}

#[derive(Args, Debug)]
pub struct ListenArgs {
    /// The port to receive on, on 127.0.0.1; 0 takes a free one (it is printed).
    #[arg(long)]
    port: u16,
    /// Only these event types, comma-separated (default: every type).
    #[arg(long, value_delimiter = ',', value_name = "TYPE,TYPE")]
    events: Vec<String>,
    /// Print the endpoint's signing secret (`whsec_…`), to verify with in an app of your own.
    #[arg(long)]
    print_secret: bool,
    #[command(flatten)]
    client: ClientArgs,
}

#[derive(Serialize)]
struct NewEndpoint<'a> {
    url: &'a str,
    /// Omitted, not `null` or `[]`, for "every type".
    #[serde(skip_serializing_if = "Option::is_none")]
    event_types: Option<&'a [String]>,
    description: &'a str,
}

/// The fields of the server's answer this command uses.
#[derive(Deserialize)]
struct Endpoint {
    id: String,
    secret: String,
    #[serde(default)]
    event_types: Option<Vec<String>>,
}

pub async fn run(command: WebhooksCommand) -> anyhow::Result<ExitCode> {
    match command {
        WebhooksCommand::Listen(args) => listen(args).await,
    }
}

async fn listen(args: ListenArgs) -> anyhow::Result<ExitCode> {
    // Bound before registering: with --port 0 the URL is only known now, and
    // a port already taken fails here rather than leave an endpoint behind.
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, args.port)))
        .await
        .with_context(|| format!("binding 127.0.0.1:{}", args.port))?;
    let url = format!("http://127.0.0.1:{}/", listener.local_addr()?.port());
    // Status lines go to stderr under --json, so stdout stays one event per line.
    let say = |line: String| if args.client.json { eprintln!("{line}") } else { println!("{line}") };
    say(format!("listening on {url}"));

    // No journal: an endpoint is created once per run and deleted at its end,
    // so there is no intent to resume after a crash (a leftover endpoint is
    // named "tally webhooks listen" on the server). One key per write still
    // makes the SDK's retries safe.
    let client = args.client.reader().await?;
    // The handlers are installed now, before registering: a Ctrl-C from
    // here on must never kill the process with an endpoint left registered.
    let stop = stop_signal()?.boxed().shared();
    let events = (!args.events.is_empty()).then_some(args.events.as_slice());
    let created = tokio::select! {
        created = register(&client, &url, events) => created,
        () = stop.clone() => {
            eprintln!("interrupted while registering; if the endpoint was created, it is the one described {DESCRIPTION:?}");
            return Ok(ExitCode::from(130));
        }
    };
    let endpoint = match created {
        Ok(endpoint) => endpoint,
        Err(e) => {
            let code = failure(&args.client, &e);
            if e.status() == Some(422) && e.code() == Some("webhook_url_not_allowed") {
                eprintln!(
                    "hint: the server refuses loopback URLs unless it was started with \
                     `tally serve --webhooks-allow-private-networks`"
                );
            }
            return Ok(code);
        }
    };
    // The id goes into a path below; the server makes `whe_<ULID>`.
    if endpoint.id.is_empty() || !endpoint.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        bail!("the server answered an endpoint id {:?} this command cannot use", endpoint.id);
    }
    match &endpoint.event_types {
        Some(types) => say(format!("endpoint {} receives {}", endpoint.id, types.join(", "))),
        None => say(format!("endpoint {} receives every event type", endpoint.id)),
    }
    if args.print_secret {
        say(format!("secret {}", endpoint.secret));
    }
    say("Ctrl-C to stop (the endpoint is deleted then)".to_owned());

    let receiver = Arc::new(Receiver { secret: endpoint.secret, json: args.client.json });
    let served = axum::serve(listener, router(receiver)).with_graceful_shutdown(stop).await;
    let deleted = delete(&client, &endpoint.id).await;
    served.context("receiving deliveries")?;
    Ok(match deleted {
        Ok(()) => {
            say(format!("deleted endpoint {}", endpoint.id));
            ExitCode::SUCCESS
        }
        // Someone (the console, a colleague) deleted it first: nothing to clean up.
        Err(e) if e.status() == Some(404) => {
            say(format!("endpoint {} was already deleted", endpoint.id));
            ExitCode::SUCCESS
        }
        Err(e) => {
            let code = failure(&args.client, &e);
            eprintln!("the endpoint is still registered; delete it with DELETE {ENDPOINTS}/{}", endpoint.id);
            code
        }
    })
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM. The handlers are installed when
/// this is called, not when the future is first polled (as with
/// `tokio::signal::ctrl_c`), so no signal falls into a gap and kills the
/// process the default way.
#[cfg(unix)]
fn stop_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("listening for Ctrl-C")?;
    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

#[cfg(not(unix))]
fn stop_signal() -> anyhow::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

async fn register(client: &Client, url: &str, events: Option<&[String]>) -> tally_client::Result<Endpoint> {
    let body = NewEndpoint { url, event_types: events, description: DESCRIPTION };
    let request = WriteRequest::new("webhook_endpoint.create", Method::POST, ENDPOINTS.into(), &body);
    Ok(client.submit(request).await?.value)
}

async fn delete(client: &Client, id: &str) -> tally_client::Result<()> {
    let path = format!("{ENDPOINTS}/{id}");
    let request: WriteRequest<serde::de::IgnoredAny> =
        WriteRequest::new("webhook_endpoint.delete", Method::DELETE, path, &serde_json::Map::new());
    client.submit(request).await.map(|_| ())
}

/// What the receiver needs: the secret to verify with, and how to print.
#[derive(Debug)]
pub(super) struct Receiver {
    secret: String,
    json: bool,
}

fn router(receiver: Arc<Receiver>) -> Router {
    // Any path: the registered URL is `/`, but a receiver that answers 404 to
    // a typo would look like a signature problem.
    Router::new().route("/", post(deliver)).route("/{*path}", post(deliver)).with_state(receiver)
}

/// What the receiver made of one delivery.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Received {
    /// Verified: what to print on stdout; answered 204.
    Verified(String),
    /// Not verified: the one-line reason for stderr; answered 400.
    Refused(String),
}

impl Received {
    fn status(&self) -> StatusCode {
        match self {
            Received::Verified(_) => StatusCode::NO_CONTENT,
            Received::Refused(_) => StatusCode::BAD_REQUEST,
        }
    }
}

/// Checks one delivery at `now_unix` and says what to print: for a verified
/// one `<timestamp RFC 3339> <type> <webhook-id> verified` and the body
/// pretty-printed (under `--json`, the body alone on one line).
pub(super) fn receive(receiver: &Receiver, headers: &HeaderMap, body: &[u8], now_unix: i64) -> Received {
    if let Err(e) = tally_client::webhooks::verify_at(&receiver.secret, headers, body, now_unix) {
        let id = headers.get(HEADER_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
        return Received::Refused(format!("refused delivery {id}: {e}"));
    }
    let event: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    if receiver.json {
        // Verified but not JSON cannot be a JSON line: print it as a JSON string.
        let line = match &event {
            Some(event) => event.to_string(),
            None => serde_json::Value::String(String::from_utf8_lossy(body).into_owned()).to_string(),
        };
        return Received::Verified(line);
    }
    // Both headers were just verified, so they are present and readable.
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("-").trim();
    let at = header(HEADER_TIMESTAMP)
        .parse::<i64>()
        .ok()
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .map_or_else(|| header(HEADER_TIMESTAMP).to_owned(), |at| at.to_rfc3339_opts(SecondsFormat::Secs, true));
    let kind = event.as_ref().and_then(|e| e["type"].as_str()).unwrap_or("-");
    let shown = match &event {
        Some(event) => serde_json::to_string_pretty(event).unwrap_or_else(|_| event.to_string()),
        None => String::from_utf8_lossy(body).into_owned(),
    };
    Received::Verified(format!("{at} {kind} {} verified\n{shown}", header(HEADER_ID)))
}

async fn deliver(State(receiver): State<Arc<Receiver>>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let received = receive(&receiver, &headers, &body, chrono::Utc::now().timestamp());
    match &received {
        Received::Verified(text) => println!("{text}"),
        Received::Refused(reason) => eprintln!("{reason}"),
    }
    received.status()
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;
    use serde_json::json;
    use tally_core::webhook_signature::{HEADER_SIGNATURE, WebhookSecret, sign};

    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const AT: i64 = 1_700_000_000;

    fn receiver(json: bool) -> Receiver {
        Receiver { secret: SECRET.into(), json }
    }

    fn event() -> Vec<u8> {
        serde_json::to_vec(&json!({
            "id": "evt_01JTEST", "type": "points.earned", "timestamp": "2023-11-14T22:13:20Z",
            "program_id": "prg_01J", "data": { "customer_id": "cus_01J", "points": 120 },
            "idempotency_key": "k-1", "sequence": 7
        }))
        .unwrap()
    }

    fn signed(secret: &str, id: &str, at: i64, body: &[u8]) -> HeaderMap {
        let signature = sign(&WebhookSecret::parse(secret).unwrap(), id, at, body);
        let mut headers = HeaderMap::new();
        headers.insert(HEADER_ID, HeaderValue::from_str(id).unwrap());
        headers.insert(HEADER_TIMESTAMP, HeaderValue::from_str(&at.to_string()).unwrap());
        headers.insert(HEADER_SIGNATURE, HeaderValue::from_str(&signature).unwrap());
        headers
    }

    #[test]
    fn a_verified_delivery_prints_its_line_and_its_body() {
        let body = event();
        let received = receive(&receiver(false), &signed(SECRET, "evt_01JTEST", AT, &body), &body, AT + 2);
        let Received::Verified(text) = &received else { panic!("{received:?}") };
        let (line, shown) = text.split_once('\n').unwrap();
        assert_eq!(line, "2023-11-14T22:13:20Z points.earned evt_01JTEST verified");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(shown).unwrap(),
            serde_json::from_slice::<serde_json::Value>(&body).unwrap()
        );
        assert!(shown.contains("\n  \"data\""), "pretty-printed:\n{shown}");
        assert_eq!(received.status(), StatusCode::NO_CONTENT);
    }

    #[test]
    fn under_json_a_delivery_is_its_body_on_one_line() {
        let body = event();
        let received = receive(&receiver(true), &signed(SECRET, "evt_01JTEST", AT, &body), &body, AT);
        let Received::Verified(line) = received else { panic!("{received:?}") };
        assert!(!line.contains('\n'), "{line}");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&line).unwrap()["sequence"], 7);
    }

    #[test]
    fn a_bad_signature_is_refused_with_a_reason() {
        let body = event();
        let other = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let cases = [
            (signed(other, "evt_01JTEST", AT, &body), body.clone(), AT, "no v1 signature"),
            (signed(SECRET, "evt_01JTEST", AT, &body), b"{\"tampered\":1}".to_vec(), AT, "no v1 signature"),
            (signed(SECRET, "evt_01JTEST", AT, &body), body.clone(), AT + 3600, "possible replay"),
            (HeaderMap::new(), body.clone(), AT, "webhook-id header is missing"),
        ];
        for (headers, body, now, why) in cases {
            let received = receive(&receiver(false), &headers, &body, now);
            let Received::Refused(reason) = &received else { panic!("{why}: {received:?}") };
            assert!(reason.contains(why), "{reason}");
            assert!(!reason.contains('\n'), "one line: {reason}");
            assert_eq!(received.status(), StatusCode::BAD_REQUEST);
        }
    }

    #[tokio::test]
    async fn the_handler_answers_204_or_400() {
        let body = event();
        let now = chrono::Utc::now().timestamp();
        let receiver = Arc::new(receiver(false));
        let good = signed(SECRET, "evt_01JTEST", now, &body);
        assert_eq!(
            deliver(State(receiver.clone()), good.clone(), Bytes::from(body.clone())).await,
            StatusCode::NO_CONTENT
        );
        let tampered = Bytes::from_static(b"{\"type\":\"points.earned\"}");
        assert_eq!(deliver(State(receiver), good, tampered).await, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn the_registration_omits_event_types_for_every_type() {
        let every = NewEndpoint { url: "http://127.0.0.1:9/", event_types: None, description: DESCRIPTION };
        assert_eq!(
            serde_json::to_value(&every).unwrap(),
            json!({ "url": "http://127.0.0.1:9/", "description": "tally webhooks listen" })
        );
        let types = vec!["points.earned".to_owned(), "redemption.created".to_owned()];
        let some = NewEndpoint { event_types: Some(&types), ..every };
        assert_eq!(serde_json::to_value(&some).unwrap()["event_types"], json!(["points.earned", "redemption.created"]));
    }
}
