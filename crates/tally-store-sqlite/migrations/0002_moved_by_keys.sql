-- The key of the request that moved a redemption out of `pending` (fulfil,
-- cancel) or used a coupon, with its request's fingerprint: a retry that
-- arrives after its stored response expired finds the move it made and is
-- answered as a replay, not refused with `already_fulfilled`.
ALTER TABLE redemptions ADD COLUMN moved_by_key TEXT;
ALTER TABLE redemptions ADD COLUMN moved_by_fingerprint TEXT;
ALTER TABLE coupons ADD COLUMN moved_by_key TEXT;
ALTER TABLE coupons ADD COLUMN moved_by_fingerprint TEXT;
