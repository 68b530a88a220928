-- The digest of the function set installed from functions/ (src/schema.rs):
-- a start that finds its own digest here has nothing to install. One row at
-- most; none before the first install.
CREATE TABLE tally_function_set (
    only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
    digest TEXT NOT NULL
);
