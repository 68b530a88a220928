//! The human-readable API reference at `/docs/api`: the OpenAPI document
//! rendered in the browser by Redoc, whose standalone bundle is vendored in
//! `assets/redoc/` and embedded in the binary. Nothing is fetched from
//! elsewhere, by the build or by the reader's browser.
//!
//! Redoc rather than a page rendered by the server: it shows the whole
//! document (schemas, constraints, examples, headers, every error code) from
//! the one source, `/openapi.json`, without a second renderer to keep in step.

use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{Html, IntoResponse};

/// Redoc 2.5.4's `bundles/redoc.standalone.js`, as published on npm.
const REDOC: &str = include_str!("../../assets/redoc/redoc.standalone.js");

/// The page: Redoc initialises itself from the `<redoc>` element, so the page
/// needs no inline script and the policy below can forbid any.
const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tally API reference</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<noscript>This reference needs JavaScript. The OpenAPI document it renders is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<redoc spec-url="/openapi.json" expand-responses="200,201" required-props-first="true" sort-enums-alphabetically="false" hide-hostname="true"></redoc>
<script src="/docs/api/redoc.standalone.js"></script>
</body>
</html>
"#;

/// Only this server: Redoc's own script, its styles (set inline by the
/// library), the document, and the search worker it starts from a blob. The
/// one outside address the bundle names, the "API docs by Redocly" footer
/// logo, is blocked by it (the footer then shows its text alone).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
                   img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; \
                   base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub async fn page() -> impl IntoResponse {
    ([(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP))], Html(PAGE))
}

pub async fn redoc() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8")),
            // The bundle changes only with the binary.
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
            (HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff")),
        ],
        REDOC,
    )
}
