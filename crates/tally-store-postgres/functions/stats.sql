-- The counters of the console's overview (see migrations/0010_program_stats.sql:
-- triggers append changes, a maintenance task of every node folds them).

-- Moves up to `batch` changes into the counters, in the caller's transaction;
-- returns how many it moved. Concurrent folds (several nodes) never move one
-- change twice: the second waits for the first's delete and skips what it took.
CREATE FUNCTION tally_fold_counters(batch INTEGER) RETURNS BIGINT LANGUAGE sql VOLATILE AS $$
    WITH moved AS (
        DELETE FROM program_counter_changes
        WHERE ctid IN (SELECT ctid FROM program_counter_changes LIMIT batch)
        RETURNING *
    ), totals AS (
        INSERT INTO program_counters AS c (program_id, customer_count, points_outstanding)
        SELECT program_id, SUM(customers), SUM(points) FROM moved GROUP BY program_id
        HAVING SUM(customers) <> 0 OR SUM(points) <> 0
        ON CONFLICT (program_id) DO UPDATE
        SET customer_count = c.customer_count + EXCLUDED.customer_count,
            points_outstanding = c.points_outstanding + EXCLUDED.points_outstanding
    ), daily AS (
        INSERT INTO program_daily_counters AS d (program_id, day, purchases, redemptions)
        SELECT program_id, day, SUM(purchases), SUM(redemptions) FROM moved GROUP BY program_id, day
        HAVING SUM(purchases) <> 0 OR SUM(redemptions) <> 0
        ON CONFLICT (program_id, day) DO UPDATE
        SET purchases = d.purchases + EXCLUDED.purchases, redemptions = d.redemptions + EXCLUDED.redemptions
    )
    SELECT count(*) FROM moved
$$;
