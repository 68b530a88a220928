//! `/events`: what the program's effects emitted, for a receiver that was
//! down to catch up, and for sending one again.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use tally_core::events::Event;
use tally_core::ids::IdKind;
use utoipa::{IntoParams, ToSchema};

use super::redemptions::EmptyIn;
use super::{ListParams, Paginated, check_id};
use crate::app::AppState;
use crate::auth::Authenticated;
use crate::error::{ApiError, ApiResult};
use crate::extract::{EventQuery, Pagination, Path, Write};
use crate::idempotency::{Begun, KeyPolicy, Resource, begin};
use crate::operations::Outcome;

/// `?type=&customer_id=` of the event list.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // Only its description is used; `EventQuery` reads them.
pub struct EventFilterParams {
    /// Only events of this type (e.g. `points.earned`).
    #[param(rename = "type", max_length = 64)]
    pub event_type: Option<String>,
    /// Only events about this customer (`cus_…`).
    #[param(max_length = 64)]
    pub customer_id: Option<String>,
}

fn not_found() -> ApiError {
    ApiError::not_found("event_not_found", "event")
}

/// List events
///
/// The program's events, newest first, each exactly once per effect that
/// committed. A receiver that was down pages back from the newest until it
/// meets an event it has applied.
#[utoipa::path(get, path = "/api/v1/events", tag = "webhooks", operation_id = "events_list",
    params(ListParams, EventFilterParams),
    responses((status = 200, description = "A page of events", body = Paginated<Event>)), security(("bearer" = [])))]
pub async fn list(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Pagination(page): Pagination,
    EventQuery(filter): EventQuery,
) -> ApiResult<Json<Paginated<Event>>> {
    let rows = state.store.events(&program.id, &filter, &page).await?;
    Ok(Json(Paginated::from_rows(rows, page.limit)))
}

/// Get an event
///
/// One event, exactly as its webhook deliveries carry it.
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "webhooks", operation_id = "events_get",
    params(("id" = String, Path, description = "The event's id (`evt_…`)", example = "evt_01JDQ61B2C3D4E5F6G7H8J9K0M")),
    responses((status = 200, description = "The event", body = Event)), security(("bearer" = [])))]
pub async fn get(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
) -> ApiResult<Json<Event>> {
    check_id(IdKind::Event, &id, "event_not_found", "event")?;
    state.store.event(&program.id, &id).await?.map(Json).ok_or_else(not_found)
}

/// What a redelivery scheduled.
#[derive(Serialize, ToSchema)]
pub struct Redelivery {
    pub event_id: String,
    /// New deliveries scheduled: one per enabled endpoint subscribed to the event's type.
    pub deliveries: u64,
}

impl Resource for Redelivery {
    fn id(&self) -> &str {
        &self.event_id
    }
    fn location(&self) -> String {
        format!("/api/v1/events/{}", self.event_id)
    }
}

/// Redeliver an event
///
/// Sends the event again, with the same `webhook-id`, to every enabled
/// endpoint subscribed to its type, now and then on the retry schedule.
/// With one `Idempotency-Key`, a retry of this request schedules nothing more.
#[utoipa::path(post, path = "/api/v1/events/{id}/redeliver", tag = "webhooks", operation_id = "events_redeliver",
    request_body(content = EmptyIn, description = "Optional: an empty body or `{}`", content_type = "application/json"),
    params(("id" = String, Path, description = "The event's id (`evt_…`)", example = "evt_01JDQ61B2C3D4E5F6G7H8J9K0M")),
    responses((status = 200, description = "Scheduled", body = Redelivery)), security(("bearer" = [])))]
pub async fn redeliver(
    State(state): State<AppState>,
    Authenticated { program, .. }: Authenticated,
    Path(id): Path<String>,
    Write { body: EmptyIn {}, meta }: Write<EmptyIn>,
) -> ApiResult<Response> {
    check_id(IdKind::Event, &id, "event_not_found", "event")?;
    match begin(&state, &program, meta, KeyPolicy::Optional).await? {
        Begun::Replay(response) => Ok(response),
        Begun::Fresh(mut exec) => {
            let scheduled = exec.tx().redeliver_event(&program.id, &id).await;
            let redelivery = scheduled.map(|n| n.map(|deliveries| Redelivery { event_id: id, deliveries }));
            let outcome = Outcome::changed_or(redelivery, not_found);
            exec.conclude(outcome).await
        }
    }
}
