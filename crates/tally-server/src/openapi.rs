//! The OpenAPI 3.1 document, generated from the handlers' annotations: the one
//! description of the API. A test compares it with the committed `openapi.json`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Tally", description = "Loyalty points with exactly-once writes. See /docs/idempotency for the retry contract."),
    paths(
        routes::customers::upsert, routes::customers::get, routes::customers::list, routes::customers::balance,
        routes::customers::ledger, routes::customers::adjust,
        routes::transactions::create, routes::transactions::get, routes::transactions::void,
        routes::rewards::create, routes::rewards::list, routes::rewards::get, routes::rewards::patch,
        routes::redemptions::create, routes::redemptions::get, routes::redemptions::list_for_customer,
        routes::redemptions::fulfil, routes::redemptions::cancel,
        routes::coupons::get, routes::coupons::redeem,
        routes::keys::get,
        routes::program::get, routes::program::patch,
        routes::v2::redeem, routes::v2::list,
    ),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The document as pretty JSON.
pub fn document_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}
