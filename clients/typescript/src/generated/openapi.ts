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
        /** A coupon by its code (case-insensitive). */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Coupon"];
                    };
                };
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
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
         * Use a coupon, once: fulfils its redemption. A second use is 422 `already_redeemed`;
         *     a coupon whose redemption was cancelled is 422 `coupon_void`.
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Required: one unique value per use, reused on retries */
                    "Idempotency-Key": string;
                    /** @description `wait=N` (at most 10): when a request with the same Idempotency-Key is still executing, wait up to N seconds for it and return its response instead of 409. */
                    Prefer?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["EmptyIn"];
                };
            };
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Coupon"];
                    };
                };
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
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
        /** List customers, newest first; `email` / `phone` filter by the normalised value. */
        get: {
            parameters: {
                query?: {
                    email?: string;
                    phone?: string;
                    limit?: number;
                    starting_after?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Paginated_Customer"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
        put?: never;
        /**
         * Upsert a customer by email or phone: 201 when created, 200 when found (the
         *     name is updated, and an empty email or phone is filled in).
         */
        post: operations["upsert"];
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
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Customer"];
                    };
                };
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
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
        /** Correct a balance by hand. The ledger entry keeps the reason and the token. */
        post: operations["adjust"];
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
        get: operations["balance"];
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
        /** Every ledger entry of a customer, newest first, each naming the operation that made it. */
        get: operations["ledger"];
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
        get: operations["list_for_customer"];
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
         * The state of an idempotency key: `in_flight` while its first request runs,
         *     `completed` with the stored response's facts, 404 when unknown or expired.
         */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["KeyInfo"];
                    };
                };
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
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
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Program"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch: {
            parameters: {
                query?: never;
                header?: {
                    /** @description `wait=N` (at most 10): when a request with the same Idempotency-Key is still executing, wait up to N seconds for it and return its response instead of 409. */
                    Prefer?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["ProgramPatchIn"];
                };
            };
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Program"];
                    };
                };
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
        trace?: never;
    };
    "/api/v1/redemptions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Redeem a reward: deducts points and stock atomically, never below zero. */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Required: one unique value per redemption intent, reused on retries */
                    "Idempotency-Key": string;
                    /** @description `wait=N` (at most 10): when a request with the same Idempotency-Key is still executing, wait up to N seconds for it and return its response instead of 409. */
                    Prefer?: string;
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
                /** @description Replay after the stored response expired */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Redemption"];
                    };
                };
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Redemption"];
                    };
                };
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
            };
        };
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
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Redemption"];
                    };
                };
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
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
        /** `pending` → `cancelled`, refunding points and stock (and voiding a voucher's coupon) at once. */
        post: operations["cancel"];
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
        /** `pending` → `fulfilled`. A repeat is 422 `already_fulfilled` (or `already_cancelled`). */
        post: operations["fulfil"];
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
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    starting_after?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Paginated_Reward"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
        put?: never;
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description `wait=N` (at most 10): when a request with the same Idempotency-Key is still executing, wait up to N seconds for it and return its response instead of 409. */
                    Prefer?: string;
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
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Reward"];
                    };
                };
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
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
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Reward"];
                    };
                };
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch: {
            parameters: {
                query?: never;
                header?: {
                    /** @description `wait=N` (at most 10): when a request with the same Idempotency-Key is still executing, wait up to N seconds for it and return its response instead of 409. */
                    Prefer?: string;
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": components["schemas"]["RewardPatchIn"];
                };
            };
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Reward"];
                    };
                };
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
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
        /** Record a purchase and credit its points (`floor(spend × points_per_currency_unit / 100)`). */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Required: one unique value per purchase, reused on retries */
                    "Idempotency-Key": string;
                    /** @description `wait=N` (at most 10): when a request with the same Idempotency-Key is still executing, wait up to N seconds for it and return its response instead of 409. */
                    Prefer?: string;
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
                /** @description The external_id was recorded before, or a replay */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Transaction"];
                    };
                };
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Transaction"];
                    };
                };
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
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
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Transaction"];
                    };
                };
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
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
         * Void a purchase, in full or in part: points are taken back in proportion to
         *     the voided spend. A second full void is 422 `already_voided` (with the same
         *     Idempotency-Key, a replay of the first answer instead).
         */
        post: operations["void"];
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
        /** The customer's most recent redemptions (up to 100), newest first. */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["V2RedemptionList"];
                    };
                };
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
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
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description Required, as on /api/v1/redemptions */
                    "Idempotency-Key": string;
                    /** @description `wait=N` (at most 10): when a request with the same Idempotency-Key is still executing, wait up to N seconds for it and return its response instead of 409. */
                    Prefer?: string;
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
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["V2Redemption"];
                    };
                };
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Problem"];
                    };
                };
                429: components["responses"]["RateLimited"];
            };
        };
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
        AdjustmentIn: {
            /**
             * Format: int64
             * @description Signed: positive credits, negative debits (never below zero).
             */
            points: number;
            /** @description Why: kept on the ledger entry with the token that made it. */
            reason: string;
        };
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
            /**
             * Format: int64
             * @description Points held by redemptions that are still pending (a cancel would return them).
             */
            pending: number;
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
        };
        CustomerIn: {
            /** @description Matched case-insensitively. */
            email?: string | null;
            name?: string | null;
            /** @description E.164, e.g. `+4915112345678`; spaces and dashes are ignored. */
            phone?: string | null;
        };
        /**
         * @description No fields: the route's path says everything. Present so that `{}` and an
         *     empty body are accepted and anything else is refused.
         */
        EmptyIn: Record<string, never>;
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
            /** Format: int64 */
            balance_after: number;
            /** Format: date-time */
            created_at: string;
            customer_id: string;
            id: string;
            operation: components["schemas"]["LedgerOperation"];
            /**
             * Format: int64
             * @description Signed: positive credits, negative debits.
             */
            points: number;
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
        LedgerOperation: "earn" | "redeem" | "void" | "adjustment" | "refund" | "expire";
        /** @description A page of a list, newest first. */
        Paginated_Customer: {
            data: {
                /** Format: date-time */
                created_at: string;
                email?: string | null;
                id: string;
                name?: string | null;
                phone?: string | null;
            }[];
            /** @description Whether older items follow; fetch them with `starting_after` = the last id. */
            has_more: boolean;
        };
        /** @description A page of a list, newest first. */
        Paginated_LedgerEntry: {
            data: {
                /** Format: int64 */
                balance_after: number;
                /** Format: date-time */
                created_at: string;
                customer_id: string;
                id: string;
                operation: components["schemas"]["LedgerOperation"];
                /**
                 * Format: int64
                 * @description Signed: positive credits, negative debits.
                 */
                points: number;
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
        /** @description The problem+json body. */
        Problem: {
            /** @description Stable machine-readable code, e.g. `insufficient_points`. */
            code: string;
            detail: string;
            /** Format: int32 */
            status: number;
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
        /** @description Fields to change; absent fields stay as they are. */
        ProgramPatchIn: {
            /** Format: int32 */
            idempotency_retention_hours?: number | null;
            /**
             * Format: int32
             * @description Days after which earned points expire; `null` turns expiry off.
             */
            points_expire_after_days?: number | null;
            /** Format: int64 */
            points_per_currency_unit?: number | null;
            /** Format: int32 */
            rate_limit_per_minute?: number | null;
            require_idempotency_key?: boolean | null;
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
             * Format: int64
             * @description Earning rule: points per whole currency unit spent (rounded down per purchase).
             */
            points_per_currency_unit: number;
            /** Format: int32 */
            rate_limit_per_minute: number;
            /** @description When false, points-moving routes accept requests without a key (natural keys still dedupe). */
            require_idempotency_key: boolean;
            void_policy: components["schemas"]["VoidPolicy"];
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
        RedemptionIn: {
            customer_id: string;
            /**
             * Format: int64
             * @description Units of the reward, 1 to 1000; default 1.
             */
            quantity?: number | null;
            reward_id: string;
        };
        /** @enum {string} */
        RedemptionStatus: "pending" | "fulfilled" | "cancelled";
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
        RewardIn: {
            active?: boolean;
            /** Format: int64 */
            cost_points: number;
            kind?: components["schemas"]["RewardKind"];
            name: string;
            /**
             * Format: int64
             * @description Finite inventory; omit for unlimited.
             */
            stock?: number | null;
        };
        /** @enum {string} */
        RewardKind: "item" | "voucher";
        RewardPatchIn: {
            active?: boolean | null;
            /** Format: int64 */
            cost_points?: number | null;
            name?: string | null;
            /**
             * Format: int64
             * @description A number sets the stock; `null` makes the reward unlimited; absent leaves it.
             */
            stock?: number | null;
        };
        Transaction: {
            /** Format: date-time */
            created_at: string;
            currency: string;
            customer_id: string;
            external_id?: string | null;
            id: string;
            /** Format: int64 */
            points: number;
            /** Format: int64 */
            spend_amount_cents: number;
            status: components["schemas"]["TransactionStatus"];
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
        TransactionIn: {
            /** @description ISO 4217, e.g. `EUR`. */
            currency: string;
            customer_id: string;
            /** @description The POS receipt or order id: unique per program; a second use returns the first purchase (200). */
            external_id?: string | null;
            /**
             * Format: int64
             * @description Overrides the program's earning rule for this purchase.
             */
            points?: number | null;
            /** Format: int64 */
            spend_amount_cents: number;
        };
        /** @enum {string} */
        TransactionStatus: "completed" | "partially_voided" | "voided";
        /**
         * @description Unknown fields are ignored here, unlike v1: clients of this shape often send
         *     extra metadata, and refusing it would break them for nothing.
         */
        V2RedeemIn: {
            customer_id: string;
            /**
             * Format: int64
             * @description When sent, must equal the reward's cost (422 `points_amount_mismatch` otherwise).
             */
            points_amount?: number | null;
            /** @description Accepted for compatibility and not interpreted. */
            redemption_type?: string | null;
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
        VoidIn: {
            /**
             * Format: int64
             * @description Void only this much of the spend (a partial refund); omit to void what is left.
             */
            amount_cents?: number | null;
        };
        /** @enum {string} */
        VoidPolicy: "reject" | "allow_negative";
    };
    responses: {
        /** @description Rate limited: this token used its program's `rate_limit_per_minute`. Nothing was executed. Every authenticated response carries `RateLimit-Policy` and `RateLimit`. */
        RateLimited: {
            headers: {
                RateLimit?: string;
                "RateLimit-Policy"?: string;
                "Retry-After"?: number;
                [name: string]: unknown;
            };
            content: {
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    upsert: {
        parameters: {
            query?: never;
            header?: {
                /** @description Optional here: the route is naturally idempotent */
                "Idempotency-Key"?: string | null;
                /** @description `wait=N` (at most 10): when a request with the same Idempotency-Key is still executing, wait up to N seconds for it and return its response instead of 409. */
                Prefer?: string;
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
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Customer"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["RateLimited"];
        };
    };
    adjust: {
        parameters: {
            query?: never;
            header: {
                /** @description Required: one unique value per adjustment, reused on retries */
                "Idempotency-Key": string;
                /** @description `wait=N` (at most 10): when a request with the same Idempotency-Key is still executing, wait up to N seconds for it and return its response instead of 409. */
                Prefer?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["AdjustmentIn"];
            };
        };
        responses: {
            /** @description Replay after the stored response expired */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LedgerEntry"];
                };
            };
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["LedgerEntry"];
                };
            };
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["RateLimited"];
        };
    };
    balance: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Balance"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["RateLimited"];
        };
    };
    ledger: {
        parameters: {
            query?: {
                limit?: number;
                starting_after?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Paginated_LedgerEntry"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["RateLimited"];
        };
    };
    list_for_customer: {
        parameters: {
            query?: {
                limit?: number;
                starting_after?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Paginated_Redemption"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["RateLimited"];
        };
    };
    cancel: {
        parameters: {
            query?: never;
            header?: {
                /** @description `wait=N` (at most 10): when a request with the same Idempotency-Key is still executing, wait up to N seconds for it and return its response instead of 409. */
                Prefer?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EmptyIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Redemption"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["RateLimited"];
        };
    };
    fulfil: {
        parameters: {
            query?: never;
            header?: {
                /** @description `wait=N` (at most 10): when a request with the same Idempotency-Key is still executing, wait up to N seconds for it and return its response instead of 409. */
                Prefer?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["EmptyIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Redemption"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["RateLimited"];
        };
    };
    void: {
        parameters: {
            query?: never;
            header?: {
                /** @description Required with `amount_cents` (a partial void: sent twice without a key it would void twice); optional for a full void, whose repeat is refused with 422 `already_voided` */
                "Idempotency-Key"?: string | null;
                /** @description `wait=N` (at most 10): when a request with the same Idempotency-Key is still executing, wait up to N seconds for it and return its response instead of 409. */
                Prefer?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["VoidIn"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Transaction"];
                };
            };
            /** @description idempotency_key_missing (a partial void without a key) */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            /** @description already_voided, void_exceeds_purchase, insufficient_points */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Problem"];
                };
            };
            429: components["responses"]["RateLimited"];
        };
    };
}
