//! What the harnesses share with the tests of this package: a private
//! PostgreSQL cluster, `tally serve` nodes to kill and restart, and the `tally`
//! binary's administration commands.

pub mod cluster;
