use std::sync::Arc;
use std::time::Duration;

use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use tally_core::model::ProgramSettings;
use tally_server::NodeSettings;
use tally_server::app::Caches;
use tally_server::auth::issue_token;
use tally_server::operations::jobs::Job;
use tally_store::Store;
use tally_test_kit::{TestDatabase, TestStore};

pub use tally_test_kit::Backend;

/// One test per backend for each listed `async fn(Backend)` (the kit's
/// `backend_tests!`, kept under this name for the tests here).
#[macro_export]
macro_rules! backend_tests {
    ($($case:ident),+ $(,)?) => {
        tally_test_kit::backend_tests!(worker_threads = 4; $($case),+);
    };
}

/// A running server with one program and its token.
pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub token: String,
    pub program_id: String,
    pub store: Arc<dyn Store>,
    pub backend: Backend,
    /// The concrete store, for what only tests may do (move time).
    raw: TestStore,
    /// The PostgreSQL URL, so a second node can share the database.
    pub database_url: Option<String>,
    _database: Option<Arc<TestDatabase>>,
    /// The server's in-memory caches, told when a test moves the database's clock.
    caches: Caches,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, NodeSettings::default()).await
}

/// `spawn_app` with a node's settings of the test's choosing (webhooks, say).
pub async fn spawn_app_with(backend: Backend, node: NodeSettings) -> TestApp {
    let app = tally_test_kit::app::spawn_app(backend, node, &format!("test-{}", uuid::Uuid::new_v4())).await;
    TestApp {
        address: app.address,
        client: Client::builder().timeout(Duration::from_secs(60)).build().unwrap(),
        token: app.token,
        program_id: app.program_id,
        store: app.store,
        backend,
        raw: app.raw,
        database_url: (backend == Backend::Postgres).then(|| app.database.url.clone()),
        _database: Some(Arc::new(app.database)),
        caches: app.caches,
    }
}

/// Starts a server over `store` on a free port and returns its base URL.
pub async fn serve(store: Arc<dyn Store>) -> String {
    tally_test_kit::app::serve(store, NodeSettings::default()).await.0
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn post(&self, path: &str) -> RequestBuilder {
        self.client.post(self.url(path)).bearer_auth(&self.token)
    }

    /// A keyed POST of `body` as it is, declared JSON (for bodies `json()` cannot make).
    pub async fn post_raw(&self, path: &str, key: impl AsRef<str>, body: impl Into<reqwest::Body>) -> Response {
        self.post(path)
            .header("Idempotency-Key", key.as_ref())
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Sends `count` POSTs of `body` at once, each with a key of its own (so
    /// each is a first attempt): what the outcomes were, counted (see `fire_all`).
    pub async fn race(&self, count: usize, path: &str, body: Value) -> std::collections::HashMap<String, usize> {
        let run = uuid::Uuid::new_v4();
        fire_all(count, |i| self.post(path).header("Idempotency-Key", format!("race-{run}-{i}")).json(&body).send())
            .await
    }

    /// Any operation, as the route-table tests call every documented one:
    /// authorised, with a fresh key and an empty JSON body.
    pub async fn call(&self, method: reqwest::Method, path: &str) -> Response {
        self.client
            .request(method, self.url(path))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&json!({}))
            .send()
            .await
            .unwrap()
    }

    pub fn get(&self, path: &str) -> RequestBuilder {
        self.client.get(self.url(path)).bearer_auth(&self.token)
    }

    pub fn patch(&self, path: &str) -> RequestBuilder {
        self.client.patch(self.url(path)).bearer_auth(&self.token)
    }

    pub fn delete(&self, path: &str) -> RequestBuilder {
        self.client.delete(self.url(path)).bearer_auth(&self.token)
    }

    /// A second program with its own token, on the same server.
    pub async fn other_program(&self) -> TestApp {
        let program = self.store.create_program("other", &ProgramSettings::default()).await.unwrap();
        let token = issue_token(self.store.as_ref(), &program.id).await.unwrap();
        TestApp {
            address: self.address.clone(),
            client: self.client.clone(),
            token,
            program_id: program.id,
            store: self.store.clone(),
            backend: self.backend,
            raw: self.raw.clone(),
            database_url: self.database_url.clone(),
            _database: self._database.clone(),
            caches: self.caches.clone(),
        }
    }

    /// Moves every stored response past its retention, by the database clock.
    pub async fn expire_idempotency_records(&self) {
        self.raw.expire_idempotency_records().await;
        // The node trusts a stored response it has read until the record's own
        // expiry comes near; moving that expiry by hand must tell it so.
        self.caches.replays.forget_all();
    }

    pub async fn create_customer(&self, email: &str) -> String {
        let response = self.post("/api/v1/customers").json(&json!({ "email": email })).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        body(response).await["id"].as_str().unwrap().to_owned()
    }

    /// Credits `points` through a purchase (the default earning rule is 1 point per unit = 100 cents).
    pub async fn earn(&self, customer_id: &str, points: i64) {
        let response = self
            .post("/api/v1/transactions")
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&json!({ "customer_id": customer_id, "spend_amount_cents": points * 100, "currency": "EUR" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED, "{:?}", body(response).await);
    }

    pub async fn create_reward(&self, cost_points: i64, stock: Option<i64>) -> String {
        let response = self
            .post("/api/v1/rewards")
            .json(&json!({ "name": "Coffee", "cost_points": cost_points, "stock": stock }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        body(response).await["id"].as_str().unwrap().to_owned()
    }

    pub async fn balance(&self, customer_id: &str) -> i64 {
        let response = self.get(&format!("/api/v1/customers/{customer_id}/balance")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        body(response).await["available"].as_i64().unwrap()
    }

    pub async fn ledger(&self, customer_id: &str) -> Vec<Value> {
        let response = self.get(&format!("/api/v1/customers/{customer_id}/ledger?limit=100")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        body(response).await["data"].as_array().unwrap().clone()
    }

    pub async fn reward(&self, reward_id: &str) -> Value {
        body(self.get(&format!("/api/v1/rewards/{reward_id}")).send().await.unwrap()).await
    }

    /// POSTs a redemption with the given key.
    pub async fn redeem(&self, key: &str, customer_id: &str, reward_id: &str) -> Response {
        self.post("/api/v1/redemptions")
            .header("Idempotency-Key", key)
            .json(&json!({ "customer_id": customer_id, "reward_id": reward_id }))
            .send()
            .await
            .unwrap()
    }

    /// Asserts every ledger invariant holds (what `tally verify` checks).
    pub async fn assert_verified(&self) {
        let violations = self.store.verify(None).await.unwrap();
        assert!(violations.is_empty(), "ledger violations: {violations:?}");
    }
}

pub async fn body(response: Response) -> Value {
    let bytes = response.bytes().await.unwrap();
    serde_json::from_slice(&bytes).unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&bytes)))
}

/// Asserts a problem+json response with the given status and code.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status, "expected {status} {code}");
    let content_type = response.headers().get("content-type").unwrap().to_str().unwrap().to_owned();
    assert_eq!(content_type, "application/problem+json");
    let problem = body(response).await;
    assert_eq!(problem["code"], code, "{problem}");
    assert_eq!(problem["status"], status.as_u16());
    assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()));
    assert!(problem["title"].is_string() && problem["type"].is_string());
    problem
}

pub fn header(response: &Response, name: &str) -> Option<String> {
    response.headers().get(name).map(|v| v.to_str().unwrap().to_owned())
}

impl TestApp {
    /// Makes storage unreachable for this app's server.
    pub async fn close_storage(&self) {
        self.raw.close().await;
    }
}

/// Helpers for the loyalty surface of issue 3: voids, adjustments, the
/// redemption lifecycle, coupons and points expiry.
impl TestApp {
    /// Runs one statement through the raw store, written for each backend.
    pub async fn execute_on_backend(&self, sqlite: &str, postgres: &str) -> u64 {
        self.raw.execute_on_backend(sqlite, postgres).await
    }

    /// Moves every point lot that has an expiry date past it, by the database
    /// clock; returns how many lots that is.
    pub async fn make_lots_due(&self) -> u64 {
        self.raw.make_lots_due().await;
        let dated = "UPDATE point_lots SET expires_at = expires_at WHERE expires_at IS NOT NULL";
        self.execute_on_backend(dated, dated).await
    }

    /// Makes every customer reviewed once due for the tier review again.
    pub async fn make_tier_reviews_due(&self) {
        self.raw.make_tier_reviews_due().await;
    }

    /// Moves every ledger entry `days` into the past (qualifying points leave the period).
    pub async fn age_ledger(&self, days: i32) {
        self.raw.age_ledger(days).await;
    }

    /// Ends every holding period not yet released, by the database clock;
    /// returns how many pending lots that is.
    pub async fn make_holds_due(&self) -> u64 {
        self.raw.make_holds_due().await;
        let held = "UPDATE pending_lots SET releases_at = releases_at WHERE released_at IS NULL";
        self.execute_on_backend(held, held).await
    }

    /// Moves only the customer's oldest point lot (smallest id: ids sort by
    /// creation) past its expiry date.
    pub async fn make_oldest_lot_due(&self, customer_id: &str) -> u64 {
        assert!(customer_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "{customer_id}");
        let oldest = format!("(SELECT MIN(id) FROM point_lots WHERE customer_id = '{customer_id}')");
        self.execute_on_backend(
            &format!(
                "UPDATE point_lots SET expires_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER) - 1000 \
                 WHERE id = {oldest}"
            ),
            &format!("UPDATE point_lots SET expires_at = now() - interval '1 second' WHERE id = {oldest}"),
        )
        .await
    }

    /// The whole balance object (`available`, `pending`, `expiring_soon`, …).
    pub async fn full_balance(&self, customer_id: &str) -> Value {
        let response = self.get(&format!("/api/v1/customers/{customer_id}/balance")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        body(response).await
    }

    /// PATCHes the program's settings and returns the updated program.
    pub async fn set_program(&self, patch: Value) -> Value {
        let response = self.patch("/api/v1/program").json(&patch).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{patch}");
        body(response).await
    }

    /// Records a purchase (with an optional points override) and returns the transaction.
    pub async fn purchase(&self, customer_id: &str, spend_amount_cents: i64, points: Option<i64>) -> Value {
        let response = self
            .post("/api/v1/transactions")
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&json!({ "customer_id": customer_id, "spend_amount_cents": spend_amount_cents, "currency": "EUR", "points": points }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        body(response).await
    }

    pub async fn transaction(&self, transaction_id: &str) -> Value {
        let response = self.get(&format!("/api/v1/transactions/{transaction_id}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        body(response).await
    }

    /// POSTs a void of a purchase, with the key when given.
    pub async fn void(&self, transaction_id: &str, key: Option<&str>, payload: Value) -> Response {
        let mut request = self.post(&format!("/api/v1/transactions/{transaction_id}/void")).json(&payload);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        request.send().await.unwrap()
    }

    /// Creates a reward of kind `voucher`: its redemptions issue a coupon.
    pub async fn create_voucher(&self, cost_points: i64, stock: Option<i64>) -> String {
        let response = self
            .post("/api/v1/rewards")
            .json(&json!({ "name": "Gift card", "cost_points": cost_points, "stock": stock, "kind": "voucher" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let reward = body(response).await;
        assert_eq!(reward["kind"], "voucher");
        reward["id"].as_str().unwrap().to_owned()
    }

    /// Redeems a reward with a fresh key and returns the redemption.
    pub async fn redeemed(&self, customer_id: &str, reward_id: &str) -> Value {
        let response = self.redeem(&uuid::Uuid::new_v4().to_string(), customer_id, reward_id).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        body(response).await
    }

    pub async fn redemption(&self, redemption_id: &str) -> Value {
        let response = self.get(&format!("/api/v1/redemptions/{redemption_id}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        body(response).await
    }

    pub async fn coupon(&self, code: &str) -> Value {
        let response = self.get(&format!("/api/v1/coupons/{code}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        body(response).await
    }

    /// The customer's ledger entries made by `operation`, newest first.
    pub async fn entries(&self, customer_id: &str, operation: &str) -> Vec<Value> {
        self.ledger(customer_id).await.into_iter().filter(|e| e["operation"] == operation).collect()
    }
}

/// Sends all requests at once (after a barrier) and tallies the outcomes as
/// `status/lookup` for successes (`200/miss`) and `status/code` for problems
/// (`422/already_voided`).
pub async fn fire_all<F, Fut>(count: usize, make: F) -> std::collections::HashMap<String, usize>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = reqwest::Result<Response>> + Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(count));
    let tasks = (0..count).map(|i| {
        let barrier = barrier.clone();
        let request = make(i);
        tokio::spawn(async move {
            barrier.wait().await;
            let response = request.await.expect("the server answered");
            let lookup = header(&response, "x-idempotency-lookup").unwrap_or_default();
            let status = response.status();
            let code = if status.is_success() {
                lookup
            } else {
                body(response).await["code"].as_str().unwrap_or("").to_owned()
            };
            format!("{}/{}", status.as_u16(), code)
        })
    });
    let mut outcomes = std::collections::HashMap::new();
    for outcome in futures::future::join_all(tasks).await {
        *outcomes.entry(outcome.unwrap()).or_insert(0) += 1;
    }
    outcomes
}

/// `GET {path}` with `query`, answered 200: the ids of the page, and `has_more`.
pub async fn list_ids(app: &TestApp, path: &str, query: &[(&str, &str)]) -> (Vec<String>, bool) {
    let response = app.get(path).query(query).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = body(response).await;
    let ids = page["data"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect();
    (ids, page["has_more"].as_bool().unwrap())
}

/// Walks the list at `path` from its newest item, `limit` at a time, each page
/// after `has_more` neither empty nor longer than `limit`: every id in order,
/// and how many pages it took.
pub async fn walk_pages(app: &TestApp, path: &str, limit: usize) -> (Vec<String>, usize) {
    let limit_text = limit.to_string();
    let (mut walked, mut pages) = (Vec::new(), 0);
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("limit", limit_text.as_str())];
        if let Some(c) = &cursor {
            query.push(("starting_after", c));
        }
        let (page, has_more) = list_ids(app, path, &query).await;
        assert!(!page.is_empty(), "a page after has_more = true is not empty");
        assert!(page.len() <= limit, "{page:?}");
        cursor = page.last().cloned();
        walked.extend(page);
        pages += 1;
        if !has_more {
            break;
        }
        assert!(pages < 10, "pagination does not terminate");
    }
    (walked, pages)
}

/// Runs `job` on every store of `nodes` at once, `rounds` times over, two
/// runs per store and round; how many items all the runs changed together.
pub async fn simultaneous_runs(nodes: &[Arc<dyn Store>], rounds: usize, job: Job) -> u64 {
    let mut changed = 0;
    for _ in 0..rounds {
        let runs = nodes.iter().chain(nodes).map(|store| {
            let store = store.clone();
            tokio::spawn(async move { job.run_once(store.as_ref()).await.unwrap() })
        });
        changed += futures::future::join_all(runs).await.into_iter().map(Result::unwrap).sum::<u64>();
    }
    changed
}

/// Starts `job` three times and drops each run 1, 3 and 5 ms in (a node
/// stopping mid-run), leaving whatever those runs did not finish.
pub async fn cancelled_runs(store: &Arc<dyn Store>, job: Job) {
    for delay in [1, 3, 5] {
        let store = store.clone();
        let run = tokio::spawn(async move { job.run_once(store.as_ref()).await.unwrap() });
        tokio::time::sleep(Duration::from_millis(delay)).await;
        run.abort();
        let _ = run.await;
    }
}
