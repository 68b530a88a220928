//! The OpenAPI 3.1 document, generated from the code: the one description of
//! the API. A test compares it with the committed `openapi.json`.
//!
//! It is made in two steps. utoipa turns the handlers' annotations and the
//! types' `ToSchema` into the document: paths, parameters, request and success
//! bodies, summaries and descriptions. Then [`conventions`] adds what every
//! route shares and no handler spells out one by one — the headers of the
//! idempotency contract, of the rate limit and of request ids, and the
//! problem+json errors — from one table, [`OPERATIONS`], that names for each
//! operation its key policy and the stable `code`s it may answer. The second
//! step works on the JSON itself because utoipa's model has no place for some
//! of it (a header's `required`, `not`, `const`).

use serde_json::{Map, Value, json};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::routes;

mod operations;
pub use operations::{Key, OPERATIONS, Operation};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tally",
        description = "Loyalty points with exactly-once writes.

Programs keep customers, award points for purchases through an append-only ledger, and let
customers spend points on rewards with finite stock.

* **Auth**: `Authorization: Bearer <token>`. A token belongs to one program; a resource of another
  program answers 404, exactly as a missing one does.
* **Idempotency**: every write takes an `Idempotency-Key` (required on those that move points or
  stock). A retry with the same key replays the first answer (`Idempotent-Replayed: true`);
  refusals are not stored, so a refused request can be retried with its key. The full contract is
  at [/docs/idempotency](/docs/idempotency).
* **Errors**: RFC 9457 `application/problem+json` with a stable machine `code`; each operation
  lists the codes it may answer.
* **Rate limit**: per token, `rate_limit_per_minute` of the program; every authenticated answer
  carries `RateLimit-Policy` and `RateLimit`, a 429 also `Retry-After`.
* **Lists**: `{\"data\": [...], \"has_more\": bool}`, newest first; `limit` (1 to 100, default 20)
  and `starting_after` (the last id of the previous page).

This reference is also rendered at [/docs/api](/docs/api)."
    ),
    paths(
        routes::customers::upsert, routes::customers::get, routes::customers::list, routes::customers::balance,
        routes::customers::ledger, routes::customers::tier_history, routes::customers::adjust,
        routes::transactions::create, routes::transactions::get, routes::transactions::void,
        routes::rewards::create, routes::rewards::list, routes::rewards::get, routes::rewards::patch,
        routes::redemptions::create, routes::redemptions::get, routes::redemptions::list, routes::redemptions::list_for_customer,
        routes::redemptions::fulfil, routes::redemptions::cancel,
        routes::coupons::get, routes::coupons::redeem,
        routes::keys::get,
        routes::program::get, routes::program::patch, routes::stats::get,
        routes::v2::redeem, routes::v2::list,
        routes::events::list, routes::events::get, routes::events::redeliver,
        routes::webhook_endpoints::create, routes::webhook_endpoints::list, routes::webhook_endpoints::get,
        routes::webhook_endpoints::patch, routes::webhook_endpoints::delete, routes::webhook_endpoints::rotate_secret,
        routes::webhook_endpoints::deliveries,
        routes::exports::ledger, routes::exports::customers,
    ),
    components(schemas(crate::error::Problem)),
    tags(
        (name = "customers", description = "Customers, found again by email or phone; their balance, ledger and manual adjustments."),
        (name = "transactions", description = "Purchases, which earn points, and their voids (refunds)."),
        (name = "rewards", description = "The catalog: what points buy, with optional finite stock."),
        (name = "redemptions", description = "Spending points on a reward, and the redemption's life: pending, then fulfilled or cancelled."),
        (name = "coupons", description = "The single-use coupons that voucher redemptions issue."),
        (name = "idempotency", description = "What the server knows of an idempotency key."),
        (name = "program", description = "The caller's program and its settings."),
        (name = "webhooks", description = "Events, written with the effect that made them (one per effect), and their delivery to webhook endpoints: signed per Standard Webhooks v1, at least once, the same `webhook-id` on every attempt. See /docs/webhooks."),
        (name = "exports", description = "The program's ledger and customers as CSV, for reconciling with accounting: streamed, read on one consistent snapshot, columns in a fixed order."),
        (name = "compatibility", description = "The v2 pair for clients written against the common \"loyalty rewards redeem\" shape."),
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A program's API token (`tly_…`), made with `tally token create`."))
                    .build(),
            ),
        );
    }
}

/// What `IdempotencyKey::parse` accepts: 1 to 255 visible ASCII characters
/// bare, or as an RFC 8941 string (`"…"`, escaping only `\"` and `\\`) with
/// optional `;name=value` parameters, surrounded by ASCII whitespace.
const KEY_PATTERN: &str = r#"^[\t\n\x0b\x0c\r ]*(?:[!#-~][!-~]{0,254}|"(?:[!#-\[\]-~]|\\["\\]){1,255}"(?:; *[a-z*][a-z0-9_.*-]*(?:=[!-:<-~]+)?)*)[\t\n\x0b\x0c\r ]*$"#;

/// OpenAPI links: which operation's answer gives the ids that other
/// operations take, for readers and for tools that chain calls.
/// `(from operation, to operation, parameter, runtime expression)`.
const LINKS: &[(&str, &str, &str, &str)] = &[
    ("customers_upsert", "customers_get", "id", "$response.body#/id"),
    ("customers_upsert", "customers_balance_get", "id", "$response.body#/id"),
    ("customers_upsert", "customers_ledger_list", "id", "$response.body#/id"),
    ("customers_upsert", "customers_redemptions_list", "id", "$response.body#/id"),
    ("customers_upsert", "customers_adjustments_create", "id", "$response.body#/id"),
    ("customers_upsert", "v2_redemptions_list", "customer_id", "$response.body#/id"),
    ("transactions_create", "transactions_get", "id", "$response.body#/id"),
    ("transactions_create", "transactions_void", "id", "$response.body#/id"),
    ("rewards_create", "rewards_get", "id", "$response.body#/id"),
    ("rewards_create", "rewards_update", "id", "$response.body#/id"),
    ("redemptions_create", "redemptions_get", "id", "$response.body#/id"),
    ("redemptions_create", "redemptions_fulfil", "id", "$response.body#/id"),
    ("redemptions_create", "redemptions_cancel", "id", "$response.body#/id"),
    ("redemptions_create", "coupons_get", "code", "$response.body#/coupon_code"),
    ("redemptions_create", "coupons_redeem", "code", "$response.body#/coupon_code"),
    ("v2_rewards_redeem", "redemptions_get", "id", "$response.body#/redemption_id"),
    ("v2_rewards_redeem", "redemptions_fulfil", "id", "$response.body#/redemption_id"),
    ("v2_rewards_redeem", "redemptions_cancel", "id", "$response.body#/redemption_id"),
];

/// The document as pretty JSON.
pub fn document_json() -> String {
    serde_json::to_string_pretty(&document()).unwrap_or_default()
}

/// The document as JSON.
pub fn document() -> Value {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    conventions(&mut doc);
    doc
}

/// A header's description and schema, as `components/headers` holds it.
fn header(description: &str, schema: Value) -> Value {
    json!({ "description": description, "schema": schema })
}

fn header_ref(name: &str, required: bool) -> Value {
    let reference = json!({ "$ref": format!("#/components/headers/{name}") });
    if required {
        // A reference cannot carry `required` beside it: a required header is
        // inlined, from the same definition.
        let mut inlined = shared_headers()[name].clone();
        inlined["required"] = json!(true);
        inlined
    } else {
        reference
    }
}

fn shared_headers() -> Value {
    let string = json!({ "type": "string" });
    json!({
        "X-Request-Id": header(
            "The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it.",
            string.clone(),
        ),
        "RateLimit-Policy": header(
            "The token's rate-limit policy (IETF RateLimit draft), e.g. `\"token\";q=600;w=60`: 600 requests per 60 s.",
            string.clone(),
        ),
        "RateLimit": header(
            "Where the token stands, e.g. `\"token\";r=599;t=1`: 599 requests left now, full again in 1 s.",
            string.clone(),
        ),
        "Retry-After": header(
            "Seconds to wait before retrying, with the same `Idempotency-Key`.",
            json!({ "type": "integer", "minimum": 0 }),
        ),
        "Idempotent-Replayed": header(
            "Sent when the request had an `Idempotency-Key`: `true` when this is the stored answer of an earlier request with the key, `false` when this request executed.",
            json!({ "type": "string", "enum": ["true", "false"] }),
        ),
        "X-Idempotency-Lookup": header(
            "Sent when the request had an `Idempotency-Key`: `miss` (executed now), `hit` (a stored answer replayed), `waited` (waited for the key's first request, `Prefer: wait`, and replayed its answer).",
            json!({ "type": "string", "enum": ["miss", "hit", "waited"] }),
        ),
        "Location": header("The URL of the resource the request made.", string.clone()),
        "Content-Disposition": header(
            "`attachment; filename=\"…\"`: a download, with the file name to save it under.",
            string.clone(),
        ),
        "Link": header(
            "On key errors: `</docs/idempotency>; rel=\"describedby\"`, the idempotency contract.",
            string.clone(),
        ),
        "WWW-Authenticate": header("`Bearer`: how to authenticate.", string),
    })
}

fn parameter(name: &str, required: bool, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "header", "required": required, "description": description, "schema": schema })
}

/// A problem+json response whose `code` is one of `codes`.
fn problem(status: u16, description: &str, codes: &[&str], headers: Value) -> Value {
    let example = json!({
        "type": format!("/problems/{}", codes[0]),
        "title": axum::http::StatusCode::from_u16(status).ok().and_then(|s| s.canonical_reason()).unwrap_or("Error"),
        "status": status,
        "detail": reason(status),
        "code": codes[0],
    });
    json!({
        "description": description,
        "headers": headers,
        "content": {
            "application/problem+json": {
                "schema": {
                    "allOf": [
                        { "$ref": "#/components/schemas/Problem" },
                        {
                            "type": "object",
                            "properties": {
                                "code": { "type": "string", "enum": codes },
                            },
                        },
                    ],
                },
                "example": example,
            },
        },
    })
}

/// The headers of an error answer with this status.
fn error_headers(status: u16) -> Map<String, Value> {
    let mut headers = Map::new();
    headers.insert("X-Request-Id".into(), header_ref("X-Request-Id", true));
    // The rate limiter puts its state on every answer of an authenticated
    // request: not on a 401 (no token to count), and not always on a 500 or
    // 503, which may come before authentication finished or from outside it.
    if status != 401 {
        let always = !matches!(status, 500 | 503);
        headers.insert("RateLimit-Policy".into(), header_ref("RateLimit-Policy", always));
        headers.insert("RateLimit".into(), header_ref("RateLimit", always));
    }
    match status {
        401 => {
            headers.insert("WWW-Authenticate".into(), header_ref("WWW-Authenticate", true));
        }
        409 => {
            headers.insert("Retry-After".into(), header_ref("Retry-After", false));
        }
        429 | 503 => {
            headers.insert("Retry-After".into(), header_ref("Retry-After", true));
        }
        400 => {
            headers.insert("Link".into(), header_ref("Link", false));
        }
        _ => {}
    }
    headers
}

/// The errors that are the same on every operation that can answer them,
/// kept once under `components/responses`.
const SHARED_RESPONSES: &[(u16, &str, &str)] = &[
    (401, "Unauthorized", "unauthorized"),
    (413, "PayloadTooLarge", "payload_too_large"),
    (415, "UnsupportedMediaType", "unsupported_media_type"),
    (429, "RateLimited", "rate_limited"),
    (500, "Internal", "internal"),
];

fn shared_response_name(status: u16) -> Option<&'static str> {
    SHARED_RESPONSES.iter().find(|(s, ..)| *s == status).map(|(_, name, _)| *name)
}

fn shared_responses() -> Value {
    let responses: Map<String, Value> = SHARED_RESPONSES
        .iter()
        .map(|(status, name, code)| {
            let description = format!("{}. `code`: `{code}`", reason(*status));
            (name.to_string(), problem(*status, &description, &[code], Value::Object(error_headers(*status))))
        })
        .collect();
    Value::Object(responses)
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad request: the body, the query or a header cannot be read",
        401 => "Unauthorized: no token, or not a valid one",
        404 => "Not found in the caller's program",
        409 => "Conflict",
        413 => "The body is larger than 1 MiB",
        415 => "The body is not JSON",
        422 => "Refused: the request is well formed, but its content breaks a rule",
        429 => "Rate limited: the token used its program's `rate_limit_per_minute`; nothing was executed",
        500 => "The server failed; nothing was recorded, so retrying is safe",
        503 => "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
        _ => "Error",
    }
}

/// The error codes of an operation, by status: its own and the shared ones.
fn errors_of(operation: &Operation, method: &str, has_query: bool, has_path: bool) -> Vec<(u16, Vec<&'static str>)> {
    let mut by_status: Vec<(u16, Vec<&'static str>)> = Vec::new();
    let mut add = |status: u16, codes: &[&'static str]| match by_status.iter_mut().find(|(s, _)| *s == status) {
        Some((_, list)) => list.extend(codes.iter().filter(|c| !list.contains(c)).collect::<Vec<_>>()),
        None => by_status.push((status, codes.to_vec())),
    };
    for (status, codes) in operation.errors {
        add(*status, codes);
    }
    add(401, &["unauthorized"]);
    add(429, &["rate_limited"]);
    add(500, &["internal"]);
    add(503, &["storage_unavailable"]);
    if has_query {
        add(400, &["invalid_query"]);
    }
    if has_path {
        add(400, &["invalid_path"]);
    }
    if method != "get" {
        add(400, &["malformed_json", "idempotency_key_invalid"]);
        if matches!(operation.key, Key::Required | Key::RequiredForPartial) {
            add(400, &["idempotency_key_missing"]);
        }
        add(409, &["idempotency_key_in_use", "conflict"]);
        add(413, &["payload_too_large"]);
        add(415, &["unsupported_media_type"]);
        add(422, &["invalid_body", "idempotency_key_reused"]);
        add(503, &["idempotency_unavailable", "outcome_unknown"]);
    }
    by_status.sort_by_key(|(status, _)| *status);
    by_status
}

/// Adds the shared headers, parameters and errors to every operation (see the module's docs).
fn conventions(doc: &mut Value) {
    let shared = shared_headers();
    doc["components"]["headers"] = shared;
    doc["components"]["responses"] = shared_responses();
    refine_schemas(&mut doc["components"]["schemas"]);
    // The customer list filters by the same normalised values the upsert
    // takes, so its query parameters take the same patterns.
    let contact = doc["components"]["schemas"]["CustomerIn"]["properties"].clone();
    if let Some(parameters) = doc["paths"]["/api/v1/customers"]["get"]["parameters"].as_array_mut() {
        for parameter in parameters.iter_mut().filter(|p| p["in"] == "query") {
            let name = parameter["name"].as_str().unwrap_or_default().to_owned();
            if let Some(pattern) = contact[&name]["pattern"].as_str() {
                parameter["schema"]["pattern"] = json!(pattern);
            }
        }
    }
    let Some(paths) = doc["paths"].as_object_mut() else { return };
    for (_, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else { continue };
        for (method, operation) in item.iter_mut() {
            let id = operation["operationId"].as_str().unwrap_or_default().to_owned();
            let Some(spec) = OPERATIONS.iter().find(|o| o.id == id) else { continue };
            describe(operation, spec, method);
        }
    }
}

fn describe(operation: &mut Value, spec: &Operation, method: &str) {
    let parameters = operation["parameters"].as_array().cloned().unwrap_or_default();
    let has_query = parameters.iter().any(|p| p["in"] == "query");
    let has_path = parameters.iter().any(|p| p["in"] == "path");
    let mut parameters = parameters;
    let key_description = match spec.key {
        Key::Required => Some(
            "Required: one unique value per intent (a UUID v4 is ideal), reused unchanged on every retry of it. \
             1 to 255 visible ASCII characters, bare or as a structured-header string (`\"…\"`). \
             Not required when the program set `require_idempotency_key` to false. \
             `X-Idempotency-Key` is accepted as an alias (both present and different is 400 `idempotency_key_invalid`).",
        ),
        Key::RequiredForPartial => Some(
            "Required with `amount_cents` (a partial void: sent twice without a key it would void twice); optional \
             for a full void, whose repeat is refused with 422 `already_voided`. One unique value per intent, reused \
             on every retry of it; 1 to 255 visible ASCII characters, bare or as a structured-header string. \
             `X-Idempotency-Key` is accepted as an alias.",
        ),
        Key::Optional => Some(
            "Optional: with it, a retry replays the first answer instead of running again. One unique value per \
             intent; 1 to 255 visible ASCII characters, bare or as a structured-header string. \
             `X-Idempotency-Key` is accepted as an alias.",
        ),
        Key::None => None,
    };
    // The alias `X-Idempotency-Key` is described in words, not declared as a
    // second parameter: OpenAPI cannot say "one of these two headers is
    // required", and declaring both would make the document claim either that
    // the key is optional or that a request carrying only the alias is refused.
    if let Some(description) = key_description {
        let key_schema = json!({ "type": "string", "pattern": KEY_PATTERN });
        parameters.push(parameter("Idempotency-Key", spec.key == Key::Required, description, key_schema.clone()));
        parameters.push(parameter(
            "Prefer",
            false,
            "`wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it \
             and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. \
             Other preferences are ignored.",
            json!({ "type": "string", "example": "wait=5" }),
        ));
    }
    parameters.push(parameter(
        "X-Request-Id",
        false,
        "The request's id, echoed in the response and carried by its log line; a new UUID when absent.",
        json!({ "type": "string" }),
    ));
    operation["parameters"] = Value::Array(parameters);

    if spec.optional_body && operation.get("requestBody").is_some() {
        operation["requestBody"]["required"] = json!(false);
    }

    // Success responses: the idempotency and rate-limit headers.
    let responses = operation["responses"].as_object_mut().expect("every operation has responses");
    for (status, response) in responses.iter_mut() {
        let mut headers = Map::new();
        headers.insert("X-Request-Id".into(), header_ref("X-Request-Id", true));
        // Every answer that passed authentication carries the limit's state.
        headers.insert("RateLimit-Policy".into(), header_ref("RateLimit-Policy", true));
        headers.insert("RateLimit".into(), header_ref("RateLimit", true));
        if spec.key != Key::None {
            headers.insert("Idempotent-Replayed".into(), header_ref("Idempotent-Replayed", false));
            headers.insert("X-Idempotency-Lookup".into(), header_ref("X-Idempotency-Lookup", false));
        }
        if status == "201" {
            headers.insert("Location".into(), header_ref("Location", true));
        }
        if response["content"].get("text/csv").is_some() {
            headers.insert("Content-Disposition".into(), header_ref("Content-Disposition", true));
        }
        response["headers"] = Value::Object(headers);
        let links: Map<String, Value> = LINKS
            .iter()
            .filter(|(from, ..)| *from == spec.id)
            .map(|(_, to, parameter, expression)| {
                (to.to_string(), json!({ "operationId": to, "parameters": { *parameter: expression } }))
            })
            .collect();
        if !links.is_empty() {
            response["links"] = Value::Object(links);
        }
    }

    let errors = errors_of(spec, method, has_query, has_path);
    let mut error_lines = Vec::new();
    for (status, codes) in &errors {
        let headers = error_headers(*status);
        let list = codes.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
        error_lines.push(format!("* {status}: {list}"));
        let answer = match shared_response_name(*status) {
            Some(name) => json!({ "$ref": format!("#/components/responses/{name}") }),
            None => problem(*status, &format!("{}. `code`: {list}", reason(*status)), codes, Value::Object(headers)),
        };
        responses.insert(status.to_string(), answer);
    }

    let idempotency = match spec.key {
        Key::None => "A read: it changes nothing and takes no key.",
        Key::Optional => {
            "**Idempotency**: an `Idempotency-Key` is optional. With one, the first answer (a 2xx) is stored with \
             its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`); a refusal stores \
             nothing, so the same key runs afresh. The same key for a different request is 422 \
             `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait \
             with `Prefer: wait=N`)."
        }
        Key::Required | Key::RequiredForPartial => {
            "**Idempotency**: this operation moves points or stock, so it needs an `Idempotency-Key` (400 \
             `idempotency_key_missing` without one). The first answer (a 2xx) is stored with its effect in one \
             transaction and a retry replays it (`Idempotent-Replayed: true`), even after the stored response \
             expired (then as 200 from the resource the key made). A refusal stores nothing, so the same key runs \
             afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request \
             still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`)."
        }
    };
    let description = operation["description"].as_str().unwrap_or_default().trim().to_owned();
    let mut text = String::new();
    if !description.is_empty() {
        text.push_str(&description);
        text.push_str("\n\n");
    }
    text.push_str(idempotency);
    text.push_str("\n\n**Errors** (`application/problem+json`, by status and `code`):\n\n");
    text.push_str(&error_lines.join("\n"));
    operation["description"] = Value::String(text);
}

/// What the types' derives cannot say about the request bodies.
///
/// "Email or phone" of `CustomerIn` is said in words, not as an `anyOf`:
/// client generators turn such an `anyOf` into one type per branch that drops
/// the other fields.
fn refine_schemas(schemas: &mut Value) {
    // An adjustment of zero points would be a no-op on the ledger.
    schemas["AdjustmentIn"]["properties"]["points"]["not"] = json!({ "const": 0 });
}
