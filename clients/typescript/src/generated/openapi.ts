// Generated from openapi.json by `npm run generate` (scripts/generate.mjs, openapi-typescript).
// Do not edit: change the API, regenerate, commit. `npm run check:generated` fails on drift.

export interface paths {
    "/api/v1/coupons/{code}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a coupon
         * @description A voucher's coupon by its code (case-insensitive), with its status
         *     (`active`, `redeemed`, `void`).
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `coupon_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["coupons_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/coupons/{code}/redeem": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Redeem a coupon
         * @description Uses a coupon, once, at the till: fulfils its redemption. A second use is
         *     422 `already_redeemed`; a coupon whose redemption was cancelled is 422
         *     `coupon_void`. A retry with the same `Idempotency-Key` replays the first use.
         *
         *     **Idempotency**: this operation moves points or stock, so it needs an `Idempotency-Key` (400 `idempotency_key_missing` without one). The first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`), even after the stored response expired (then as 200 from the resource the key made). A refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`, `malformed_json`, `idempotency_key_invalid`, `idempotency_key_missing`
         *     * 401: `unauthorized`
         *     * 404: `coupon_not_found`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `already_redeemed`, `coupon_void`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        post: operations["coupons_redeem"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/customers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List customers
         * @description Newest first, a page at a time. `email` and `phone` filter by the
         *     normalised value, so `Ada@Example.com` finds `ada@example.com`; a malformed
         *     filter is 422 `invalid_field`.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_query`
         *     * 401: `unauthorized`
         *     * 422: `invalid_field`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["customers_list"];
        put?: never;
        /**
         * Upsert a customer by email or phone
         * @description Finds the customer by the normalised email, else the normalised phone, or
         *     creates one: 201 when created, 200 when found (then the name is updated and
         *     an empty email or phone is filled in). The same body shape either way.
         *     Naturally idempotent: repeating it finds the same customer.
         *
         *     **Idempotency**: an `Idempotency-Key` is optional. With one, the first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`); a refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `malformed_json`, `idempotency_key_invalid`
         *     * 401: `unauthorized`
         *     * 409: `customer_conflict`, `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `contact_required`, `invalid_field`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        post: operations["customers_upsert"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/customers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a customer
         * @description A customer of the caller's program; a customer of another program is as
         *     unknown as a missing one (404).
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `customer_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["customers_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/customers/{id}/adjustments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Adjust a customer's points by hand
         * @description Credits or debits the customer; the ledger entry keeps the reason and the
         *     token that made it. A debit never takes the balance below zero.
         *
         *     **Idempotency**: this operation moves points or stock, so it needs an `Idempotency-Key` (400 `idempotency_key_missing` without one). The first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`), even after the stored response expired (then as 200 from the resource the key made). A refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`, `malformed_json`, `idempotency_key_invalid`, `idempotency_key_missing`
         *     * 401: `unauthorized`
         *     * 404: `customer_not_found`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `invalid_field`, `insufficient_points`, `points_overflow`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        post: operations["customers_adjustments_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/customers/{id}/balance": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a customer's balance
         * @description Points available now, held by pending redemptions, earned and spent over
         *     the customer's life, and expiring within 30 days.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `customer_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["customers_balance_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/customers/{id}/ledger": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a customer's ledger
         * @description Every ledger entry of the customer, newest first, each naming the
         *     operation that made it. The ledger is append-only: it is the balance's
         *     whole history.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_query`, `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `customer_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["customers_ledger_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/customers/{id}/redemptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a customer's redemptions
         * @description The customer's redemptions, newest first, in every status.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_query`, `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `customer_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["customers_redemptions_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/customers/{id}/tier-history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a customer's tier changes
         * @description Every change of the customer's tier, newest first: upgrades made by a
         *     purchase (naming it) or a qualifying adjustment, downgrades made by the
         *     daily tier review.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_query`, `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `customer_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["customers_tier_history_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List events
         * @description The program's events, newest first, each exactly once per effect that
         *     committed. A receiver that was down pages back from the newest until it
         *     meets an event it has applied.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_query`
         *     * 401: `unauthorized`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["events_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an event
         * @description One event, exactly as its webhook deliveries carry it.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `event_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["events_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events/{id}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Redeliver an event
         * @description Sends the event again, with the same `webhook-id`, to every enabled
         *     endpoint subscribed to its type, now and then on the retry schedule.
         *     With one `Idempotency-Key`, a retry of this request schedules nothing more.
         *
         *     **Idempotency**: an `Idempotency-Key` is optional. With one, the first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`); a refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`, `malformed_json`, `idempotency_key_invalid`
         *     * 401: `unauthorized`
         *     * 404: `event_not_found`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        post: operations["events_redeliver"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/exports/customers.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export the customers
         * @description Every customer of the program created in `[from, to)`, with their points
         *     totals, as CSV (RFC 4180, as the ledger export), oldest first (by `id`).
         *     The first line names the columns, always in this order:
         *
         *     `id, created_at, email, phone, name, balance, lifetime_earned, lifetime_spent, pending_earned`
         *
         *     One consistent snapshot, streamed, and cut off unfinished on a server
         *     failure, as the ledger export.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_query`
         *     * 401: `unauthorized`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["exports_customers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/exports/ledger.csv": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export the ledger
         * @description Every ledger entry of the program created in `[from, to)`, as CSV
         *     (RFC 4180: CRLF line ends; a field with a comma, a quote or a line break
         *     is quoted, a quote inside it doubled), oldest first (by `id`, which is
         *     time-ordered). The first line names the columns, always in this order:
         *
         *     `id, created_at, customer_id, operation, points, balance_after,
         *     transaction_id, redemption_id, reason, token_id, pending_points`
         *
         *     `created_at` is UTC RFC 3339 with microseconds; `points` is signed
         *     (negative for redemptions, voids and expiries); an empty field is none.
         *
         *     The whole file is one consistent snapshot: entries written while it
         *     downloads are not in it. It is streamed as it is read, so its length is
         *     not known up front. If the server fails after the first bytes, the
         *     transfer is cut off unfinished (never a short file that looks complete):
         *     download again.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_query`
         *     * 401: `unauthorized`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["exports_ledger"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/idempotency-keys/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Look up an idempotency key
         * @description What the server knows of one key of the caller's program: `in_flight`
         *     while its first request runs, `completed` with the stored response's
         *     facts (method, path, status, the resource it made, when it expires); 404
         *     when unknown or expired. Keys of other programs are never visible.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `idempotency_key_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["idempotency_keys_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/program": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get the program
         * @description The caller's program (the token's tenant) and its settings.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 401: `unauthorized`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["program_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Update the program's settings
         * @description Changes only the fields sent, in one statement on the program's row, so
         *     patches through different nodes never undo each other. The earning rule
         *     and void policy apply to the next purchase or void; the rest reaches every
         *     node within 5 seconds.
         *
         *     **Idempotency**: an `Idempotency-Key` is optional. With one, the first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`); a refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `malformed_json`, `idempotency_key_invalid`
         *     * 401: `unauthorized`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `invalid_field`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        patch: operations["program_update"];
        trace?: never;
    };
    "/api/v1/redemptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the program's redemptions in one status
         * @description The program's redemptions in one status, newest first: `?status=pending` is
         *     the queue of rewards waiting to be handed over (or cancelled). `status` is
         *     required; without it, or with another value, the answer is 400
         *     `invalid_query`. Paged like every list (`limit`, `starting_after`).
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_query`
         *     * 401: `unauthorized`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["redemptions_list"];
        put?: never;
        /**
         * Redeem a reward
         * @description Spends the customer's points on a reward: deducts points and stock
         *     atomically, never below zero, and issues a single-use coupon when the
         *     reward is a voucher. The redemption starts `pending`; fulfil or cancel it.
         *     Send it twice with one `Idempotency-Key` and the second answer is the
         *     first one replayed (`Idempotent-Replayed: true`), debiting once.
         *
         *     **Idempotency**: this operation moves points or stock, so it needs an `Idempotency-Key` (400 `idempotency_key_missing` without one). The first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`), even after the stored response expired (then as 200 from the resource the key made). A refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `malformed_json`, `idempotency_key_invalid`, `idempotency_key_missing`
         *     * 401: `unauthorized`
         *     * 404: `customer_not_found`, `reward_not_found`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `invalid_field`, `reward_inactive`, `insufficient_points`, `out_of_stock`, `points_overflow`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        post: operations["redemptions_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/redemptions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a redemption
         * @description A redemption with its status (`pending`, `fulfilled`, `cancelled`) and, for
         *     a voucher, its coupon code.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `redemption_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["redemptions_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/redemptions/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel a redemption
         * @description `pending` → `cancelled`, refunding points and stock (and voiding a
         *     voucher's coupon) in the same transaction. Only from `pending`: a repeat is
         *     422 `already_cancelled` (or `already_fulfilled`); with the same
         *     `Idempotency-Key`, a replay of the first answer instead.
         *
         *     **Idempotency**: an `Idempotency-Key` is optional. With one, the first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`); a refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`, `malformed_json`, `idempotency_key_invalid`
         *     * 401: `unauthorized`
         *     * 404: `redemption_not_found`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `already_fulfilled`, `already_cancelled`, `already_redeemed`, `points_overflow`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        post: operations["redemptions_cancel"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/redemptions/{id}/fulfil": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Fulfil a redemption
         * @description `pending` → `fulfilled`: the reward was handed over. Only from `pending`: a
         *     repeat is 422 `already_fulfilled` (or `already_cancelled`); with the same
         *     `Idempotency-Key`, a replay of the first answer instead.
         *
         *     **Idempotency**: an `Idempotency-Key` is optional. With one, the first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`); a refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`, `malformed_json`, `idempotency_key_invalid`
         *     * 401: `unauthorized`
         *     * 404: `redemption_not_found`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `already_fulfilled`, `already_cancelled`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        post: operations["redemptions_fulfil"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/rewards": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List rewards
         * @description The program's catalog, newest first, active or not.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_query`
         *     * 401: `unauthorized`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["rewards_list"];
        put?: never;
        /**
         * Create a reward
         * @description Adds a reward to the program's catalog: an `item`, or a `voucher` whose
         *     redemption issues a single-use coupon; with `stock`, finite inventory.
         *
         *     **Idempotency**: an `Idempotency-Key` is optional. With one, the first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`); a refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `malformed_json`, `idempotency_key_invalid`
         *     * 401: `unauthorized`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `invalid_field`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        post: operations["rewards_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/rewards/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a reward
         * @description A reward of the catalog, with its stock left.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `reward_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["rewards_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Update a reward
         * @description Changes only the fields sent: name, cost, stock (or `null` for unlimited),
         *     whether it is active. Redemptions already made keep the cost they paid.
         *
         *     **Idempotency**: an `Idempotency-Key` is optional. With one, the first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`); a refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`, `malformed_json`, `idempotency_key_invalid`
         *     * 401: `unauthorized`
         *     * 404: `reward_not_found`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `invalid_field`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        patch: operations["rewards_update"];
        trace?: never;
    };
    "/api/v1/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get the program's overview counts
         * @description What the console's overview shows: customers, points outstanding,
         *     redemptions pending, and today's redemptions and purchases (the UTC day by
         *     the database clock). Counters are kept by the writes themselves, so this
         *     read costs the same on a program of any size; bounded counts stop at
         *     `count_limit`. A read, so no idempotency key applies.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 401: `unauthorized`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["stats_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/transactions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Record a purchase
         * @description Records a purchase and credits its points: `floor(spend × points_per_currency_unit / 100)`
         *     unless `points` overrides the program's earning rule. An `external_id` seen
         *     before answers the first purchase (200) without crediting again.
         *
         *     **Idempotency**: this operation moves points or stock, so it needs an `Idempotency-Key` (400 `idempotency_key_missing` without one). The first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`), even after the stored response expired (then as 200 from the resource the key made). A refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `malformed_json`, `idempotency_key_invalid`, `idempotency_key_missing`
         *     * 401: `unauthorized`
         *     * 404: `customer_not_found`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `invalid_field`, `points_overflow`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        post: operations["transactions_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/transactions/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a purchase
         * @description A recorded purchase with its status and what has been voided of it.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `transaction_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["transactions_get"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/transactions/{id}/void": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Void a purchase
         * @description Voids a purchase, in full or in part (a refund): points are taken back in
         *     proportion to the voided spend. A second full void is 422 `already_voided`;
         *     with the same `Idempotency-Key`, a replay of the first answer instead.
         *
         *     **Idempotency**: this operation moves points or stock, so it needs an `Idempotency-Key` (400 `idempotency_key_missing` without one). The first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`), even after the stored response expired (then as 200 from the resource the key made). A refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`, `malformed_json`, `idempotency_key_invalid`, `idempotency_key_missing`
         *     * 401: `unauthorized`
         *     * 404: `transaction_not_found`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `invalid_field`, `already_voided`, `void_exceeds_purchase`, `insufficient_points`, `points_overflow`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        post: operations["transactions_void"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhook-endpoints": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List webhook endpoints
         * @description The program's endpoints, newest first (without their secrets).
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_query`
         *     * 401: `unauthorized`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["webhook_endpoints_list"];
        put?: never;
        /**
         * Register a webhook endpoint
         * @description Tally delivers every event of the listed types (all types by default) to
         *     the URL, signed per Standard Webhooks v1 with the `secret` in this answer:
         *     at least once, retried on the documented schedule until a 2xx; a `410 Gone`
         *     disables the endpoint. Only endpoints that exist when an event is made
         *     receive it.
         *
         *     **Idempotency**: an `Idempotency-Key` is optional. With one, the first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`); a refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `malformed_json`, `idempotency_key_invalid`
         *     * 401: `unauthorized`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `invalid_field`, `webhook_url_not_allowed`, `webhook_url_unresolvable`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        post: operations["webhook_endpoints_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhook-endpoints/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a webhook endpoint
         * @description The endpoint (without its secret).
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `webhook_endpoint_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["webhook_endpoints_get"];
        put?: never;
        post?: never;
        /**
         * Delete a webhook endpoint
         * @description Removes the endpoint with its pending deliveries and its delivery log;
         *     answers with the endpoint as it was. Events stay (`GET /events`).
         *
         *     **Idempotency**: an `Idempotency-Key` is optional. With one, the first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`); a refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`, `malformed_json`, `idempotency_key_invalid`
         *     * 401: `unauthorized`
         *     * 404: `webhook_endpoint_not_found`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        delete: operations["webhook_endpoints_delete"];
        options?: never;
        head?: never;
        /**
         * Update a webhook endpoint
         * @description Changes only the fields sent: the URL, the event types, the description,
         *     whether it is enabled.
         *
         *     **Idempotency**: an `Idempotency-Key` is optional. With one, the first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`); a refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`, `malformed_json`, `idempotency_key_invalid`
         *     * 401: `unauthorized`
         *     * 404: `webhook_endpoint_not_found`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `invalid_field`, `webhook_url_not_allowed`, `webhook_url_unresolvable`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        patch: operations["webhook_endpoints_update"];
        trace?: never;
    };
    "/api/v1/webhook-endpoints/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List an endpoint's delivery attempts
         * @description Every attempt to deliver an event to the endpoint, newest first: when, the
         *     receiver's status code or the error, how long it took, and what became of
         *     the delivery. The cursor (`starting_after`) is an attempt's `id`.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_query`, `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `webhook_endpoint_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["webhook_endpoints_deliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhook-endpoints/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate a webhook endpoint's secret
         * @description Makes a new secret and answers with it. For 24 hours the old secret keeps
         *     signing beside the new one (`webhook-signature` carries both), so the
         *     receiver can switch without missing a delivery; after that, only the new one.
         *
         *     **Idempotency**: an `Idempotency-Key` is optional. With one, the first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`); a refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`, `malformed_json`, `idempotency_key_invalid`
         *     * 401: `unauthorized`
         *     * 404: `webhook_endpoint_not_found`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        post: operations["webhook_endpoints_rotate_secret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v2/loyalty/redemptions/{customer_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a customer's redemptions (compatibility shape)
         * @description The customer's most recent redemptions (up to 100), newest first, in the
         *     compatibility shape.
         *
         *     A read: it changes nothing and takes no key.
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `invalid_path`
         *     * 401: `unauthorized`
         *     * 404: `customer_not_found`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`
         */
        get: operations["v2_redemptions_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v2/loyalty/rewards/redeem": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Redeem a reward (compatibility shape)
         * @description The common "loyalty rewards redeem" request, mapped onto the same
         *     redemption operation as `POST /api/v1/redemptions` (one unit), with the
         *     same idempotency contract. Unknown fields are ignored, unlike v1.
         *
         *     **Idempotency**: this operation moves points or stock, so it needs an `Idempotency-Key` (400 `idempotency_key_missing` without one). The first answer (a 2xx) is stored with its effect in one transaction and a retry replays it (`Idempotent-Replayed: true`), even after the stored response expired (then as 200 from the resource the key made). A refusal stores nothing, so the same key runs afresh. The same key for a different request is 422 `idempotency_key_reused`; while the first request still runs, 409 `idempotency_key_in_use` (or wait with `Prefer: wait=N`).
         *
         *     **Errors** (`application/problem+json`, by status and `code`):
         *
         *     * 400: `malformed_json`, `idempotency_key_invalid`, `idempotency_key_missing`
         *     * 401: `unauthorized`
         *     * 404: `customer_not_found`, `reward_not_found`
         *     * 409: `idempotency_key_in_use`, `conflict`
         *     * 413: `payload_too_large`
         *     * 415: `unsupported_media_type`
         *     * 422: `invalid_field`, `reward_inactive`, `insufficient_points`, `out_of_stock`, `points_amount_mismatch`, `points_overflow`, `invalid_body`, `idempotency_key_reused`
         *     * 429: `rate_limited`
         *     * 500: `internal`
         *     * 503: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown`
         */
        post: operations["v2_rewards_redeem"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @example {
         *       "points": 50,
         *       "reason": "late delivery goodwill"
         *     }
         */
        AdjustmentIn: {
            /**
             * Format: int64
             * @description Signed, not zero: positive credits, negative debits (never below zero).
             */
            points: number;
            /**
             * @description Counts towards the customer's tier like a purchase's points (a
             *     goodwill credit for a purchase made elsewhere, say); `false` by default.
             */
            qualifying?: boolean;
            /**
             * @description Why: kept on the ledger entry with the token that made it. At most 500
             *     characters, not blank, no control characters (surrounding whitespace is dropped).
             */
            reason: string;
        };
        /**
         * @description What became of one attempt to deliver an event.
         * @enum {string}
         */
        AttemptOutcome: "delivered" | "retrying" | "failed" | "endpoint_disabled";
        Balance: {
            /**
             * Format: int64
             * @description Points the customer can spend now.
             */
            available: number;
            customer_id: string;
            /**
             * Format: int64
             * @description Points that expire within the next 30 days.
             */
            expiring_soon: number;
            /**
             * Format: int64
             * @description Every point ever credited: purchases, positive adjustments, refunds.
             */
            lifetime_earned: number;
            /**
             * Format: int64
             * @description Every point ever debited: redemptions, voids, negative adjustments, expiry.
             *     `lifetime_earned - lifetime_spent` is the balance.
             */
            lifetime_spent: number;
            next_release?: null | components["schemas"]["Release"];
            /**
             * Format: int64
             * @description Points held by redemptions that are still pending (a cancel would
             *     return them). Not part of `available`; not the same as `pending_earned`.
             */
            pending: number;
            /**
             * Format: int64
             * @description Points earned by purchases that are still in the program's holding
             *     period (`points_pending_days`): not yet part of `available`, not
             *     spendable, and taken back first by a void of their purchase.
             */
            pending_earned: number;
            tier?: null | components["schemas"]["CustomerTier"];
        };
        Coupon: {
            code: string;
            /** Format: date-time */
            created_at: string;
            customer_id: string;
            id: string;
            /** Format: date-time */
            redeemed_at?: string | null;
            redemption_id: string;
            reward_id: string;
            status: components["schemas"]["CouponStatus"];
        };
        /** @enum {string} */
        CouponStatus: "active" | "redeemed" | "void";
        Customer: {
            /** Format: date-time */
            created_at: string;
            email?: string | null;
            id: string;
            name?: string | null;
            phone?: string | null;
            tier?: null | components["schemas"]["CustomerTier"];
        };
        /**
         * @description A customer's contact details. At least one of `email` and `phone` is
         *     needed (422 `contact_required` otherwise): the customer is found again by them.
         * @example {
         *       "email": "ada@example.com",
         *       "name": "Ada Lovelace"
         *     }
         */
        CustomerIn: {
            /**
             * @description Matched case-insensitively: stored trimmed and lower-cased, at most 254
             *     bytes, with a `.` in the domain and no whitespace inside.
             * @example ada@example.com
             */
            email?: string | null;
            /**
             * @description Display name, at most 200 characters, without control characters
             *     (surrounding whitespace is dropped; blank means none).
             * @example Ada Lovelace
             */
            name?: string | null;
            /**
             * @description E.164 with its country code, e.g. `+4915112345678`: a `+`, then 8 to 15
             *     digits (the first not 0); spaces, dots, dashes and parentheses are ignored.
             * @example +4915112345678
             */
            phone?: string | null;
        };
        /** @description A customer's tier, on the customer and the balance. */
        CustomerTier: {
            /** @description The tier held; `null` below the first tier. */
            name?: string | null;
            next?: null | components["schemas"]["NextTier"];
            /**
             * Format: int64
             * @description Points earned by purchases (less their voids, plus adjustments marked
             *     `qualifying`) in the program's `tier_period`, as counted at the
             *     customer's last evaluation: each purchase, void and qualifying
             *     adjustment, and the daily tier review.
             */
            qualifying_points: number;
            /**
             * Format: date-time
             * @description When it was reached.
             */
            since?: string | null;
        };
        /** @description One attempt to deliver an event to an endpoint. */
        DeliveryAttempt: {
            /**
             * Format: int32
             * @description 1 for the first attempt of a delivery, then 2, 3, …
             */
            attempt: number;
            /** Format: date-time */
            attempted_at: string;
            /**
             * @description What went wrong without an answer (timeout, refused connection), or
             *     the first bytes of a failing answer.
             */
            error?: string | null;
            event_id: string;
            event_type: string;
            /**
             * Format: int64
             * @description Increasing with time: the cursor of the attempts list (`starting_after`).
             */
            id: number;
            /** Format: int64 */
            latency_ms: number;
            outcome: components["schemas"]["AttemptOutcome"];
            /**
             * Format: int32
             * @description The receiver's status code; `null` when no answer came (see `error`).
             */
            status_code?: number | null;
        };
        /**
         * @description No fields: the route's path says everything. Present so that `{}` and an
         *     empty body are accepted and anything else is refused.
         */
        EmptyIn: Record<string, never>;
        /** @description One event, as `GET /events` shows it and as a webhook delivers it. */
        Event: {
            /** @description The resource as the API returned it to the request that made the effect. */
            data: Record<string, never>;
            /**
             * @description `evt_…`: the same on every delivery of the event (the `webhook-id`
             *     header), so a receiver applies it once.
             */
            id: string;
            /**
             * @description The key of the request that made the effect; `null` for a job's effect
             *     (expiry, release) or an unkeyed request.
             */
            idempotency_key?: string | null;
            program_id: string;
            /**
             * Format: int64
             * @description Per customer: 1 for the customer's first event, then 2, 3, … with no
             *     gaps, in commit order, so a receiver can tell it missed one.
             */
            sequence?: number | null;
            /**
             * Format: date-time
             * @description When the effect committed.
             */
            timestamp: string;
            /** @description E.g. `points.earned`. */
            type: string;
        };
        /** @description What the server knows of one key of the caller's program. */
        KeyInfo: {
            /** Format: date-time */
            expires_at?: string | null;
            /** Format: date-time */
            first_seen_at?: string | null;
            key: string;
            method?: string | null;
            path?: string | null;
            resource_id?: string | null;
            state: components["schemas"]["KeyState"];
            /** Format: int32 */
            status?: number | null;
        };
        /** @enum {string} */
        KeyState: "in_flight" | "completed";
        LedgerEntry: {
            /**
             * Format: int64
             * @description The available balance after this entry.
             */
            balance_after: number;
            /** Format: date-time */
            created_at: string;
            customer_id: string;
            id: string;
            operation: components["schemas"]["LedgerOperation"];
            /**
             * Format: int64
             * @description Signed change of the pending points (`Balance::pending_earned`): a
             *     purchase in a holding period adds here instead of to `points`; its
             *     release and a void during the period take from here. 0 otherwise.
             */
            pending_points: number;
            /**
             * Format: int64
             * @description Signed change of the available balance: positive credits, negative debits.
             */
            points: number;
            /**
             * Format: int64
             * @description What the entry counts towards the customer's tier: a purchase's
             *     points (held or not), less its voids; an adjustment's points if it was
             *     marked `qualifying`; 0 for everything else.
             */
            qualifying_points: number;
            /** @description Why a manual adjustment was made. */
            reason?: string | null;
            redemption_id?: string | null;
            /** @description The API token that made a manual adjustment. */
            token_id?: string | null;
            transaction_id?: string | null;
        };
        /**
         * @description What made a ledger entry.
         * @enum {string}
         */
        LedgerOperation: "earn" | "redeem" | "void" | "adjustment" | "refund" | "expire" | "release";
        NextTier: {
            name: string;
            /** Format: int64 */
            points_needed: number;
        };
        /** @description A page of a list, newest first. */
        Paginated_Customer: {
            data: {
                /** Format: date-time */
                created_at: string;
                email?: string | null;
                id: string;
                name?: string | null;
                phone?: string | null;
                tier?: null | components["schemas"]["CustomerTier"];
            }[];
            /** @description Whether older items follow; fetch them with `starting_after` = the last id. */
            has_more: boolean;
        };
        /** @description A page of a list, newest first. */
        Paginated_DeliveryAttempt: {
            data: {
                /**
                 * Format: int32
                 * @description 1 for the first attempt of a delivery, then 2, 3, …
                 */
                attempt: number;
                /** Format: date-time */
                attempted_at: string;
                /**
                 * @description What went wrong without an answer (timeout, refused connection), or
                 *     the first bytes of a failing answer.
                 */
                error?: string | null;
                event_id: string;
                event_type: string;
                /**
                 * Format: int64
                 * @description Increasing with time: the cursor of the attempts list (`starting_after`).
                 */
                id: number;
                /** Format: int64 */
                latency_ms: number;
                outcome: components["schemas"]["AttemptOutcome"];
                /**
                 * Format: int32
                 * @description The receiver's status code; `null` when no answer came (see `error`).
                 */
                status_code?: number | null;
            }[];
            /** @description Whether older items follow; fetch them with `starting_after` = the last id. */
            has_more: boolean;
        };
        /** @description A page of a list, newest first. */
        Paginated_Event: {
            data: {
                /** @description The resource as the API returned it to the request that made the effect. */
                data: Record<string, never>;
                /**
                 * @description `evt_…`: the same on every delivery of the event (the `webhook-id`
                 *     header), so a receiver applies it once.
                 */
                id: string;
                /**
                 * @description The key of the request that made the effect; `null` for a job's effect
                 *     (expiry, release) or an unkeyed request.
                 */
                idempotency_key?: string | null;
                program_id: string;
                /**
                 * Format: int64
                 * @description Per customer: 1 for the customer's first event, then 2, 3, … with no
                 *     gaps, in commit order, so a receiver can tell it missed one.
                 */
                sequence?: number | null;
                /**
                 * Format: date-time
                 * @description When the effect committed.
                 */
                timestamp: string;
                /** @description E.g. `points.earned`. */
                type: string;
            }[];
            /** @description Whether older items follow; fetch them with `starting_after` = the last id. */
            has_more: boolean;
        };
        /** @description A page of a list, newest first. */
        Paginated_LedgerEntry: {
            data: {
                /**
                 * Format: int64
                 * @description The available balance after this entry.
                 */
                balance_after: number;
                /** Format: date-time */
                created_at: string;
                customer_id: string;
                id: string;
                operation: components["schemas"]["LedgerOperation"];
                /**
                 * Format: int64
                 * @description Signed change of the pending points (`Balance::pending_earned`): a
                 *     purchase in a holding period adds here instead of to `points`; its
                 *     release and a void during the period take from here. 0 otherwise.
                 */
                pending_points: number;
                /**
                 * Format: int64
                 * @description Signed change of the available balance: positive credits, negative debits.
                 */
                points: number;
                /**
                 * Format: int64
                 * @description What the entry counts towards the customer's tier: a purchase's
                 *     points (held or not), less its voids; an adjustment's points if it was
                 *     marked `qualifying`; 0 for everything else.
                 */
                qualifying_points: number;
                /** @description Why a manual adjustment was made. */
                reason?: string | null;
                redemption_id?: string | null;
                /** @description The API token that made a manual adjustment. */
                token_id?: string | null;
                transaction_id?: string | null;
            }[];
            /** @description Whether older items follow; fetch them with `starting_after` = the last id. */
            has_more: boolean;
        };
        /** @description A page of a list, newest first. */
        Paginated_Redemption: {
            data: {
                /** @description The single-use coupon issued when the reward is a voucher. */
                coupon_code?: string | null;
                /** Format: date-time */
                created_at: string;
                customer_id: string;
                id: string;
                /** Format: int64 */
                points_spent: number;
                /** Format: int64 */
                quantity: number;
                reward_id: string;
                status: components["schemas"]["RedemptionStatus"];
            }[];
            /** @description Whether older items follow; fetch them with `starting_after` = the last id. */
            has_more: boolean;
        };
        /** @description A page of a list, newest first. */
        Paginated_Reward: {
            data: {
                active: boolean;
                /** Format: int64 */
                cost_points: number;
                /** Format: date-time */
                created_at: string;
                id: string;
                kind: components["schemas"]["RewardKind"];
                name: string;
                /**
                 * Format: int64
                 * @description Units left; absent means unlimited.
                 */
                stock?: number | null;
                /** Format: date-time */
                updated_at: string;
            }[];
            /** @description Whether older items follow; fetch them with `starting_after` = the last id. */
            has_more: boolean;
        };
        /** @description A page of a list, newest first. */
        Paginated_TierChange: {
            data: {
                /** Format: date-time */
                created_at: string;
                customer_id: string;
                /** @description `null`: below the first tier. */
                from_tier?: string | null;
                id: string;
                /**
                 * Format: int64
                 * @description The qualifying points that decided it.
                 */
                qualifying_points: number;
                reason: components["schemas"]["TierChangeReason"];
                to_tier?: string | null;
                /** @description The purchase that made an upgrade, if one did. */
                transaction_id?: string | null;
            }[];
            /** @description Whether older items follow; fetch them with `starting_after` = the last id. */
            has_more: boolean;
        };
        /** @description A page of a list, newest first. */
        Paginated_WebhookEndpoint: {
            data: {
                /** Format: date-time */
                created_at: string;
                description?: string | null;
                /** @description Why Tally disabled it (a `410 Gone` answer), if it did. */
                disabled_reason?: string | null;
                /** @description A disabled endpoint receives nothing; its deliveries wait until it is enabled again. */
                enabled: boolean;
                /** @description The event types it receives; `null`: every type. */
                event_types?: string[] | null;
                /** @description `whe_…`. */
                id: string;
                /** Format: date-time */
                updated_at: string;
                url: string;
            }[];
            /** @description Whether older items follow; fetch them with `starting_after` = the last id. */
            has_more: boolean;
        };
        /** @description The problem+json body (RFC 9457) of every error. */
        Problem: {
            /** @description Stable machine-readable code, e.g. `insufficient_points`. */
            code: string;
            /** @description What went wrong and what to do about it, for people; never SQL, a stack trace or another program's data. */
            detail: string;
            /**
             * Format: int32
             * @description The HTTP status, repeated in the body.
             */
            status: number;
            /** @description The HTTP status's reason phrase, e.g. `Unprocessable Entity`. */
            title: string;
            /** @description Identifies the problem kind; the same as `code`, as a relative URI. */
            type: string;
        };
        Program: components["schemas"]["ProgramSettings"] & {
            /** Format: date-time */
            created_at: string;
            id: string;
            name: string;
        };
        /**
         * @description Fields to change; absent (or `null`, except `points_expire_after_days`)
         *     fields stay as they are.
         * @example {
         *       "points_per_currency_unit": 2,
         *       "void_policy": "allow_negative"
         *     }
         */
        ProgramPatchIn: {
            /**
             * Format: int32
             * @description How long stored responses are replayed, 1 to 720 hours.
             */
            idempotency_retention_hours?: number | null;
            /**
             * Format: int32
             * @description Days after which earned points expire, 1 to 3650; `null` turns expiry off.
             */
            points_expire_after_days?: number | null;
            /**
             * Format: int32
             * @description Days a purchase's points stay pending before they can be spent, 0 to
             *     365 (0: at once). Applies to purchases recorded from now on; points
             *     already pending keep the release date they were given.
             */
            points_pending_days?: number | null;
            /**
             * Format: int64
             * @description Earning rule: points per whole currency unit spent, 0 to 1,000,000.
             */
            points_per_currency_unit?: number | null;
            /**
             * Format: int32
             * @description Requests per minute per token, 1 to 1,000,000.
             */
            rate_limit_per_minute?: number | null;
            /** @description `false` lets points-moving routes run without an `Idempotency-Key` (natural keys still dedupe). */
            require_idempotency_key?: boolean | null;
            tier_period?: null | components["schemas"]["TierPeriod"];
            /**
             * @description The program's tiers, replacing the ones it had: at most 10, by
             *     strictly ascending `threshold_points`, names unique; `[]` removes them.
             *     A change applies from each customer's next evaluation (their next
             *     purchase, or the daily review): tiers held stay held until then, and
             *     past purchases keep the multiplier they earned at.
             */
            tiers?: components["schemas"]["Tier"][] | null;
            void_policy?: null | components["schemas"]["VoidPolicy"];
        };
        /** @description A program's rules. Every field has a default, so a new program works at once. */
        ProgramSettings: {
            /**
             * Format: int32
             * @description How long stored idempotent responses are replayed (1 h to 30 days).
             */
            idempotency_retention_hours: number;
            /** Format: int32 */
            points_expire_after_days?: number | null;
            /**
             * Format: int32
             * @description Days a purchase's points stay pending before they can be spent (0 to
             *     365; 0, the default: available at once). A void within the period takes
             *     the pending points back before they could be spent.
             */
            points_pending_days?: number;
            /**
             * Format: int64
             * @description Earning rule: points per whole currency unit spent (rounded down per purchase).
             */
            points_per_currency_unit: number;
            /** Format: int32 */
            rate_limit_per_minute: number;
            /** @description When false, points-moving routes accept requests without a key (natural keys still dedupe). */
            require_idempotency_key: boolean;
            /** @description The window qualifying points are counted in. */
            tier_period?: components["schemas"]["TierPeriod"];
            /**
             * @description The program's tiers, by ascending `threshold_points`; none by default.
             *     A customer holds the highest tier whose threshold their qualifying
             *     points reach; a change applies from the customer's next evaluation.
             */
            tiers?: components["schemas"]["Tier"][];
            void_policy: components["schemas"]["VoidPolicy"];
        };
        /** @description What a redelivery scheduled. */
        Redelivery: {
            /**
             * Format: int64
             * @description New deliveries scheduled: one per enabled endpoint subscribed to the event's type.
             */
            deliveries: number;
            event_id: string;
        };
        Redemption: {
            /** @description The single-use coupon issued when the reward is a voucher. */
            coupon_code?: string | null;
            /** Format: date-time */
            created_at: string;
            customer_id: string;
            id: string;
            /** Format: int64 */
            points_spent: number;
            /** Format: int64 */
            quantity: number;
            reward_id: string;
            status: components["schemas"]["RedemptionStatus"];
        };
        /**
         * @example {
         *       "customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8",
         *       "reward_id": "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M"
         *     }
         */
        RedemptionIn: {
            /**
             * @description Whose points pay (`cus_…`).
             * @example cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8
             */
            customer_id: string;
            /**
             * Format: int64
             * @description Units of the reward, 1 to 1000; default 1.
             * @default 1
             */
            quantity?: number | null;
            /**
             * @description What they buy (`rwd_…`).
             * @example rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M
             */
            reward_id: string;
        };
        /** @enum {string} */
        RedemptionStatus: "pending" | "fulfilled" | "cancelled";
        /** @description Pending points that become available together. */
        Release: {
            /** Format: date-time */
            at: string;
            /** Format: int64 */
            points: number;
        };
        Reward: {
            active: boolean;
            /** Format: int64 */
            cost_points: number;
            /** Format: date-time */
            created_at: string;
            id: string;
            kind: components["schemas"]["RewardKind"];
            name: string;
            /**
             * Format: int64
             * @description Units left; absent means unlimited.
             */
            stock?: number | null;
            /** Format: date-time */
            updated_at: string;
        };
        /**
         * @example {
         *       "cost_points": 100,
         *       "name": "Free coffee",
         *       "stock": 50
         *     }
         */
        RewardIn: {
            /**
             * @description Whether it can be redeemed (default `true`).
             * @default true
             */
            active?: boolean;
            /**
             * Format: int64
             * @description What one unit costs, in points; zero or more.
             * @example 100
             */
            cost_points: number;
            /** @default item */
            kind?: components["schemas"]["RewardKind"];
            /**
             * @description 1 to 200 characters, not blank, no control characters (surrounding whitespace is dropped).
             * @example Free coffee
             */
            name: string;
            /**
             * Format: int64
             * @description Finite inventory, zero or more; omit (or `null`) for unlimited.
             * @example 50
             */
            stock?: number | null;
        };
        /** @enum {string} */
        RewardKind: "item" | "voucher";
        /**
         * @description Fields to change; absent (or `null`, except `stock`) fields stay as they are.
         * @example {
         *       "active": true,
         *       "stock": 20
         *     }
         */
        RewardPatchIn: {
            active?: boolean | null;
            /**
             * Format: int64
             * @description Zero or more.
             */
            cost_points?: number | null;
            /** @description 1 to 200 characters, not blank, no control characters (surrounding whitespace is dropped). */
            name?: string | null;
            /**
             * Format: int64
             * @description A number (zero or more) sets the stock; `null` makes the reward unlimited; absent leaves it.
             */
            stock?: number | null;
        };
        /**
         * @description The caller's program at a glance, by the database clock. Every number is
         *     read from a counter kept in the writing transactions, or counted over an
         *     index up to `count_limit`, so the read costs the same on any size of program.
         */
        StatsOut: {
            /**
             * Format: int64
             * @description The most a bounded count reports.
             */
            count_limit: number;
            /** Format: int64 */
            customers: number;
            /**
             * Format: date-time
             * @description The start of the current day, UTC, by the database clock.
             */
            day_started_at: string;
            /**
             * Format: int64
             * @description The sum of every customer's available balance (held at the 64-bit
             *     limits, should the sum ever pass them).
             */
            points_outstanding: number;
            /**
             * Format: int64
             * @description Purchases recorded since `day_started_at`.
             */
            purchases_today: number;
            /**
             * Format: int64
             * @description Redemptions waiting to be fulfilled or cancelled, counted up to `count_limit`
             *     (a value equal to it means "at least that many").
             */
            redemptions_pending: number;
            /**
             * Format: int64
             * @description Redemptions made since `day_started_at`.
             */
            redemptions_today: number;
        };
        /**
         * @description A level a customer reaches by qualifying points, and what it earns.
         * @example {
         *       "earn_multiplier_percent": 125,
         *       "name": "Silver",
         *       "threshold_points": 1000
         *     }
         */
        Tier: {
            /**
             * Format: int32
             * @description Purchases earn `floor(base × multiplier / 100)`: 100 (no bonus) to 1000.
             */
            earn_multiplier_percent: number;
            /** @description 1 to 50 characters (surrounding whitespace is dropped), unique within the program. */
            name: string;
            /**
             * Format: int64
             * @description Qualifying points needed, at least 1; ascending from one tier to the next.
             */
            threshold_points: number;
        };
        /** @description One change of a customer's tier (`GET /customers/{id}/tier-history`, `tier.changed`). */
        TierChange: {
            /** Format: date-time */
            created_at: string;
            customer_id: string;
            /** @description `null`: below the first tier. */
            from_tier?: string | null;
            id: string;
            /**
             * Format: int64
             * @description The qualifying points that decided it.
             */
            qualifying_points: number;
            reason: components["schemas"]["TierChangeReason"];
            to_tier?: string | null;
            /** @description The purchase that made an upgrade, if one did. */
            transaction_id?: string | null;
        };
        /**
         * @description Why a customer's tier changed.
         * @enum {string}
         */
        TierChangeReason: "upgrade" | "downgrade";
        /**
         * @description The window a customer's qualifying points are counted in.
         * @enum {string}
         */
        TierPeriod: "rolling_365_days" | "calendar_year";
        Transaction: {
            /** Format: date-time */
            created_at: string;
            currency: string;
            customer_id: string;
            /**
             * Format: int32
             * @description What that tier multiplied the earning rule by (100: no bonus). A
             *     replay, or a later change of tier or program, never changes it.
             */
            earn_multiplier_percent: number;
            external_id?: string | null;
            id: string;
            /** Format: int64 */
            points: number;
            /** Format: int64 */
            spend_amount_cents: number;
            status: components["schemas"]["TransactionStatus"];
            /** @description The tier the customer held when the purchase was recorded, if any. */
            tier?: string | null;
            /**
             * Format: int64
             * @description How much of the spend has been voided so far.
             */
            voided_amount_cents: number;
            /**
             * Format: int64
             * @description Points taken back by voids so far.
             */
            voided_points: number;
        };
        /**
         * @example {
         *       "currency": "EUR",
         *       "customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8",
         *       "external_id": "POS-1001",
         *       "spend_amount_cents": 2599
         *     }
         */
        TransactionIn: {
            /**
             * @description ISO 4217, e.g. `EUR`: three letters, case-insensitive.
             * @example EUR
             */
            currency: string;
            /**
             * @description The customer who made the purchase (`cus_…`).
             * @example cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8
             */
            customer_id: string;
            /**
             * @description The POS receipt or order id: unique per program; a second use returns the
             *     first purchase (200). 1 to 255 characters, no control characters.
             * @example POS-1001
             */
            external_id?: string | null;
            /**
             * Format: int64
             * @description Overrides the program's earning rule for this purchase; zero or more.
             */
            points?: number | null;
            /**
             * Format: int64
             * @description What was spent, in cents; zero or more.
             * @example 2599
             */
            spend_amount_cents: number;
        };
        /** @enum {string} */
        TransactionStatus: "completed" | "partially_voided" | "voided";
        /**
         * @description Unknown fields are ignored here, unlike v1: clients of this shape often send
         *     extra metadata, and refusing it would break them for nothing.
         * @example {
         *       "customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8",
         *       "points_amount": 100,
         *       "redemption_type": "standard",
         *       "reward_id": "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M"
         *     }
         */
        V2RedeemIn: {
            /** @example cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8 */
            customer_id: string;
            /**
             * Format: int64
             * @description When sent, must equal the reward's cost (422 `points_amount_mismatch` otherwise).
             * @example 100
             */
            points_amount?: number | null;
            /** @description Accepted for compatibility and not interpreted. */
            redemption_type?: string | null;
            /** @example rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M */
            reward_id: string;
        };
        V2Redemption: {
            /** Format: date-time */
            created_at: string;
            customer_id: string;
            /** Format: int64 */
            points_amount: number;
            /** Format: int64 */
            quantity: number;
            redemption_id: string;
            reward_id: string;
            status: components["schemas"]["RedemptionStatus"];
        };
        V2RedemptionList: {
            customer_id: string;
            redemptions: components["schemas"]["V2Redemption"][];
        };
        /**
         * @example {
         *       "amount_cents": 1300
         *     }
         */
        VoidIn: {
            /**
             * Format: int64
             * @description Void only this much of the spend (a partial refund); omit to void what
             *     is left. More than zero, at most what is left of the purchase.
             * @example 1300
             */
            amount_cents?: number | null;
        };
        /** @enum {string} */
        VoidPolicy: "reject" | "allow_negative";
        /** @description A webhook endpoint, as the API shows it (its secret only when made or rotated). */
        WebhookEndpoint: {
            /** Format: date-time */
            created_at: string;
            description?: string | null;
            /** @description Why Tally disabled it (a `410 Gone` answer), if it did. */
            disabled_reason?: string | null;
            /** @description A disabled endpoint receives nothing; its deliveries wait until it is enabled again. */
            enabled: boolean;
            /** @description The event types it receives; `null`: every type. */
            event_types?: string[] | null;
            /** @description `whe_…`. */
            id: string;
            /** Format: date-time */
            updated_at: string;
            url: string;
        };
        /**
         * @example {
         *       "description": "order e-mails",
         *       "event_types": [
         *         "points.earned",
         *         "redemption.created"
         *       ],
         *       "url": "https://shop.example.com/hooks/tally"
         *     }
         */
        WebhookEndpointIn: {
            description?: string | null;
            /** @description The event types to receive; absent or `null`: every type. */
            event_types?: string[] | null;
            /**
             * @description `http` or `https`; not in a loopback, private, link-local or metadata range (unless the node allows private networks).
             * @example https://shop.example.com/hooks/tally
             */
            url: string;
        };
        /**
         * @description Fields to change; absent fields stay as they are.
         * @example {
         *       "enabled": true
         *     }
         */
        WebhookEndpointPatchIn: {
            /** @description A text sets it; `null` clears it; absent leaves it. */
            description?: string | null;
            /**
             * @description `true` enables the endpoint again (after a `410 Gone` disabled it, say);
             *     deliveries that waited while it was disabled are sent then.
             */
            enabled?: boolean | null;
            /** @description A list sets the types; `null`: every type; absent leaves them. */
            event_types?: string[] | null;
            url?: string | null;
        };
        /** @description An endpoint with its signing secret: only in the answer that makes it or rotates it. */
        WebhookEndpointWithSecret: components["schemas"]["WebhookEndpoint"] & {
            /**
             * @description `whsec_…`: verifies the `webhook-signature` of every delivery. Keep it;
             *     Tally shows it only here (and to a retry of this request with the same key).
             * @example whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw
             */
            secret: string;
        };
    };
    responses: {
        /** @description The server failed; nothing was recorded, so retrying is safe. `code`: `internal` */
        Internal: {
            headers: {
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                "X-Request-Id": string;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "code": "internal",
                 *       "detail": "The server failed; nothing was recorded, so retrying is safe",
                 *       "status": 500,
                 *       "title": "Internal Server Error",
                 *       "type": "/problems/internal"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {string} */
                    code?: "internal";
                };
            };
        };
        /** @description The body is larger than 1 MiB. `code`: `payload_too_large` */
        PayloadTooLarge: {
            headers: {
                /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                RateLimit: string;
                /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                "RateLimit-Policy": string;
                /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                "X-Request-Id": string;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "code": "payload_too_large",
                 *       "detail": "The body is larger than 1 MiB",
                 *       "status": 413,
                 *       "title": "Payload Too Large",
                 *       "type": "/problems/payload_too_large"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {string} */
                    code?: "payload_too_large";
                };
            };
        };
        /** @description Rate limited: the token used its program's `rate_limit_per_minute`; nothing was executed. `code`: `rate_limited` */
        RateLimited: {
            headers: {
                /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                RateLimit: string;
                /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                "RateLimit-Policy": string;
                /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                "Retry-After": number;
                /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                "X-Request-Id": string;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "code": "rate_limited",
                 *       "detail": "Rate limited: the token used its program's `rate_limit_per_minute`; nothing was executed",
                 *       "status": 429,
                 *       "title": "Too Many Requests",
                 *       "type": "/problems/rate_limited"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {string} */
                    code?: "rate_limited";
                };
            };
        };
        /** @description Unauthorized: no token, or not a valid one. `code`: `unauthorized` */
        Unauthorized: {
            headers: {
                /** @description `Bearer`: how to authenticate. */
                "WWW-Authenticate": string;
                /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                "X-Request-Id": string;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "code": "unauthorized",
                 *       "detail": "Unauthorized: no token, or not a valid one",
                 *       "status": 401,
                 *       "title": "Unauthorized",
                 *       "type": "/problems/unauthorized"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {string} */
                    code?: "unauthorized";
                };
            };
        };
        /** @description The body is not JSON. `code`: `unsupported_media_type` */
        UnsupportedMediaType: {
            headers: {
                /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                RateLimit: string;
                /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                "RateLimit-Policy": string;
                /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                "X-Request-Id": string;
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "code": "unsupported_media_type",
                 *       "detail": "The body is not JSON",
                 *       "status": 415,
                 *       "title": "Unsupported Media Type",
                 *       "type": "/problems/unsupported_media_type"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"] & {
                    /** @enum {string} */
                    code?: "unsupported_media_type";
                };
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: {
        /** @description `attachment; filename="…"`: a download, with the file name to save it under. */
        "Content-Disposition": string;
        /** @description Sent when the request had an `Idempotency-Key`: `true` when this is the stored answer of an earlier request with the key, `false` when this request executed. */
        "Idempotent-Replayed": "true" | "false";
        /** @description On key errors: `</docs/idempotency>; rel="describedby"`, the idempotency contract. */
        Link: string;
        /** @description The URL of the resource the request made. */
        Location: string;
        /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
        RateLimit: string;
        /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
        "RateLimit-Policy": string;
        /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
        "Retry-After": number;
        /** @description `Bearer`: how to authenticate. */
        "WWW-Authenticate": string;
        /** @description Sent when the request had an `Idempotency-Key`: `miss` (executed now), `hit` (a stored answer replayed), `waited` (waited for the key's first request, `Prefer: wait`, and replayed its answer). */
        "X-Idempotency-Lookup": "miss" | "hit" | "waited";
        /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
        "X-Request-Id": string;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    coupons_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The coupon's code, as printed (case-insensitive)
                 * @example 3ZK3Q9M2D4T6V8X0B1C3E5F7G9
                 */
                code: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The coupon */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Coupon"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `coupon_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "coupon_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/coupon_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "coupon_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    coupons_redeem: {
        parameters: {
            query?: never;
            header: {
                /** @description Required: one unique value per intent (a UUID v4 is ideal), reused unchanged on every retry of it. 1 to 255 visible ASCII characters, bare or as a structured-header string (`"…"`). Not required when the program set `require_idempotency_key` to false. `X-Idempotency-Key` is accepted as an alias (both present and different is 400 `idempotency_key_invalid`). */
                "Idempotency-Key": string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The coupon's code, as printed (case-insensitive)
                 * @example 3ZK3Q9M2D4T6V8X0B1C3E5F7G9
                 */
                code: string;
            };
            cookie?: never;
        };
        /** @description Optional: an empty body or `{}` */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["EmptyIn"];
            };
        };
        responses: {
            /** @description The coupon, now redeemed */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Coupon"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path`, `malformed_json`, `idempotency_key_invalid`, `idempotency_key_missing` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path" | "malformed_json" | "idempotency_key_invalid" | "idempotency_key_missing";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `coupon_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "coupon_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/coupon_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "coupon_not_found";
                    };
                };
            };
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `already_redeemed`, `coupon_void`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "already_redeemed",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/already_redeemed"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "already_redeemed" | "coupon_void" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    customers_list: {
        parameters: {
            query?: {
                /** @description Only the customer with this email */
                email?: string;
                /** @description Only the customer with this phone (E.164) */
                phone?: string;
                /**
                 * @description How many items to return, newest first (default 20).
                 * @example 20
                 */
                limit?: number;
                /** @description A cursor: the id of the last item of the previous page. */
                starting_after?: string;
            };
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of customers */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Paginated_Customer"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_query` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_query",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_query"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_query";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_field` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_field",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_field"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_field";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    customers_upsert: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional: with it, a retry replays the first answer instead of running again. One unique value per intent; 1 to 255 visible ASCII characters, bare or as a structured-header string. `X-Idempotency-Key` is accepted as an alias. */
                "Idempotency-Key"?: string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CustomerIn"];
            };
        };
        responses: {
            /** @description Found (and updated) */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            /** @description Created */
            201: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description The URL of the resource the request made. */
                    Location: string;
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-12-01T09:30:00.000Z",
                     *       "email": "ada@example.com",
                     *       "id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8",
                     *       "name": "Ada Lovelace",
                     *       "phone": null
                     *     }
                     */
                    "application/json": components["schemas"]["Customer"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `malformed_json`, `idempotency_key_invalid` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "malformed_json",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/malformed_json"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "malformed_json" | "idempotency_key_invalid";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Conflict. `code`: `customer_conflict`, `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "customer_conflict",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/customer_conflict"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "customer_conflict" | "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `contact_required`, `invalid_field`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "contact_required",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/contact_required"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "contact_required" | "invalid_field" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    customers_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The customer's id (`cus_…`)
                 * @example cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The customer */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `customer_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "customer_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/customer_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "customer_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    customers_adjustments_create: {
        parameters: {
            query?: never;
            header: {
                /** @description Required: one unique value per intent (a UUID v4 is ideal), reused unchanged on every retry of it. 1 to 255 visible ASCII characters, bare or as a structured-header string (`"…"`). Not required when the program set `require_idempotency_key` to false. `X-Idempotency-Key` is accepted as an alias (both present and different is 400 `idempotency_key_invalid`). */
                "Idempotency-Key": string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The customer's id (`cus_…`)
                 * @example cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AdjustmentIn"];
            };
        };
        responses: {
            /** @description A retry whose stored response expired: the entry its key made */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LedgerEntry"];
                };
            };
            /** @description The adjustment's ledger entry */
            201: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description The URL of the resource the request made. */
                    Location: string;
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LedgerEntry"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path`, `malformed_json`, `idempotency_key_invalid`, `idempotency_key_missing` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path" | "malformed_json" | "idempotency_key_invalid" | "idempotency_key_missing";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `customer_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "customer_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/customer_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "customer_not_found";
                    };
                };
            };
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_field`, `insufficient_points`, `points_overflow`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_field",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_field"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_field" | "insufficient_points" | "points_overflow" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    customers_balance_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The customer's id (`cus_…`)
                 * @example cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The balance */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "available": 400,
                     *       "customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8",
                     *       "expiring_soon": 0,
                     *       "lifetime_earned": 500,
                     *       "lifetime_spent": 100,
                     *       "next_release": {
                     *         "at": "2026-12-15T10:00:00Z",
                     *         "points": 25
                     *       },
                     *       "pending": 100,
                     *       "pending_earned": 25
                     *     }
                     */
                    "application/json": components["schemas"]["Balance"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `customer_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "customer_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/customer_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "customer_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    customers_ledger_list: {
        parameters: {
            query?: {
                /**
                 * @description How many items to return, newest first (default 20).
                 * @example 20
                 */
                limit?: number;
                /** @description A cursor: the id of the last item of the previous page. */
                starting_after?: string;
            };
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The customer's id (`cus_…`)
                 * @example cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of ledger entries */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Paginated_LedgerEntry"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_query`, `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_query",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_query"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_query" | "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `customer_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "customer_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/customer_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "customer_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    customers_redemptions_list: {
        parameters: {
            query?: {
                /**
                 * @description How many items to return, newest first (default 20).
                 * @example 20
                 */
                limit?: number;
                /** @description A cursor: the id of the last item of the previous page. */
                starting_after?: string;
            };
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The customer's id (`cus_…`)
                 * @example cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of redemptions */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Paginated_Redemption"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_query`, `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_query",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_query"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_query" | "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `customer_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "customer_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/customer_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "customer_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    customers_tier_history_list: {
        parameters: {
            query?: {
                /**
                 * @description How many items to return, newest first (default 20).
                 * @example 20
                 */
                limit?: number;
                /** @description A cursor: the id of the last item of the previous page. */
                starting_after?: string;
            };
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The customer's id (`cus_…`)
                 * @example cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of tier changes */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Paginated_TierChange"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_query`, `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_query",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_query"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_query" | "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `customer_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "customer_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/customer_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "customer_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    events_list: {
        parameters: {
            query?: {
                /**
                 * @description How many items to return, newest first (default 20).
                 * @example 20
                 */
                limit?: number;
                /** @description A cursor: the id of the last item of the previous page. */
                starting_after?: string;
                /** @description Only events of this type (e.g. `points.earned`). */
                type?: string;
                /** @description Only events about this customer (`cus_…`). */
                customer_id?: string;
            };
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of events */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Paginated_Event"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_query` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_query",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_query"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_query";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    events_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The event's id (`evt_…`)
                 * @example evt_01JDQ61B2C3D4E5F6G7H8J9K0M
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The event */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Event"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `event_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "event_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/event_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "event_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    events_redeliver: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional: with it, a retry replays the first answer instead of running again. One unique value per intent; 1 to 255 visible ASCII characters, bare or as a structured-header string. `X-Idempotency-Key` is accepted as an alias. */
                "Idempotency-Key"?: string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The event's id (`evt_…`)
                 * @example evt_01JDQ61B2C3D4E5F6G7H8J9K0M
                 */
                id: string;
            };
            cookie?: never;
        };
        /** @description Optional: an empty body or `{}` */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["EmptyIn"];
            };
        };
        responses: {
            /** @description Scheduled */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Redelivery"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path`, `malformed_json`, `idempotency_key_invalid` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path" | "malformed_json" | "idempotency_key_invalid";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `event_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "event_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/event_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "event_not_found";
                    };
                };
            };
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_body",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_body"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    exports_customers: {
        parameters: {
            query?: {
                /**
                 * @description Only rows created at or after this instant (RFC 3339, e.g. `2025-01-01T00:00:00Z`).
                 * @example 2025-01-01T00:00:00Z
                 */
                from?: string;
                /**
                 * @description Only rows created before this instant (RFC 3339); must be after `from`.
                 * @example 2025-02-01T00:00:00Z
                 */
                to?: string;
            };
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The customers as CSV */
            200: {
                headers: {
                    /** @description `attachment; filename="…"`: a download, with the file name to save it under. */
                    "Content-Disposition": string;
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_query` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_query",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_query"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_query";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    exports_ledger: {
        parameters: {
            query?: {
                /**
                 * @description Only rows created at or after this instant (RFC 3339, e.g. `2025-01-01T00:00:00Z`).
                 * @example 2025-01-01T00:00:00Z
                 */
                from?: string;
                /**
                 * @description Only rows created before this instant (RFC 3339); must be after `from`.
                 * @example 2025-02-01T00:00:00Z
                 */
                to?: string;
            };
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The ledger as CSV */
            200: {
                headers: {
                    /** @description `attachment; filename="…"`: a download, with the file name to save it under. */
                    "Content-Disposition": string;
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_query` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_query",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_query"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_query";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    idempotency_keys_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The key as sent in `Idempotency-Key` (percent-encoded in the path)
                 * @example redeem-1
                 */
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The key's state */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyInfo"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `idempotency_key_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/idempotency_key_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    program_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The program */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Program"];
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    program_update: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional: with it, a retry replays the first answer instead of running again. One unique value per intent; 1 to 255 visible ASCII characters, bare or as a structured-header string. `X-Idempotency-Key` is accepted as an alias. */
                "Idempotency-Key"?: string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        /** @description Optional: an empty body changes nothing */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ProgramPatchIn"];
            };
        };
        responses: {
            /** @description The program as it now is */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Program"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `malformed_json`, `idempotency_key_invalid` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "malformed_json",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/malformed_json"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "malformed_json" | "idempotency_key_invalid";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_field`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_field",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_field"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_field" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    redemptions_list: {
        parameters: {
            query: {
                /** @description Required: `pending`, `fulfilled` or `cancelled` */
                status: components["schemas"]["RedemptionStatus"];
                /**
                 * @description How many items to return, newest first (default 20).
                 * @example 20
                 */
                limit?: number;
                /** @description A cursor: the id of the last item of the previous page. */
                starting_after?: string;
            };
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the program's redemptions in that status */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Paginated_Redemption"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_query` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_query",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_query"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_query";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    redemptions_create: {
        parameters: {
            query?: never;
            header: {
                /** @description Required: one unique value per intent (a UUID v4 is ideal), reused unchanged on every retry of it. 1 to 255 visible ASCII characters, bare or as a structured-header string (`"…"`). Not required when the program set `require_idempotency_key` to false. `X-Idempotency-Key` is accepted as an alias (both present and different is 400 `idempotency_key_invalid`). */
                "Idempotency-Key": string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RedemptionIn"];
            };
        };
        responses: {
            /** @description A retry whose stored response expired: the redemption its key made */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Redemption"];
                };
            };
            /** @description Redeemed: points and stock are deducted */
            201: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description The URL of the resource the request made. */
                    Location: string;
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "coupon_code": null,
                     *       "created_at": "2026-12-01T09:32:00.000Z",
                     *       "customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8",
                     *       "id": "rdm_01JDQ5ZH5Q7W9E1R3T5Y7V9J1K",
                     *       "points_spent": 100,
                     *       "quantity": 1,
                     *       "reward_id": "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M",
                     *       "status": "pending"
                     *     }
                     */
                    "application/json": components["schemas"]["Redemption"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `malformed_json`, `idempotency_key_invalid`, `idempotency_key_missing` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "malformed_json",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/malformed_json"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "malformed_json" | "idempotency_key_invalid" | "idempotency_key_missing";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `customer_not_found`, `reward_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "customer_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/customer_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "customer_not_found" | "reward_not_found";
                    };
                };
            };
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_field`, `reward_inactive`, `insufficient_points`, `out_of_stock`, `points_overflow`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_field",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_field"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_field" | "reward_inactive" | "insufficient_points" | "out_of_stock" | "points_overflow" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    redemptions_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The redemption's id (`rdm_…`)
                 * @example rdm_01JDQ5ZH5Q7W9E1R3T5Y7V9J1K
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The redemption */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Redemption"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `redemption_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "redemption_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/redemption_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "redemption_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    redemptions_cancel: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional: with it, a retry replays the first answer instead of running again. One unique value per intent; 1 to 255 visible ASCII characters, bare or as a structured-header string. `X-Idempotency-Key` is accepted as an alias. */
                "Idempotency-Key"?: string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The redemption's id (`rdm_…`)
                 * @example rdm_01JDQ5ZH5Q7W9E1R3T5Y7V9J1K
                 */
                id: string;
            };
            cookie?: never;
        };
        /** @description Optional: an empty body or `{}` */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["EmptyIn"];
            };
        };
        responses: {
            /** @description The redemption, now cancelled */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Redemption"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path`, `malformed_json`, `idempotency_key_invalid` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path" | "malformed_json" | "idempotency_key_invalid";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `redemption_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "redemption_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/redemption_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "redemption_not_found";
                    };
                };
            };
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `already_fulfilled`, `already_cancelled`, `already_redeemed`, `points_overflow`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "already_fulfilled",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/already_fulfilled"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "already_fulfilled" | "already_cancelled" | "already_redeemed" | "points_overflow" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    redemptions_fulfil: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional: with it, a retry replays the first answer instead of running again. One unique value per intent; 1 to 255 visible ASCII characters, bare or as a structured-header string. `X-Idempotency-Key` is accepted as an alias. */
                "Idempotency-Key"?: string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The redemption's id (`rdm_…`)
                 * @example rdm_01JDQ5ZH5Q7W9E1R3T5Y7V9J1K
                 */
                id: string;
            };
            cookie?: never;
        };
        /** @description Optional: an empty body or `{}` */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["EmptyIn"];
            };
        };
        responses: {
            /** @description The redemption, now fulfilled */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "coupon_code": null,
                     *       "created_at": "2026-12-01T09:32:00.000Z",
                     *       "customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8",
                     *       "id": "rdm_01JDQ5ZH5Q7W9E1R3T5Y7V9J1K",
                     *       "points_spent": 100,
                     *       "quantity": 1,
                     *       "reward_id": "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M",
                     *       "status": "fulfilled"
                     *     }
                     */
                    "application/json": components["schemas"]["Redemption"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path`, `malformed_json`, `idempotency_key_invalid` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path" | "malformed_json" | "idempotency_key_invalid";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `redemption_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "redemption_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/redemption_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "redemption_not_found";
                    };
                };
            };
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `already_fulfilled`, `already_cancelled`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "already_fulfilled",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/already_fulfilled"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "already_fulfilled" | "already_cancelled" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    rewards_list: {
        parameters: {
            query?: {
                /**
                 * @description How many items to return, newest first (default 20).
                 * @example 20
                 */
                limit?: number;
                /** @description A cursor: the id of the last item of the previous page. */
                starting_after?: string;
            };
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of rewards */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Paginated_Reward"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_query` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_query",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_query"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_query";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    rewards_create: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional: with it, a retry replays the first answer instead of running again. One unique value per intent; 1 to 255 visible ASCII characters, bare or as a structured-header string. `X-Idempotency-Key` is accepted as an alias. */
                "Idempotency-Key"?: string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RewardIn"];
            };
        };
        responses: {
            /** @description Created */
            201: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description The URL of the resource the request made. */
                    Location: string;
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "active": true,
                     *       "cost_points": 100,
                     *       "created_at": "2026-12-01T09:00:00.000Z",
                     *       "id": "rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M",
                     *       "kind": "item",
                     *       "name": "Free coffee",
                     *       "stock": 50,
                     *       "updated_at": "2026-12-01T09:00:00.000Z"
                     *     }
                     */
                    "application/json": components["schemas"]["Reward"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `malformed_json`, `idempotency_key_invalid` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "malformed_json",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/malformed_json"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "malformed_json" | "idempotency_key_invalid";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_field`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_field",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_field"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_field" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    rewards_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The reward's id (`rwd_…`)
                 * @example rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The reward */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Reward"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `reward_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "reward_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/reward_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "reward_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    rewards_update: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional: with it, a retry replays the first answer instead of running again. One unique value per intent; 1 to 255 visible ASCII characters, bare or as a structured-header string. `X-Idempotency-Key` is accepted as an alias. */
                "Idempotency-Key"?: string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The reward's id (`rwd_…`)
                 * @example rwd_01JDQ5ZF3W5S7D9F1G3H5J7K9M
                 */
                id: string;
            };
            cookie?: never;
        };
        /** @description Optional: an empty body changes nothing */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RewardPatchIn"];
            };
        };
        responses: {
            /** @description The reward as it now is */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Reward"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path`, `malformed_json`, `idempotency_key_invalid` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path" | "malformed_json" | "idempotency_key_invalid";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `reward_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "reward_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/reward_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "reward_not_found";
                    };
                };
            };
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_field`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_field",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_field"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_field" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    stats_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The program's counts */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["StatsOut"];
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    transactions_create: {
        parameters: {
            query?: never;
            header: {
                /** @description Required: one unique value per intent (a UUID v4 is ideal), reused unchanged on every retry of it. 1 to 255 visible ASCII characters, bare or as a structured-header string (`"…"`). Not required when the program set `require_idempotency_key` to false. `X-Idempotency-Key` is accepted as an alias (both present and different is 400 `idempotency_key_invalid`). */
                "Idempotency-Key": string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TransactionIn"];
            };
        };
        responses: {
            /** @description The `external_id` was recorded before (the first purchase), or a retry whose stored response expired */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Transaction"];
                };
            };
            /** @description Recorded; its points are credited */
            201: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description The URL of the resource the request made. */
                    Location: string;
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "created_at": "2026-12-01T09:31:00.000Z",
                     *       "currency": "EUR",
                     *       "customer_id": "cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8",
                     *       "external_id": "POS-1001",
                     *       "id": "txn_01JDQ5ZC1M8E2R4T6Y8W0H2G4P",
                     *       "points": 25,
                     *       "spend_amount_cents": 2599,
                     *       "status": "completed",
                     *       "voided_amount_cents": 0,
                     *       "voided_points": 0
                     *     }
                     */
                    "application/json": components["schemas"]["Transaction"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `malformed_json`, `idempotency_key_invalid`, `idempotency_key_missing` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "malformed_json",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/malformed_json"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "malformed_json" | "idempotency_key_invalid" | "idempotency_key_missing";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `customer_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "customer_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/customer_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "customer_not_found";
                    };
                };
            };
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_field`, `points_overflow`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_field",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_field"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_field" | "points_overflow" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    transactions_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The transaction's id (`txn_…`)
                 * @example txn_01JDQ5ZC1M8E2R4T6Y8W0H2G4P
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The purchase */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Transaction"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `transaction_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "transaction_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/transaction_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "transaction_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    transactions_void: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required with `amount_cents` (a partial void: sent twice without a key it would void twice); optional for a full void, whose repeat is refused with 422 `already_voided`. One unique value per intent, reused on every retry of it; 1 to 255 visible ASCII characters, bare or as a structured-header string. `X-Idempotency-Key` is accepted as an alias. */
                "Idempotency-Key"?: string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The transaction's id (`txn_…`)
                 * @example txn_01JDQ5ZC1M8E2R4T6Y8W0H2G4P
                 */
                id: string;
            };
            cookie?: never;
        };
        /** @description Optional: an empty body voids what is left */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["VoidIn"];
            };
        };
        responses: {
            /** @description The purchase, voided in full or in part */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Transaction"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path`, `malformed_json`, `idempotency_key_invalid`, `idempotency_key_missing` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path" | "malformed_json" | "idempotency_key_invalid" | "idempotency_key_missing";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `transaction_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "transaction_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/transaction_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "transaction_not_found";
                    };
                };
            };
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_field`, `already_voided`, `void_exceeds_purchase`, `insufficient_points`, `points_overflow`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_field",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_field"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_field" | "already_voided" | "void_exceeds_purchase" | "insufficient_points" | "points_overflow" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    webhook_endpoints_list: {
        parameters: {
            query?: {
                /**
                 * @description How many items to return, newest first (default 20).
                 * @example 20
                 */
                limit?: number;
                /** @description A cursor: the id of the last item of the previous page. */
                starting_after?: string;
            };
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of endpoints */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Paginated_WebhookEndpoint"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_query` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_query",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_query"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_query";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    webhook_endpoints_create: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional: with it, a retry replays the first answer instead of running again. One unique value per intent; 1 to 255 visible ASCII characters, bare or as a structured-header string. `X-Idempotency-Key` is accepted as an alias. */
                "Idempotency-Key"?: string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["WebhookEndpointIn"];
            };
        };
        responses: {
            /** @description Registered; the secret is shown only here */
            201: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description The URL of the resource the request made. */
                    Location: string;
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpointWithSecret"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `malformed_json`, `idempotency_key_invalid` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "malformed_json",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/malformed_json"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "malformed_json" | "idempotency_key_invalid";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_field`, `webhook_url_not_allowed`, `webhook_url_unresolvable`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_field",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_field"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_field" | "webhook_url_not_allowed" | "webhook_url_unresolvable" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    webhook_endpoints_get: {
        parameters: {
            query?: never;
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The endpoint's id (`whe_…`)
                 * @example whe_01JDQ60A1B2C3D4E5F6G7H8J9K
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The endpoint */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpoint"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `webhook_endpoint_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "webhook_endpoint_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/webhook_endpoint_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "webhook_endpoint_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    webhook_endpoints_delete: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional: with it, a retry replays the first answer instead of running again. One unique value per intent; 1 to 255 visible ASCII characters, bare or as a structured-header string. `X-Idempotency-Key` is accepted as an alias. */
                "Idempotency-Key"?: string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The endpoint's id (`whe_…`)
                 * @example whe_01JDQ60A1B2C3D4E5F6G7H8J9K
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted; the endpoint as it was */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpoint"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path`, `malformed_json`, `idempotency_key_invalid` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path" | "malformed_json" | "idempotency_key_invalid";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `webhook_endpoint_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "webhook_endpoint_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/webhook_endpoint_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "webhook_endpoint_not_found";
                    };
                };
            };
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_body",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_body"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    webhook_endpoints_update: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional: with it, a retry replays the first answer instead of running again. One unique value per intent; 1 to 255 visible ASCII characters, bare or as a structured-header string. `X-Idempotency-Key` is accepted as an alias. */
                "Idempotency-Key"?: string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The endpoint's id (`whe_…`)
                 * @example whe_01JDQ60A1B2C3D4E5F6G7H8J9K
                 */
                id: string;
            };
            cookie?: never;
        };
        /** @description Optional: an empty body changes nothing */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["WebhookEndpointPatchIn"];
            };
        };
        responses: {
            /** @description The endpoint as it now is */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpoint"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path`, `malformed_json`, `idempotency_key_invalid` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path" | "malformed_json" | "idempotency_key_invalid";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `webhook_endpoint_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "webhook_endpoint_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/webhook_endpoint_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "webhook_endpoint_not_found";
                    };
                };
            };
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_field`, `webhook_url_not_allowed`, `webhook_url_unresolvable`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_field",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_field"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_field" | "webhook_url_not_allowed" | "webhook_url_unresolvable" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    webhook_endpoints_deliveries: {
        parameters: {
            query?: {
                /**
                 * @description How many items to return, newest first (default 20).
                 * @example 20
                 */
                limit?: number;
                /** @description A cursor: the id of the last item of the previous page. */
                starting_after?: string;
            };
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The endpoint's id (`whe_…`)
                 * @example whe_01JDQ60A1B2C3D4E5F6G7H8J9K
                 */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of attempts */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Paginated_DeliveryAttempt"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_query`, `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_query",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_query"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_query" | "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `webhook_endpoint_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "webhook_endpoint_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/webhook_endpoint_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "webhook_endpoint_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    webhook_endpoints_rotate_secret: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional: with it, a retry replays the first answer instead of running again. One unique value per intent; 1 to 255 visible ASCII characters, bare or as a structured-header string. `X-Idempotency-Key` is accepted as an alias. */
                "Idempotency-Key"?: string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The endpoint's id (`whe_…`)
                 * @example whe_01JDQ60A1B2C3D4E5F6G7H8J9K
                 */
                id: string;
            };
            cookie?: never;
        };
        /** @description Optional: an empty body or `{}` */
        requestBody?: {
            content: {
                "application/json": components["schemas"]["EmptyIn"];
            };
        };
        responses: {
            /** @description The endpoint with its new secret */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookEndpointWithSecret"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path`, `malformed_json`, `idempotency_key_invalid` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path" | "malformed_json" | "idempotency_key_invalid";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `webhook_endpoint_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "webhook_endpoint_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/webhook_endpoint_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "webhook_endpoint_not_found";
                    };
                };
            };
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_body",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_body"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
    v2_redemptions_list: {
        parameters: {
            query?: never;
            header?: {
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path: {
                /**
                 * @description The customer's id (`cus_…`)
                 * @example cus_01JDQ5Z8K6V4N2WQ7X9YB3C5D8
                 */
                customer_id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The redemptions */
            200: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["V2RedemptionList"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `invalid_path` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_path",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/invalid_path"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_path";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `customer_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "customer_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/customer_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "customer_not_found";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable";
                    };
                };
            };
        };
    };
    v2_rewards_redeem: {
        parameters: {
            query?: never;
            header: {
                /** @description Required: one unique value per intent (a UUID v4 is ideal), reused unchanged on every retry of it. 1 to 255 visible ASCII characters, bare or as a structured-header string (`"…"`). Not required when the program set `require_idempotency_key` to false. `X-Idempotency-Key` is accepted as an alias (both present and different is 400 `idempotency_key_invalid`). */
                "Idempotency-Key": string;
                /** @description `wait=N` (N at most 10): when a request with the same key is still executing, wait up to N seconds for it and answer its response (`X-Idempotency-Lookup: waited`) instead of 409 `idempotency_key_in_use`. Other preferences are ignored. */
                Prefer?: string;
                /** @description The request's id, echoed in the response and carried by its log line; a new UUID when absent. */
                "X-Request-Id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["V2RedeemIn"];
            };
        };
        responses: {
            /** @description A retry whose stored response expired: the redemption its key made */
            200: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["V2Redemption"];
                };
            };
            /** @description Redeemed */
            201: {
                headers: {
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description The URL of the resource the request made. */
                    Location: string;
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "X-Idempotency-Lookup": components["headers"]["X-Idempotency-Lookup"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["V2Redemption"];
                };
            };
            /** @description Bad request: the body, the query or a header cannot be read. `code`: `malformed_json`, `idempotency_key_invalid`, `idempotency_key_missing` */
            400: {
                headers: {
                    Link: components["headers"]["Link"];
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "malformed_json",
                     *       "detail": "Bad request: the body, the query or a header cannot be read",
                     *       "status": 400,
                     *       "title": "Bad Request",
                     *       "type": "/problems/malformed_json"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "malformed_json" | "idempotency_key_invalid" | "idempotency_key_missing";
                    };
                };
            };
            401: components["responses"]["Unauthorized"];
            /** @description Not found in the caller's program. `code`: `customer_not_found`, `reward_not_found` */
            404: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "customer_not_found",
                     *       "detail": "Not found in the caller's program",
                     *       "status": 404,
                     *       "title": "Not Found",
                     *       "type": "/problems/customer_not_found"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "customer_not_found" | "reward_not_found";
                    };
                };
            };
            /** @description Conflict. `code`: `idempotency_key_in_use`, `conflict` */
            409: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    "Retry-After": components["headers"]["Retry-After"];
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "idempotency_key_in_use",
                     *       "detail": "Conflict",
                     *       "status": 409,
                     *       "title": "Conflict",
                     *       "type": "/problems/idempotency_key_in_use"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "idempotency_key_in_use" | "conflict";
                    };
                };
            };
            413: components["responses"]["PayloadTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            /** @description Refused: the request is well formed, but its content breaks a rule. `code`: `invalid_field`, `reward_inactive`, `insufficient_points`, `out_of_stock`, `points_amount_mismatch`, `points_overflow`, `invalid_body`, `idempotency_key_reused` */
            422: {
                headers: {
                    /** @description Where the token stands, e.g. `"token";r=599;t=1`: 599 requests left now, full again in 1 s. */
                    RateLimit: string;
                    /** @description The token's rate-limit policy (IETF RateLimit draft), e.g. `"token";q=600;w=60`: 600 requests per 60 s. */
                    "RateLimit-Policy": string;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "invalid_field",
                     *       "detail": "Refused: the request is well formed, but its content breaks a rule",
                     *       "status": 422,
                     *       "title": "Unprocessable Entity",
                     *       "type": "/problems/invalid_field"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "invalid_field" | "reward_inactive" | "insufficient_points" | "out_of_stock" | "points_amount_mismatch" | "points_overflow" | "invalid_body" | "idempotency_key_reused";
                    };
                };
            };
            429: components["responses"]["RateLimited"];
            500: components["responses"]["Internal"];
            /** @description Storage is unreachable or a commit's outcome is unknown; retry with the same key. `code`: `storage_unavailable`, `idempotency_unavailable`, `outcome_unknown` */
            503: {
                headers: {
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    /** @description Seconds to wait before retrying, with the same `Idempotency-Key`. */
                    "Retry-After": number;
                    /** @description The request's id: the client's `X-Request-Id` when it sent one, otherwise a new UUID. Quote it when reporting a problem; every log line of the request carries it. */
                    "X-Request-Id": string;
                    [name: string]: unknown;
                };
                content: {
                    /**
                     * @example {
                     *       "code": "storage_unavailable",
                     *       "detail": "Storage is unreachable or a commit's outcome is unknown; retry with the same key",
                     *       "status": 503,
                     *       "title": "Service Unavailable",
                     *       "type": "/problems/storage_unavailable"
                     *     }
                     */
                    "application/problem+json": components["schemas"]["Problem"] & {
                        /** @enum {string} */
                        code?: "storage_unavailable" | "idempotency_unavailable" | "outcome_unknown";
                    };
                };
            };
        };
    };
}
