//! The operator console: static pages and a little JavaScript, embedded in the
//! binary, served by `tally serve` itself at `/console`.
//!
//! The console is a client of the public `/api/v1` like any other: it holds a
//! program token (in the browser's `sessionStorage`), sends it as a bearer
//! header, and sees exactly what the token may see. The server side is only
//! these files. Every write the console makes is an intent with one
//! `Idempotency-Key`, journaled in `localStorage` before it is sent and re-sent
//! with the same key until a final answer arrives (see `console/app.js`).
//!
//! No asset comes from anywhere else at build or run time (no CDN, no Node):
//! they are `include_str!`ed, and the Content-Security-Policy allows scripts,
//! styles and requests from this origin only, with no inline script.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::app::AppState;

/// Where the console lives; `GET /` redirects here.
pub const PATH: &str = "/console";

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const INDEX: Asset = Asset {
    name: "index.html",
    content_type: "text/html; charset=utf-8",
    body: include_str!("../../console/index.html"),
};

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../console/app.js"),
    },
    Asset { name: "app.css", content_type: "text/css; charset=utf-8", body: include_str!("../../console/app.css") },
    Asset { name: "icon.svg", content_type: "image/svg+xml", body: include_str!("../../console/icon.svg") },
];

/// The console's routes: `/`, `/console` and `/console/assets/{name}`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to(PATH) }))
        .route(PATH, get(|| async { serve(&INDEX) }))
        .route("/console/", get(|| async { Redirect::to(PATH) }))
        .route("/console/assets/{name}", get(asset))
}

async fn asset(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    match ASSETS.iter().find(|a| a.name == name) {
        Some(asset) => serve(asset),
        None => crate::error::ApiError::new(StatusCode::NOT_FOUND, "route_not_found", "no such console asset")
            .into_response(),
    }
}

fn serve(asset: &Asset) -> Response {
    let mut response = asset.body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Small and embedded: always revalidate, so a new binary's console is seen at once.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}
