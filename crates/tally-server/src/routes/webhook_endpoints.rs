//! `/webhook-endpoints`: where events are delivered, signed with each
//! endpoint's secret. Every write follows the idempotency contract (an
//! optional key, as for rewards); a create replayed under its key answers
//! with the same secret, so a client that lost the first answer still gets it.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tally_core::events::{DeliveryAttempt, EventType, WebhookEndpoint};
use tally_core::ids::IdKind;
use tally_core::model::Program;
use tally_store::events::{NewSecret, NewWebhookEndpoint, WebhookEndpointPatch};
use tally_store::{StoreResult, StoreTx};
use utoipa::ToSchema;

use super::redemptions::EmptyIn;
use super::{ListParams, Paginated, check_id};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Pagination, Path, Write, WriteMeta, present};
use crate::idempotency::{Begun, Change, KeyPolicy, Resource, begin};
use crate::operations::Outcome;
use crate::webhooks::{ROTATION_OVERLAP, secrets, urls};

pub const MAX_DESCRIPTION_LEN: usize = 500;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://shop.example.com/hooks/tally", "event_types": ["points.earned", "redemption.created"], "description": "order e-mails"}))]
pub struct WebhookEndpointIn {
    /// `http` or `https`; not in a loopback, private, link-local or metadata range (unless the node allows private networks).
    #[schema(max_length = 2048, example = "https://shop.example.com/hooks/tally")]
    pub url: String,
    /// The event types to receive; absent or `null`: every type.
    pub event_types: Option<Vec<String>>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
}

/// Fields to change; absent fields stay as they are.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": true}))]
pub struct WebhookEndpointPatchIn {
    #[schema(max_length = 2048)]
    pub url: Option<String>,
    /// A list sets the types; `null`: every type; absent leaves them.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub event_types: Option<Option<Vec<String>>>,
    /// A text sets it; `null` clears it; absent leaves it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 500)]
    pub description: Option<Option<String>>,
    /// `true` enables the endpoint again (after a `410 Gone` disabled it, say);
    /// deliveries that waited while it was disabled are sent then.
    pub enabled: Option<bool>,
}

/// An endpoint with its signing secret: only in the answer that makes it or rotates it.
#[derive(Serialize, ToSchema)]
pub struct WebhookEndpointWithSecret {
    #[serde(flatten)]
    pub endpoint: WebhookEndpoint,
    /// `whsec_…`: verifies the `webhook-signature` of every delivery. Keep it;
    /// Tally shows it only here (and to a retry of this request with the same key).
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

impl Resource for WebhookEndpoint {
    fn id(&self) -> &str {
        &self.id
    }
    fn location(&self) -> String {
        format!("/api/v1/webhook-endpoints/{}", self.id)
    }
}

impl Resource for WebhookEndpointWithSecret {
    fn id(&self) -> &str {
        &self.endpoint.id
    }
    fn location(&self) -> String {
        self.endpoint.location()
    }
    fn event(&self, _: Change) -> Option<(EventType, Option<&str>)> {
        None
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("webhook_endpoint_not_found", "webhook endpoint")
}

/// An id that is not an endpoint's is no endpoint: 404 before any read.
fn check_endpoint_id(id: &str) -> ApiResult<()> {
    check_id(IdKind::WebhookEndpoint, id, "webhook_endpoint_not_found", "webhook endpoint")
}

/// A write that changes one endpoint (update, delete, rotate): the id is
/// checked, the request's key claimed (a replay answers as it did and runs
/// nothing), `change` runs on the write's transaction with the program's and
/// the endpoint's ids, and its answer concludes the write; `None` (no such
/// endpoint) is a 404.
async fn change_endpoint<T: Resource>(
    state: &AppState,
    program: &Program,
    id: &str,
    meta: WriteMeta,
    change: impl for<'t> FnOnce(&'t mut dyn StoreTx, &'t str, &'t str) -> BoxFuture<'t, StoreResult<Option<T>>>,
) -> ApiResult<Response> {
    check_endpoint_id(id)?;
    match begin(state, program, meta, KeyPolicy::Optional).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let outcome = Outcome::changed_or(change(exec.tx(), &program.id, id).await, not_found);
            exec.conclude(outcome).await
        }
    }
}

/// Known types only, each once, in a stable order; an empty list is refused
/// (it would receive nothing: leave the field out for every type).
fn check_types(types: Option<Vec<String>>) -> ApiResult<Option<Vec<String>>> {
    let Some(types) = types else { return Ok(None) };
    if types.is_empty() {
        return Err(ApiError::invalid_field("event_types", "at least one type; leave it out (or null) for every type"));
    }
    let mut known = BTreeSet::new();
    for name in types {
        if EventType::parse(&name).is_none() {
            let all: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
            return Err(ApiError::invalid_field("event_types", format!("unknown type; one of {}", all.join(", "))));
        }
        known.insert(name);
    }
    Ok(Some(known.into_iter().collect()))
}

fn check_description(description: Option<String>) -> ApiResult<Option<String>> {
    match description {
        Some(d) if d.chars().count() > MAX_DESCRIPTION_LEN || d.chars().any(char::is_control) => {
            Err(ApiError::invalid_field("description", format!("at most {MAX_DESCRIPTION_LEN} printable characters")))
        }
        other => Ok(other),
    }
}

/// Register a webhook endpoint
///
/// Tally delivers every event of the listed types (all types by default) to
/// the URL, signed per Standard Webhooks v1 with the `secret` in this answer:
/// at least once, retried on the documented schedule until a 2xx; a `410 Gone`
/// disables the endpoint. Only endpoints that exist when an event is made
/// receive it.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints", tag = "webhooks", operation_id = "webhook_endpoints_create",
    request_body = WebhookEndpointIn,
    responses((status = 201, description = "Registered; the secret is shown only here", body = WebhookEndpointWithSecret)),
    security(("bearer" = [])))]
pub async fn create(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Write { body, meta }: Write<WebhookEndpointIn>,
) -> ApiResult<Response> {
    let url = urls::check(&body.url, state.webhooks.allow_private_networks).await?;
    let event_types = check_types(body.event_types)?;
    let description = check_description(body.description)?;
    match begin(&state, &program, meta, KeyPolicy::Optional).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let secret = secrets::generate();
            let new = NewWebhookEndpoint {
                id: IdKind::WebhookEndpoint.generate(),
                url,
                event_types,
                description,
                sealed_secret: secrets::seal(&secret, state.webhooks.secret_key.as_ref()),
            };
            let outcome = exec.tx().insert_endpoint(&program.id, &new).await.map_err(ApiError::from);
            let made = outcome
                .map(|endpoint| Outcome::Created(WebhookEndpointWithSecret { endpoint, secret: secret.to_string() }));
            exec.conclude(made).await
        }
    }
}

/// List webhook endpoints
///
/// The program's endpoints, newest first (without their secrets).
#[utoipa::path(get, path = "/api/v1/webhook-endpoints", tag = "webhooks", operation_id = "webhook_endpoints_list",
    params(ListParams),
    responses((status = 200, description = "A page of endpoints", body = Paginated<WebhookEndpoint>)),
    security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Pagination(page): Pagination,
) -> ApiResult<Json<Paginated<WebhookEndpoint>>> {
    let rows = state.store.webhook_endpoints(&program.id, &page).await?;
    Ok(Json(Paginated::from_rows(rows, page.limit)))
}

/// Get a webhook endpoint
///
/// The endpoint (without its secret).
#[utoipa::path(get, path = "/api/v1/webhook-endpoints/{id}", tag = "webhooks", operation_id = "webhook_endpoints_get",
    params(("id" = String, Path, description = "The endpoint's id (`whe_…`)", example = "whe_01JDQ60A1B2C3D4E5F6G7H8J9K")),
    responses((status = 200, description = "The endpoint", body = WebhookEndpoint)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookEndpoint>> {
    check_endpoint_id(&id)?;
    state.store.webhook_endpoint(&program.id, &id).await?.map(Json).ok_or_else(not_found)
}

/// Update a webhook endpoint
///
/// Changes only the fields sent: the URL, the event types, the description,
/// whether it is enabled.
#[utoipa::path(patch, path = "/api/v1/webhook-endpoints/{id}", tag = "webhooks", operation_id = "webhook_endpoints_update",
    request_body(content = WebhookEndpointPatchIn, description = "Optional: an empty body changes nothing", content_type = "application/json"),
    params(("id" = String, Path, description = "The endpoint's id (`whe_…`)", example = "whe_01JDQ60A1B2C3D4E5F6G7H8J9K")),
    responses((status = 200, description = "The endpoint as it now is", body = WebhookEndpoint)),
    security(("bearer" = [])))]
pub async fn patch(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
    Write { body, meta }: Write<WebhookEndpointPatchIn>,
) -> ApiResult<Response> {
    // Before the URL's check (`change_endpoint` checks it again), so a bad
    // id answers 404 whatever the body holds.
    check_endpoint_id(&id)?;
    let url = match body.url {
        Some(url) => Some(urls::check(&url, state.webhooks.allow_private_networks).await?),
        None => None,
    };
    let patch = WebhookEndpointPatch {
        endpoint_id: id.clone(),
        url,
        event_types: body.event_types.map(check_types).transpose()?,
        description: body.description.map(check_description).transpose()?,
        enabled: body.enabled,
    };
    change_endpoint(&state, &program, &id, meta, move |tx, program_id, _| {
        Box::pin(async move { tx.patch_endpoint(program_id, &patch).await })
    })
    .await
}

/// Delete a webhook endpoint
///
/// Removes the endpoint with its pending deliveries and its delivery log;
/// answers with the endpoint as it was. Events stay (`GET /events`).
#[utoipa::path(delete, path = "/api/v1/webhook-endpoints/{id}", tag = "webhooks", operation_id = "webhook_endpoints_delete",
    params(("id" = String, Path, description = "The endpoint's id (`whe_…`)", example = "whe_01JDQ60A1B2C3D4E5F6G7H8J9K")),
    responses((status = 200, description = "Deleted; the endpoint as it was", body = WebhookEndpoint)),
    security(("bearer" = [])))]
pub async fn delete(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
    Write { body: EmptyIn {}, meta }: Write<EmptyIn>,
) -> ApiResult<Response> {
    change_endpoint(&state, &program, &id, meta, |tx, program_id, id| tx.delete_endpoint(program_id, id)).await
}

/// Rotate a webhook endpoint's secret
///
/// Makes a new secret and answers with it. For 24 hours the old secret keeps
/// signing beside the new one (`webhook-signature` carries both), so the
/// receiver can switch without missing a delivery; after that, only the new one.
#[utoipa::path(post, path = "/api/v1/webhook-endpoints/{id}/rotate-secret", tag = "webhooks", operation_id = "webhook_endpoints_rotate_secret",
    request_body(content = EmptyIn, description = "Optional: an empty body or `{}`", content_type = "application/json"),
    params(("id" = String, Path, description = "The endpoint's id (`whe_…`)", example = "whe_01JDQ60A1B2C3D4E5F6G7H8J9K")),
    responses((status = 200, description = "The endpoint with its new secret", body = WebhookEndpointWithSecret)),
    security(("bearer" = [])))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
    Write { body: EmptyIn {}, meta }: Write<EmptyIn>,
) -> ApiResult<Response> {
    // The settings go into the change (which owns what it uses); the secret
    // is made only there, for a fresh request: a replay answers with the one it stored.
    let webhooks = state.webhooks.clone();
    change_endpoint(&state, &program, &id, meta, move |tx, program_id, id| {
        Box::pin(async move {
            let secret = secrets::generate();
            let sealed = secrets::seal(&secret, webhooks.secret_key.as_ref());
            let new = NewSecret { endpoint_id: id.to_owned(), sealed_secret: sealed, overlap: ROTATION_OVERLAP };
            let rotated = tx.rotate_secret(program_id, &new).await?;
            Ok(rotated.map(|endpoint| WebhookEndpointWithSecret { endpoint, secret: secret.to_string() }))
        })
    })
    .await
}

/// List an endpoint's delivery attempts
///
/// Every attempt to deliver an event to the endpoint, newest first: when, the
/// receiver's status code or the error, how long it took, and what became of
/// the delivery. The cursor (`starting_after`) is an attempt's `id`.
#[utoipa::path(get, path = "/api/v1/webhook-endpoints/{id}/deliveries", tag = "webhooks", operation_id = "webhook_endpoints_deliveries",
    params(("id" = String, Path, description = "The endpoint's id (`whe_…`)", example = "whe_01JDQ60A1B2C3D4E5F6G7H8J9K"), ListParams),
    responses((status = 200, description = "A page of attempts", body = Paginated<DeliveryAttempt>)),
    security(("bearer" = [])))]
pub async fn deliveries(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
    Pagination(page): Pagination,
) -> ApiResult<Json<Paginated<DeliveryAttempt>>> {
    check_endpoint_id(&id)?;
    // Attempts are numbered; any other cursor is no attempt's.
    if page.starting_after.as_deref().is_some_and(|c| c.parse::<i64>().is_err()) {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "invalid_query",
            "starting_after must be the id of the last attempt of a previous page",
        ));
    }
    if state.store.webhook_endpoint(&program.id, &id).await?.is_none() {
        return Err(not_found());
    }
    let rows = state.store.delivery_attempts(&program.id, &id, &page).await?;
    Ok(Json(Paginated::from_rows(rows, page.limit)))
}
