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
        routes::redemptions::create, routes::redemptions::get, routes::redemptions::list, routes::redemptions::list_for_customer,
        routes::redemptions::fulfil, routes::redemptions::cancel,
        routes::coupons::get, routes::coupons::redeem,
        routes::keys::get,
        routes::program::get, routes::program::patch, routes::stats::get,
        routes::v2::redeem, routes::v2::list,
    ),
    modifiers(&BearerAuth, &NodeConventions)
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

/// What every route under `/api` shares and the handlers do not annotate one
/// by one: the rate limit's 429, and `Prefer: wait` on writes.
struct NodeConventions;

impl Modify for NodeConventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::{ContentBuilder, Header, Ref, RefOr, Required, ResponseBuilder};

        let string = || ObjectBuilder::new().schema_type(Type::String).build();
        let limited = ResponseBuilder::new()
            .description(
                "Rate limited: this token used its program's `rate_limit_per_minute`. Nothing was executed. \
                 Every authenticated response carries `RateLimit-Policy` and `RateLimit`.",
            )
            .header("Retry-After", Header::new(ObjectBuilder::new().schema_type(Type::Integer).build()))
            .header("RateLimit-Policy", Header::new(string()))
            .header("RateLimit", Header::new(string()))
            .content(
                "application/problem+json",
                ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
            )
            .build();
        let prefer = ParameterBuilder::new()
            .name("Prefer")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "`wait=N` (at most 10): when a request with the same Idempotency-Key is still executing, \
                 wait up to N seconds for it and return its response instead of 409.",
            ))
            .schema(Some(string()))
            .build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .responses
            .insert("RateLimited".to_owned(), RefOr::T(limited));
        let limited = Ref::new("#/components/responses/RateLimited");
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/api/") {
                continue;
            }
            let writes = [&mut item.post, &mut item.patch, &mut item.put];
            for operation in writes.into_iter().flatten() {
                operation.parameters.get_or_insert_with(Vec::new).push(prefer.clone());
            }
            let all = [&mut item.get, &mut item.post, &mut item.patch, &mut item.put, &mut item.delete];
            for operation in all.into_iter().flatten() {
                operation.responses.responses.insert("429".to_owned(), RefOr::Ref(limited.clone()));
            }
        }
    }
}

/// The document as pretty JSON.
pub fn document_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}
