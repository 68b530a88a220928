// The API's shapes, by their names in openapi.json. `./generated/openapi.ts`
// is generated from that document (`npm run generate`) and never edited.

import type { components } from "./generated/openapi.js";

type Schemas = components["schemas"];

// Resources.
export type Balance = Schemas["Balance"];
export type Coupon = Schemas["Coupon"];
export type Customer = Schemas["Customer"];
export type KeyInfo = Schemas["KeyInfo"];
export type LedgerEntry = Schemas["LedgerEntry"];
export type Program = Schemas["Program"];
export type Redemption = Schemas["Redemption"];
export type Reward = Schemas["Reward"];
export type Stats = Schemas["StatsOut"];
export type RedemptionStatus = Redemption["status"];
export type TierChange = Schemas["TierChange"];
export type Transaction = Schemas["Transaction"];
export type V2Redemption = Schemas["V2Redemption"];
export type V2RedemptionList = Schemas["V2RedemptionList"];
export type ProblemBody = Schemas["Problem"];

// Request bodies.
export type NewAdjustment = Schemas["AdjustmentIn"];
export type NewCustomer = Schemas["CustomerIn"];
export type NewRedemption = Schemas["RedemptionIn"];
export type NewReward = Schemas["RewardIn"];
export type NewTransaction = Schemas["TransactionIn"];
export type ProgramPatch = Schemas["ProgramPatchIn"];
export type RewardPatch = Schemas["RewardPatchIn"];
export type V2Redeem = Schemas["V2RedeemIn"];
export type VoidTransaction = Schemas["VoidIn"];

/** A page of a list, newest first. */
export interface Page<T> {
  data: T[];
  /** Whether older items follow: ask again with `starting_after` = the last id. */
  has_more: boolean;
}

/** Where a list starts and how long a page is. */
export interface PageParams {
  /** 1 to 100; the server's default is 20. */
  limit?: number;
  /** The id of the last item of the previous page. */
  starting_after?: string;
}

export interface CustomerFilter {
  email?: string;
  phone?: string;
}

/** A write's answer, with the facts of how it was obtained. */
export interface Written<T> {
  value: T;
  /** The idempotency key it was sent with (the journal's, or the caller's). */
  key: string;
  status: number;
  /**
   * The server answered from its stored response (`Idempotent-Replayed: true`):
   * an earlier attempt of this intent had already taken effect.
   */
  replayed: boolean;
  /** Sends it took in this call. */
  attempts: number;
}
